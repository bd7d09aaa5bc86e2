// The STS emulator over real HTTP on 127.0.0.1: official SDK signatures accepted, every rejection
// answered with the Alibaba code and status, and every fault mode doing what it says.
import { randomUUID } from "node:crypto";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { startStsEmulator, type StsEmulator } from "../../src/emulators/sts/server.js";
import { signStringToSign, stringToSign } from "../../src/emulators/sts/signature.js";
import {
  baseParams,
  callGet,
  callPostForm,
  formEncode,
  jsonBody,
  officiallySigned,
  PopRPCClient,
  rawCall,
  ROLE,
  timestampAt,
  USER,
  type RawResponse,
} from "./sts-helpers.js";

const UPPER_UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const ROLE_ARN = "acs:ram::1234567890123456:assumed-role/dev-role/alice@example.com";

interface Ctx {
  sts: StsEmulator;
}

function assertRoleIdentity(body: Record<string, unknown>): void {
  const { RequestId, ...rest } = body;
  assert.equal(rest, {
    AccountId: "1234567890123456",
    Arn: ROLE_ARN,
    IdentityType: "AssumedRoleUser",
    PrincipalId: "300044677176060001:alice@example.com",
    RoleId: "300044677176060001",
  });
  assert.match(String(RequestId), UPPER_UUID);
}

function assertStsError(res: RawResponse, status: number, code: string): Record<string, string> {
  assert.is(res.status, status, `status for ${code}: ${res.body}`);
  assert.is(res.headers["content-type"], "application/json;charset=utf-8");
  const body = jsonBody(res);
  assert.is(body.Code, code);
  assert.equal(Object.keys(body), ["RequestId", "HostId", "Code", "Message", "Recommend"]);
  assert.match(body.RequestId!, UPPER_UUID);
  assert.is(res.headers["x-acs-request-id"], body.RequestId);
  assert.ok(body.Message!.length > 0);
  return body;
}

const signedGet = (sts: StsEmulator, overrides: Record<string, string | undefined> = {}, who = ROLE) =>
  callGet(sts.url, officiallySigned(baseParams(who, overrides), "GET", who.accessKeySecret));
const signedPost = (sts: StsEmulator, overrides: Record<string, string | undefined> = {}, who = ROLE) =>
  callPostForm(sts.url, officiallySigned(baseParams(who, overrides), "POST", who.accessKeySecret));

// ---------------------------------------------------------------------------------------------------
const accepted = suite<Ctx>("accepted requests");
accepted.before.each(async (ctx) => {
  ctx.sts = await startStsEmulator({ identities: [ROLE, USER] });
});
accepted.after.each(async (ctx) => {
  await ctx.sts.close();
});

accepted("listens on 127.0.0.1 with a random port", ({ sts }) => {
  assert.ok(sts.port > 0);
  assert.is(sts.url, `http://127.0.0.1:${sts.port}`);
  assert.is(sts.requests.length, 0);
});

accepted("openapi-util signature, GET with params in the query -> assumed-role identity", async ({ sts }) => {
  const res = await signedGet(sts);
  assert.is(res.status, 200, res.body);
  assert.is(res.headers["content-type"], "application/json;charset=utf-8");
  assertRoleIdentity(jsonBody(res));
});

accepted("openapi-util signature, POST with a form body -> assumed-role identity", async ({ sts }) => {
  const res = await signedPost(sts);
  assert.is(res.status, 200, res.body);
  assertRoleIdentity(jsonBody(res));
});

accepted("Go SDK shape: POST, everything in the query with '+' for spaces, empty SignatureType, RegionId", async ({ sts }) => {
  const params = baseParams(ROLE, { SignatureType: "", RegionId: "cn-hangzhou", SignatureNonce: `go style ${randomUUID()}` });
  const signed = officiallySigned(params, "POST", ROLE.accessKeySecret);
  const query = formEncode(signed);
  assert.ok(query.includes("go+style"), "spaces encoded as '+' like Go's url.Values");
  const res = await rawCall(sts.url, { method: "POST", path: `/?${query}`, contentType: "application/x-www-form-urlencoded" });
  assert.is(res.status, 200, res.body);
  assertRoleIdentity(jsonBody(res));
});

accepted("RAM user shape: PrincipalId = UserId, no RoleId", async ({ sts }) => {
  const res = await signedPost(sts, {}, USER);
  assert.is(res.status, 200, res.body);
  const { RequestId, ...rest } = jsonBody(res);
  assert.equal(rest, {
    AccountId: "1733057948060001",
    Arn: "acs:ram::1733057948060001:user/ci-bot",
    IdentityType: "RAMUser",
    PrincipalId: "204070465786810001",
    UserId: "204070465786810001",
  });
  assert.match(RequestId!, UPPER_UUID);
});

accepted("pop-core RPCClient GET and POST against the emulator -> identity; requests recorded", async ({ sts }) => {
  const client = new PopRPCClient({
    endpoint: sts.url,
    apiVersion: "2015-04-01",
    accessKeyId: ROLE.accessKeyId,
    accessKeySecret: ROLE.accessKeySecret,
    securityToken: ROLE.securityToken!,
  });
  assertRoleIdentity(await client.request("GetCallerIdentity", {}, { method: "GET" }));
  assertRoleIdentity(await client.request("GetCallerIdentity", {}, { method: "POST" }));
  assert.is(sts.requests.length, 2);
  const [get, post] = sts.requests;
  assert.is(get!.method, "GET");
  assert.is(get!.path, "/");
  assert.equal(get!.query.Action, ["GetCallerIdentity"]);
  assert.is(get!.query.Signature?.length, 1);
  assert.is(post!.method, "POST");
  assert.equal(post!.query, {});
  assert.match(post!.body, /(^|&)Signature=/);
  assert.is(post!.headers["x-acs-action"], "GetCallerIdentity");
});

accepted("pop-core with a RAM user's long-term key", async ({ sts }) => {
  const client = new PopRPCClient({ endpoint: sts.url, apiVersion: "2015-04-01", accessKeyId: USER.accessKeyId, accessKeySecret: USER.accessKeySecret });
  const body = await client.request<Record<string, string>>("GetCallerIdentity", {}, { method: "POST" });
  assert.is(body.Arn, "acs:ram::1733057948060001:user/ci-bot");
});

accepted("pop-core surfaces the emulator's error code for a wrong secret", async ({ sts }) => {
  const client = new PopRPCClient({
    endpoint: sts.url,
    apiVersion: "2015-04-01",
    accessKeyId: ROLE.accessKeyId,
    accessKeySecret: "not-the-secret",
    securityToken: ROLE.securityToken!,
  });
  try {
    await client.request("GetCallerIdentity", {}, { method: "GET" });
    assert.unreachable("should have been rejected");
  } catch (err) {
    assert.is((err as { code?: string }).code, "SignatureDoesNotMatch");
  }
});

accepted("Timestamp with milliseconds, and 14 minutes old, still accepted", async ({ sts }) => {
  assert.is((await signedGet(sts, { Timestamp: new Date().toISOString() })).status, 200);
  assert.is((await signedGet(sts, { Timestamp: timestampAt(-14 * 60_000) })).status, 200);
});

accepted("Format is case-insensitive; Format=XML (or absent, the API default) answers XML", async ({ sts }) => {
  assertRoleIdentity(jsonBody(await signedGet(sts, { Format: "json" })));
  for (const format of ["XML", undefined]) {
    const res = await signedGet(sts, { Format: format });
    assert.is(res.status, 200, res.body);
    assert.is(res.headers["content-type"], "text/xml;charset=utf-8");
    assert.match(res.body, /^<\?xml version='1\.0' encoding='UTF-8'\?><GetCallerIdentityResponse>/);
    assert.ok(res.body.includes(`<Arn>${ROLE_ARN}</Arn>`));
    assert.ok(res.body.includes("<IdentityType>AssumedRoleUser</IdentityType>"));
  }
});

accepted("addIdentity makes a new key usable; invalid identities are refused", async ({ sts }) => {
  const late = { ...USER, accessKeyId: "LTAI5tLateUser0002", accessKeySecret: "late" };
  assertStsError(await signedGet(sts, {}, late), 404, "InvalidAccessKeyId.NotFound");
  sts.addIdentity(late);
  assert.is((await signedGet(sts, {}, late)).status, 200);
  assert.throws(() => sts.addIdentity({ ...ROLE, accessKeyId: "STS.NoToken", securityToken: undefined }), /securityToken/);
});

accepted.run();

// ---------------------------------------------------------------------------------------------------
const rejected = suite<Ctx>("rejected requests");
rejected.before.each(async (ctx) => {
  ctx.sts = await startStsEmulator({ identities: [ROLE, USER] });
});
rejected.after.each(async (ctx) => {
  await ctx.sts.close();
});

rejected("tampered signature -> SignatureDoesNotMatch 400 embedding the server string-to-sign", async ({ sts }) => {
  const params = baseParams(ROLE);
  const signed = officiallySigned(params, "POST", ROLE.accessKeySecret);
  const sig = signed.Signature!;
  const tampered = { ...signed, Signature: (sig[0] === "A" ? "B" : "A") + sig.slice(1) };
  const body = assertStsError(await callPostForm(sts.url, tampered), 400, "SignatureDoesNotMatch");
  const serverStringToSign = stringToSign("POST", params);
  assert.is(body.Message, `Specified signature is not matched with our calculation. server string to sign is:${serverStringToSign}`);
  // The echoed string is the one the official signer signed, so a correct client could debug from it.
  assert.is(signStringToSign(serverStringToSign, ROLE.accessKeySecret), sig);
});

rejected("tampered parameter after signing -> SignatureDoesNotMatch", async ({ sts }) => {
  const signed = officiallySigned(baseParams(ROLE), "GET", ROLE.accessKeySecret);
  assertStsError(await callGet(sts.url, { ...signed, RegionId: "cn-beijing" }), 400, "SignatureDoesNotMatch");
});

rejected("wrong secret -> SignatureDoesNotMatch", async ({ sts }) => {
  const signed = officiallySigned(baseParams(USER), "GET", "wrong-secret");
  assertStsError(await callGet(sts.url, signed), 400, "SignatureDoesNotMatch");
});

rejected("the HTTP method is signed: GET signature sent as POST -> SignatureDoesNotMatch", async ({ sts }) => {
  const signed = officiallySigned(baseParams(ROLE), "GET", ROLE.accessKeySecret);
  assertStsError(await callPostForm(sts.url, signed), 400, "SignatureDoesNotMatch");
});

rejected("replayed nonce -> SignatureNonceUsed; the same nonce under another key is independent", async ({ sts }) => {
  const nonce = randomUUID();
  const signed = officiallySigned(baseParams(ROLE, { SignatureNonce: nonce }), "GET", ROLE.accessKeySecret);
  assert.is((await callGet(sts.url, signed)).status, 200);
  assertStsError(await callGet(sts.url, signed), 400, "SignatureNonceUsed");
  // A fresh signature does not launder a used nonce.
  assertStsError(await signedPost(sts, { SignatureNonce: nonce }), 400, "SignatureNonceUsed");
  assert.is((await signedGet(sts, { SignatureNonce: nonce }, USER)).status, 200);
});

rejected("a request failing authentication does not burn its nonce", async ({ sts }) => {
  const nonce = randomUUID();
  const bad = officiallySigned(baseParams(ROLE, { SignatureNonce: nonce }), "GET", "wrong-secret");
  assertStsError(await callGet(sts.url, bad), 400, "SignatureDoesNotMatch");
  assert.is((await signedGet(sts, { SignatureNonce: nonce })).status, 200);
});

rejected("Timestamp 16 minutes old or 16 minutes ahead -> InvalidTimeStamp.Expired", async ({ sts }) => {
  assertStsError(await signedGet(sts, { Timestamp: timestampAt(-16 * 60_000) }), 400, "InvalidTimeStamp.Expired");
  assertStsError(await signedGet(sts, { Timestamp: timestampAt(16 * 60_000) }), 400, "InvalidTimeStamp.Expired");
});

rejected("maxSkewSeconds is honoured", async () => {
  const tight = await startStsEmulator({ identities: [ROLE], maxSkewSeconds: 60 });
  try {
    assertStsError(await signedGet(tight, { Timestamp: timestampAt(-2 * 60_000) }), 400, "InvalidTimeStamp.Expired");
    assert.is((await signedGet(tight, { Timestamp: timestampAt(-30_000) })).status, 200);
  } finally {
    await tight.close();
  }
});

rejected("malformed Timestamp -> InvalidTimeStamp.Format", async ({ sts }) => {
  assertStsError(await signedGet(sts, { Timestamp: "2016-02-23 12:46:24" }), 400, "InvalidTimeStamp.Format");
  assertStsError(await signedGet(sts, { Timestamp: String(Math.floor(Date.now() / 1000)) }), 400, "InvalidTimeStamp.Format");
});

rejected("unknown AccessKeyId -> InvalidAccessKeyId.NotFound 404", async ({ sts }) => {
  const stranger = { ...USER, accessKeyId: "LTAI5tNobodyKnows", accessKeySecret: "x" };
  assertStsError(await signedGet(sts, {}, stranger), 404, "InvalidAccessKeyId.NotFound");
});

rejected("STS key: missing SecurityToken -> MissingSecurityToken; wrong -> InvalidSecurityToken.MismatchWithAccessKey", async ({ sts }) => {
  assertStsError(await signedGet(sts, { SecurityToken: undefined }), 400, "MissingSecurityToken");
  assertStsError(await signedGet(sts, { SecurityToken: "CAIS+someone/else==" }), 400, "InvalidSecurityToken.MismatchWithAccessKey");
  // A token on a long-term key is just as wrong.
  assertStsError(await signedGet(sts, { SecurityToken: ROLE.securityToken }, USER), 400, "InvalidSecurityToken.MismatchWithAccessKey");
});

rejected("duplicate parameter in the query, or across query and body -> InvalidParameter", async ({ sts }) => {
  const signed = officiallySigned(baseParams(ROLE), "GET", ROLE.accessKeySecret);
  const dupQuery = `${formEncode(signed)}&Action=AssumeRole`;
  const a = assertStsError(await rawCall(sts.url, { path: `/?${dupQuery}` }), 400, "InvalidParameter");
  assert.match(a.Message!, /"Action"/);
  const post = officiallySigned(baseParams(ROLE), "POST", ROLE.accessKeySecret);
  const b = assertStsError(
    await rawCall(sts.url, {
      method: "POST",
      path: `/?AccessKeyId=${encodeURIComponent(USER.accessKeyId)}`,
      body: formEncode(post),
      contentType: "application/x-www-form-urlencoded",
    }),
    400,
    "InvalidParameter",
  );
  assert.match(b.Message!, /"AccessKeyId"/);
});

rejected("other Action -> InvalidAction.NotFound 404, even when properly signed", async ({ sts }) => {
  assertStsError(await signedGet(sts, { Action: "AssumeRole" }), 404, "InvalidAction.NotFound");
  assertStsError(await signedGet(sts, { Action: "toString" }), 404, "InvalidAction.NotFound");
  assertStsError(await signedGet(sts, { Action: undefined }), 400, "MissingParameter");
});

rejected("wrong Version -> InvalidVersion; other path -> InvalidAction.NotFound", async ({ sts }) => {
  assertStsError(await signedGet(sts, { Version: "2014-05-26" }), 400, "InvalidVersion");
  const signed = officiallySigned(baseParams(ROLE), "GET", ROLE.accessKeySecret);
  assertStsError(await rawCall(sts.url, { path: `/other?${formEncode(signed)}` }), 404, "InvalidAction.NotFound");
});

rejected("missing Signature or malformed Signature -> IncompleteSignature", async ({ sts }) => {
  assertStsError(await callGet(sts.url, baseParams(ROLE)), 400, "IncompleteSignature");
  assertStsError(await callGet(sts.url, { ...baseParams(ROLE), Signature: "not base64 at all" }), 400, "IncompleteSignature");
});

rejected("missing common parameter -> MissingParameter naming it", async ({ sts }) => {
  for (const name of ["Timestamp", "SignatureNonce", "AccessKeyId"]) {
    const body = assertStsError(await signedGet(sts, { [name]: undefined }), 400, "MissingParameter");
    assert.ok(body.Message!.includes(`"${name}"`), body.Message);
  }
});

rejected("SignatureMethod / SignatureVersion / Format / HTTP method checks", async ({ sts }) => {
  assertStsError(await signedGet(sts, { SignatureMethod: "HMAC-SHA256" }), 400, "InvalidSignatureMethod");
  assertStsError(await signedGet(sts, { SignatureVersion: "2.0" }), 400, "InvalidSignatureVersion");
  assertStsError(await signedGet(sts, { Format: "YAML" }), 400, "InvalidParameter.Format");
  const signed = officiallySigned(baseParams(ROLE), "GET", ROLE.accessKeySecret);
  assertStsError(await rawCall(sts.url, { method: "PUT", path: `/?${formEncode(signed)}` }), 400, "UnsupportedHTTPMethod");
});

rejected("errors answer XML when Format=XML", async ({ sts }) => {
  const res = await callGet(sts.url, officiallySigned(baseParams(ROLE, { Format: "XML" }), "GET", "wrong-secret"));
  assert.is(res.status, 400);
  assert.is(res.headers["content-type"], "text/xml;charset=utf-8");
  assert.match(res.body, /<Error><RequestId>[0-9A-F-]{36}<\/RequestId><HostId>sts\.aliyuncs\.com<\/HostId><Code>SignatureDoesNotMatch<\/Code>/);
});

rejected("oversized request body -> 413", async ({ sts }) => {
  const res = await rawCall(sts.url, { method: "POST", body: `Action=${"x".repeat(70 * 1024)}`, contentType: "application/x-www-form-urlencoded" });
  assertStsError(res, 413, "RequestEntityTooLarge");
});

rejected("every request is recorded, rejected ones included", async ({ sts }) => {
  await callGet(sts.url, baseParams(ROLE));
  await rawCall(sts.url, { method: "POST", path: "/x?a=1&a=2", body: "hello", contentType: "text/plain" });
  assert.is(sts.requests.length, 2);
  assert.equal(sts.requests[1]!.query, { a: ["1", "2"] });
  assert.is(sts.requests[1]!.path, "/x");
  assert.is(sts.requests[1]!.body, "hello");
  assert.is(sts.requests[1]!.headers["content-type"], "text/plain");
});

rejected.run();

// ---------------------------------------------------------------------------------------------------
const faults = suite<Ctx>("fault modes");
faults.before.each(async (ctx) => {
  ctx.sts = await startStsEmulator({ identities: [ROLE, USER] });
});
faults.after.each(async (ctx) => {
  await ctx.sts.close();
});

faults("xml: 200 with an XML body", async ({ sts }) => {
  sts.setFault("xml");
  const res = await signedGet(sts);
  assert.is(res.status, 200);
  assert.match(res.headers["content-type"] as string, /^text\/xml/);
  assert.match(res.body, /^<\?xml/);
  assert.ok(res.body.includes(`<Arn>${ROLE_ARN}</Arn>`));
  assert.throws(() => JSON.parse(res.body));
});

faults("html-content-type: the genuine JSON labelled text/html", async ({ sts }) => {
  sts.setFault("html-content-type");
  const res = await signedGet(sts);
  assert.is(res.status, 200);
  assert.is(res.headers["content-type"], "text/html;charset=utf-8");
  assertRoleIdentity(jsonBody(res));
});

faults("redirect: 302 to http://127.0.0.1:1/", async ({ sts }) => {
  sts.setFault("redirect");
  const res = await signedGet(sts);
  assert.is(res.status, 302);
  assert.is(res.headers.location, "http://127.0.0.1:1/");
});

faults("oversized: a 200 JSON body over 1 MiB that still parses", async ({ sts }) => {
  sts.setFault("oversized");
  const res = await signedGet(sts);
  assert.is(res.status, 200);
  assert.ok(Buffer.byteLength(res.body) > 1024 * 1024, `only ${Buffer.byteLength(res.body)} bytes`);
  assert.is(jsonBody(res).Arn, ROLE_ARN);
});

faults("slow: no answer (the client gives up first), and close() does not wait for it", async ({ sts }) => {
  sts.setFault("slow");
  const started = Date.now();
  try {
    await rawCall(sts.url, { path: `/?${formEncode(officiallySigned(baseParams(ROLE), "GET", ROLE.accessKeySecret))}`, timeoutMs: 500 });
    assert.unreachable("the slow fault answered");
  } catch (err) {
    assert.is((err as Error).message, "client timeout");
  }
  assert.ok(Date.now() - started >= 450);
  // A second hung request is still pending when the emulator closes.
  const pending = rawCall(sts.url, { path: `/?${formEncode(officiallySigned(baseParams(ROLE), "GET", ROLE.accessKeySecret))}` }).catch((e: Error) => e);
  await new Promise((r) => setTimeout(r, 100));
  const closing = Date.now();
  await sts.close();
  assert.ok(Date.now() - closing < 2000);
  assert.instance(await pending, Error);
});

faults("server-error: 500 InternalError", async ({ sts }) => {
  sts.setFault("server-error");
  assertStsError(await signedGet(sts), 500, "InternalError");
});

faults("wrong-account: AccountId differs from the ARN's account, all else genuine", async ({ sts }) => {
  sts.setFault("wrong-account");
  const res = await signedGet(sts);
  assert.is(res.status, 200);
  const body = jsonBody(res);
  assert.is.not(body.AccountId, ROLE.accountId);
  assert.match(body.AccountId!, /^\d{16}$/);
  assert.is(body.Arn, ROLE_ARN);
  assert.is(body.IdentityType, "AssumedRoleUser");
});

faults("missing-fields: no AccountId", async ({ sts }) => {
  sts.setFault("missing-fields");
  const body = jsonBody(await signedGet(sts));
  assert.not.ok("AccountId" in body);
  assert.is(body.Arn, ROLE_ARN);
});

faults("trailing-garbage: valid JSON followed by garbage", async ({ sts }) => {
  sts.setFault("trailing-garbage");
  const res = await signedGet(sts);
  assert.is(res.status, 200);
  assert.throws(() => JSON.parse(res.body));
  const m = /^(\{.*\})(.+)$/s.exec(res.body);
  assert.ok(m, res.body);
  assertRoleIdentity(JSON.parse(m![1]!) as Record<string, unknown>);
  assert.ok(m![2]!.trim().length > 0);
});

faults("duplicate-keys: two Arn keys, the last one forged", async ({ sts }) => {
  sts.setFault("duplicate-keys");
  const res = await signedGet(sts);
  assert.is(res.status, 200);
  const arns = [...res.body.matchAll(/"Arn":"([^"]*)"/g)].map((m) => m[1]);
  assert.equal(arns, [ROLE_ARN, "acs:ram::1234567890123456:assumed-role/admin/alice@example.com"]);
  assert.is(jsonBody(res).Arn, arns[1], "a lenient parser is fooled");
  sts.setFault("duplicate-keys");
  const user = jsonBody(await signedGet(sts, {}, USER));
  assert.is(user.Arn, "acs:ram::1733057948060001:user/admin");
});

faults("faults apply only after authentication, and setFault(null) restores normal answers", async ({ sts }) => {
  sts.setFault("server-error");
  const bad = officiallySigned(baseParams(ROLE), "GET", "wrong-secret");
  assertStsError(await callGet(sts.url, bad), 400, "SignatureDoesNotMatch");
  assertStsError(await signedGet(sts, { Action: "AssumeRole" }), 404, "InvalidAction.NotFound");
  assertStsError(await signedGet(sts), 500, "InternalError");
  assertStsError(await signedGet(sts), 500, "InternalError"); // persists until cleared
  sts.setFault(null);
  assertRoleIdentity(jsonBody(await signedGet(sts)));
  assert.throws(() => sts.setFault("bogus" as never), /unknown STS fault/);
});

faults.run();

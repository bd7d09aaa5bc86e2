import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { alicloudLoginData } from "../../plugins/alicloud/cli.js";
import { type StsEmulator, type StsIdentity, startStsEmulator } from "../../src/emulators/sts/server.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { baseParams, officiallySigned } from "../emulators/sts-helpers.js";

const ACCOUNT = "1234567890123456";
const ROLE_ARN = `acs:ram::${ACCOUNT}:role/dev-role`;
const ci: StsIdentity = {
  accessKeyId: "STS.CiRunnerKey0001",
  accessKeySecret: "ci-runner-secret-value-0001",
  securityToken: "CAIS.ci-runner-security-token",
  accountId: ACCOUNT,
  kind: "AssumedRoleUser",
  roleName: "Dev-Role",
  roleId: "300099990000111122",
  sessionName: "ci-runner-7",
};
const stranger: StsIdentity = {
  accessKeyId: "STS.StrangerKey0002",
  accessKeySecret: "stranger-secret-value-0002",
  securityToken: "CAIS.stranger-token",
  accountId: "6543210987654321",
  kind: "AssumedRoleUser",
  roleName: "dev-role",
  roleId: "300088887777666655",
  sessionName: "other-account",
};
const ramUser: StsIdentity = {
  accessKeyId: "RamUserKey0003",
  accessKeySecret: "ram-user-secret-0003",
  accountId: ACCOUNT,
  kind: "RAMUser",
  userName: "dev-role",
  userId: "200011112222333344",
};

interface Ctx {
  s: TestServer;
  sts: StsEmulator;
  issued: string[];
}

const login = (who: StsIdentity, role = "dev-role", extra: Partial<{ now: Date; nonce: string }> = {}) =>
  alicloudLoginData({ role, region: "cn-hangzhou", accessKey: who.accessKeyId, secretKey: who.accessKeySecret, securityToken: who.securityToken, ...extra });

const t = suite<Ctx>("alicloud end to end");

t.before(async (ctx) => {
  ctx.issued = [];
  ctx.sts = await startStsEmulator({ identities: [ci, stranger, ramUser] });
  ctx.s = await startTestServer();
  const { s } = ctx;
  assert.is((await s.request("POST", "sys/auth/alicloud", { body: { type: "alicloud" } })).status, 204);
  assert.is((await s.request("PUT", "auth/alicloud/config", { body: { sts_endpoint: ctx.sts.url } })).status, 204);
  const policy = 'path "auth/token/lookup-self" { capabilities = ["read"] }\npath "auth/token/renew-self" { capabilities = ["update"] }';
  assert.is((await s.request("PUT", "sys/policies/acl/ci-read", { body: { policy } })).status, 204);
  const role = await s.request("PUT", "auth/alicloud/role/dev-role", { body: { arn: ROLE_ARN, token_policies: "ci-read", token_ttl: "1h", token_max_ttl: "2h" } });
  assert.is(role.status, 204, role.text);
});
t.after(async (ctx) => {
  await ctx.s.close();
  await ctx.sts.close();
});

t("a second enable at the same path is refused as Vault does", async ({ s }) => {
  const r = await s.request("POST", "sys/auth/alicloud", { body: { type: "alicloud" } });
  assert.is(r.status, 400);
  assert.match(r.body.errors[0], /path is already in use/);
});

t("role reads back Vault's fields", async ({ s }) => {
  const r = await s.request("GET", "auth/alicloud/role/dev-role");
  assert.is(r.status, 200);
  assert.is(r.body.data.arn, ROLE_ARN);
  assert.equal(r.body.data.token_policies, ["ci-read"]);
  assert.is(r.body.data.token_ttl, 3600);
  const list = await s.request("GET", "auth/alicloud/roles?list=true");
  assert.equal(list.body.data.keys, ["dev-role"]);
});

t("a signed login mints a policy-bound token that works, renews and dies on revoke", async (ctx) => {
  const { s } = ctx;
  const r = await s.request("PUT", "auth/alicloud/login", { token: null, body: login(ci) });
  assert.is(r.status, 200, r.text);
  const auth = r.body.auth;
  ctx.issued.push(auth.client_token);
  assert.match(auth.client_token, /^hvs\./);
  assert.equal(auth.token_policies, ["ci-read", "default"]);
  assert.is(auth.lease_duration, 3600);
  assert.is(auth.renewable, true);
  assert.is(auth.orphan, true);
  assert.equal(Object.keys(auth.metadata).sort(), ["account_id", "arn", "identity_type", "principal_id", "request_id", "role_id", "role_name", "user_id"]);
  assert.is(auth.metadata.account_id, ACCOUNT);
  assert.is(auth.metadata.role_name, "dev-role");
  assert.is(auth.metadata.arn, `acs:ram::${ACCOUNT}:assumed-role/Dev-Role/ci-runner-7`);

  const token = auth.client_token as string;
  const self = await s.request("GET", "auth/token/lookup-self", { token });
  assert.is(self.status, 200);
  assert.is(self.body.data.path, "auth/alicloud/login");
  assert.is((await s.request("GET", "sys/auth", { token })).status, 403, "policy-bound: no access outside its policy");

  const renewed = await s.request("PUT", "auth/token/renew-self", { token, body: { increment: "30m" } });
  assert.is(renewed.status, 200, renewed.text);
  assert.is(renewed.body.auth.client_token, token);
  assert.is(renewed.body.auth.lease_duration, 1800);

  assert.is((await s.request("PUT", "auth/token/revoke", { body: { token } })).status, 204);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token })).status, 403);
});

t("a replayed login is refused before any outbound call", async ({ s, sts }) => {
  const body = login(ci);
  const first = await s.request("PUT", "auth/alicloud/login", { token: null, body });
  assert.is(first.status, 200);
  const calls = sts.requests.length;
  const again = await s.request("PUT", "auth/alicloud/login", { token: null, body });
  assert.ok(again.status >= 400 && again.status < 500, `replay answered ${again.status}`);
  assert.is(again.body.auth, undefined);
  assert.is(sts.requests.length, calls, "no outbound request for a replay");
  // The plugin's line names its mount and the request; the pipeline's debug line has the same id.
  const line = s.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "alicloud: login refused, signature nonce already used");
  assert.ok(line, "the replay is logged");
  assert.equal([line.level, line.scope, line.mount], ["warn", "mount", "auth/alicloud/"]);
  assert.match(line.request_id, /^[0-9a-f-]{36}$/);
  const request = s.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "request" && l.request_id === line.request_id);
  assert.ok(request, "the request's own debug line carries the same id");
  assert.is(request.route, "auth/alicloud/login");
});

t("a login without identity_request_headers or identity_request_url is a 400 before any outbound request", async ({ s, sts }) => {
  const body = login(ci);
  const { identity_request_headers: headers, identity_request_url: url, ...rest } = body;
  const calls = sts.requests.length;
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["no headers", { ...rest, identity_request_url: url }, /missing identity_request_headers/],
    ["null headers", { ...rest, identity_request_url: url, identity_request_headers: null }, /missing identity_request_headers/],
    ["empty headers", { ...rest, identity_request_url: url, identity_request_headers: "" }, /identity_request_headers/],
    ["no url", { ...rest, identity_request_headers: headers }, /missing identity_request_url/],
    ["empty url", { ...rest, identity_request_headers: headers, identity_request_url: "" }, /missing identity_request_url/],
    ["neither", { ...rest }, /missing identity_request_/],
  ];
  for (const [what, payload, message] of cases) {
    const r = await s.request("PUT", "auth/alicloud/login", { token: null, body: payload });
    assert.is(r.status, 400, `${what}: ${r.text}`);
    assert.match(r.body.errors[0], message, what);
  }
  assert.is(sts.requests.length, calls, "no request reached STS");
  // Refused before the nonce was claimed: the complete request still logs in once.
  const ok = await s.request("PUT", "auth/alicloud/login", { token: null, body });
  assert.is(ok.status, 200, ok.text);
  assert.is(sts.requests.length, calls + 1);
});

t("50 concurrent submissions of one signed login give exactly one token", async ({ s }) => {
  const body = login(ci);
  const results = await Promise.all(Array.from({ length: 50 }, () => s.request("PUT", "auth/alicloud/login", { token: null, body })));
  assert.is(results.filter((r) => r.status === 200).length, 1);
});

t("forged, expired, off-allow-list and mismatched logins get no token", async ({ s, sts }) => {
  // Tampered signature: STS refuses it; warden answers 403 and mints nothing.
  const forged = login(ci);
  const url = Buffer.from(forged.identity_request_url, "base64").toString();
  const tampered = url.replace(/Signature=[^&]+/, "Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAA%3D");
  const r1 = await s.request("PUT", "auth/alicloud/login", { token: null, body: { ...forged, identity_request_url: Buffer.from(tampered).toString("base64") } });
  assert.is(r1.status, 403, r1.text);
  assert.not.ok(r1.text.includes("ci-runner-secret"), "no secret echoed");

  const before = sts.requests.length;
  const expired = await s.request("PUT", "auth/alicloud/login", { token: null, body: login(ci, "dev-role", { now: new Date(Date.now() - 20 * 60_000) }) });
  assert.is(expired.status, 400, expired.text);
  const evil = login(ci);
  const evilUrl = Buffer.from(evil.identity_request_url, "base64").toString().replace("sts.cn-hangzhou.aliyuncs.com", "sts.cn-hangzhou.aliyuncs.com.evil.example");
  const offList = await s.request("PUT", "auth/alicloud/login", { token: null, body: { ...evil, identity_request_url: Buffer.from(evilUrl).toString("base64") } });
  assert.is(offList.status, 400, offList.text);
  const notBase64 = await s.request("PUT", "auth/alicloud/login", { token: null, body: { ...login(ci), identity_request_url: "%%%not-base64%%%" } });
  assert.is(notBase64.status, 400);
  const unknownRole = await s.request("PUT", "auth/alicloud/login", { token: null, body: login(ci, "no-such-role") });
  assert.is(unknownRole.status, 403);
  assert.is(sts.requests.length, before, "none of these reached STS");

  const otherAccount = await s.request("PUT", "auth/alicloud/login", { token: null, body: login(stranger) });
  assert.is(otherAccount.status, 403);
  const user = await s.request("PUT", "auth/alicloud/login", { token: null, body: login(ramUser) });
  assert.is(user.status, 403);
});

t("every upstream fault yields an error and no token", async ({ s, sts }) => {
  for (const fault of ["xml", "html-content-type", "redirect", "oversized", "server-error", "wrong-account", "missing-fields", "trailing-garbage", "duplicate-keys"] as const) {
    sts.setFault(fault);
    const r = await s.request("PUT", "auth/alicloud/login", { token: null, body: login(ci) });
    assert.ok(r.status === 403 || r.status === 503, `${fault}: status ${r.status}`);
    assert.is(r.body?.auth, undefined, `${fault}: no auth`);
  }
  sts.setFault(null);
});

t("renewal re-checks the role: a changed ARN refuses it", async ({ s }) => {
  const r = await s.request("PUT", "auth/alicloud/login", { token: null, body: login(ci) });
  const token = r.body.auth.client_token as string;
  assert.is((await s.request("PUT", "auth/alicloud/role/dev-role", { body: { arn: `acs:ram::${ACCOUNT}:role/other-role` } })).status, 204);
  const renew = await s.request("PUT", "auth/token/renew-self", { token });
  assert.is(renew.status, 403, renew.text);
  assert.is((await s.request("PUT", "auth/alicloud/role/dev-role", { body: { arn: ROLE_ARN } })).status, 204);
  assert.is((await s.request("PUT", "auth/token/renew-self", { token })).status, 200);
});

t("token_bound_cidrs refuse a client outside them before STS is asked", async ({ s, sts }) => {
  await s.request("PUT", "auth/alicloud/role/fenced", { body: { arn: ROLE_ARN, token_bound_cidrs: "10.0.0.0/8" } });
  const before = sts.requests.length;
  const r = await s.request("PUT", "auth/alicloud/login", { token: null, body: login(ci, "fenced") });
  assert.is(r.status, 403);
  assert.is(sts.requests.length, before);
});

/** Infisical's flat login body: the parameters signed (GET) by Alibaba's official helper, as top-level fields. */
const flatLogin = (who: StsIdentity, role = "dev-role", overrides: Record<string, string | undefined> = {}, method: "GET" | "POST" = "GET") => ({
  role,
  ...officiallySigned(baseParams(who, overrides), method, who.accessKeySecret),
});

t("Infisical's flat body logs in as the same principal as the URL form, rebuilt to the same request", async (ctx) => {
  const { s, sts } = ctx;
  const calls = sts.requests.length;
  const r = await s.request("PUT", "auth/alicloud/login", { token: null, body: flatLogin(ci) });
  assert.is(r.status, 200, r.text);
  ctx.issued.push(r.body.auth.client_token);
  assert.is(r.body.auth.metadata.principal_id, `${ci.roleId}:${ci.sessionName}`);
  assert.is(r.body.auth.metadata.role_name, "dev-role");
  assert.equal(r.body.auth.token_policies, ["ci-read", "default"]);
  // One outbound GET whose query holds exactly the signed parameters, nothing added.
  assert.is(sts.requests.length, calls + 1);
  const sent = sts.requests[calls]!;
  assert.is(sent.method, "GET");
  assert.equal(Object.keys(sent.query).sort(), ["AccessKeyId", "Action", "Format", "SecurityToken", "Signature", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp", "Version"]);
  // The same entity as a URL-form login of the same session.
  const viaUrl = await s.request("PUT", "auth/alicloud/login", { token: null, body: login(ci) });
  assert.is(viaUrl.status, 200, viaUrl.text);
  ctx.issued.push(viaUrl.body.auth.client_token);
  assert.is(viaUrl.body.auth.entity_id, r.body.auth.entity_id);
  // POST-signed flat bodies say so, as the URL form does.
  const post = await s.request("PUT", "auth/alicloud/login", { token: null, body: { ...flatLogin(ci, "dev-role", {}, "POST"), identity_request_method: "POST" } });
  assert.is(post.status, 200, post.text);
  ctx.issued.push(post.body.auth.client_token);
});

t("the flat body follows the URL form's replay, window, allow-list and signature rules", async ({ s, sts }) => {
  const body = flatLogin(ci);
  assert.is((await s.request("PUT", "auth/alicloud/login", { token: null, body })).status, 200);
  const before = sts.requests.length;
  const replay = await s.request("PUT", "auth/alicloud/login", { token: null, body });
  assert.is(replay.status, 403, replay.text);
  // The nonce is shared across forms: the same nonce through the URL form is a replay too.
  const crossForm = await s.request("PUT", "auth/alicloud/login", { token: null, body: login(ci, "dev-role", { nonce: (body as Record<string, string>).SignatureNonce! }) });
  assert.is(crossForm.status, 403, crossForm.text);
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["stale timestamp", flatLogin(ci, "dev-role", { Timestamp: new Date(Date.now() - 20 * 60_000).toISOString() }), /Timestamp is outside the allowed 15 minute window/],
    ["other action", flatLogin(ci, "dev-role", { Action: "AssumeRole" }), /Action must be GetCallerIdentity/],
    ["xml", flatLogin(ci, "dev-role", { Format: "XML" }), /Format must be JSON/],
    ["other version", flatLogin(ci, "dev-role", { Version: "2015-04-02" }), /Version must be 2015-04-01/],
    ["no signature", { ...flatLogin(ci), Signature: undefined }, /missing the Signature parameter/],
    ["no nonce", flatLogin(ci, "dev-role", { SignatureNonce: undefined }), /missing the SignatureNonce parameter/],
    ["bad nonce", flatLogin(ci, "dev-role", { SignatureNonce: "a&Action=AssumeRole" }), /SignatureNonce is malformed/],
    ["sha256", flatLogin(ci, "dev-role", { SignatureMethod: "HMAC-SHA256" }), /SignatureMethod must be HMAC-SHA1/],
    ["with url", { ...flatLogin(ci), identity_request_url: login(ci).identity_request_url }, /not both/],
    ["with headers", { ...flatLogin(ci), identity_request_headers: login(ci).identity_request_headers }, /not both/],
  ];
  for (const [what, payload, message] of cases) {
    const r = await s.request("PUT", "auth/alicloud/login", { token: null, body: payload });
    assert.is(r.status, 400, `${what}: ${r.text}`);
    assert.match(r.body.errors[0], message, what);
  }
  assert.is(sts.requests.length, before, "none of these reached STS");
  // A tampered value keeps the grammar but breaks the signature: STS refuses, warden answers 403.
  const forged = { ...flatLogin(ci), Signature: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" };
  const r = await s.request("PUT", "auth/alicloud/login", { token: null, body: forged });
  assert.is(r.status, 403, r.text);
  assert.is(r.body.auth, undefined);
  // Signed for GET but presented as POST: the method is signed, so STS refuses it.
  const wrongMethod = await s.request("PUT", "auth/alicloud/login", { token: null, body: { ...flatLogin(ci), identity_request_method: "POST" } });
  assert.is(wrongMethod.status, 403, wrongMethod.text);
  // Other principals are refused as in the URL form.
  assert.is((await s.request("PUT", "auth/alicloud/login", { token: null, body: flatLogin(stranger) })).status, 403);
  assert.is((await s.request("PUT", "auth/alicloud/login", { token: null, body: flatLogin(ramUser) })).status, 403);
});

t("disabling the mount revokes every token it issued", async (ctx) => {
  const { s } = ctx;
  const r = await s.request("PUT", "auth/alicloud/login", { token: null, body: login(ci) });
  const token = r.body.auth.client_token as string;
  ctx.issued.push(token);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token })).status, 200);
  assert.is((await s.request("DELETE", "sys/auth/alicloud")).status, 204);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token })).status, 403);
});

t("no token, access key, secret key or security token appears in logs or storage", async (ctx) => {
  const { s } = ctx;
  const logs = s.logs.join("\n");
  // The SQLite files (WAL included) when there are any, and the storage contents on either engine.
  const files = readdirSync(s.dataDir).map((f) => readFileSync(join(s.dataDir, f)).toString("latin1"));
  const haystacks = [logs, ...files, await s.storageText()];
  const needles = [...ctx.issued, ci.accessKeyId, ci.accessKeySecret, ci.securityToken!, s.rootToken];
  for (const needle of needles) {
    for (const h of haystacks) assert.not.ok(h.includes(needle), `found a secret (${needle.slice(0, 6)}...)`);
  }
});

t.run();

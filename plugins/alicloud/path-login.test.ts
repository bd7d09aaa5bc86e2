import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { createHash, randomUUID } from "node:crypto";
import { test } from "warden/sdk/testing/suite";
import * as assert from "uvu/assert";
import { WardenError, type HandlerResult } from "warden/sdk";
import { startStsEmulator, type StsEmulator, type StsFault } from "../../src/emulators/sts/server.js";
import { renewAlicloud } from "./backend.js";
import { alicloudLoginData } from "./cli.js";
import { configPath } from "./path-config.js";
import { loginPath } from "./path-login.js";
import { rolePath } from "./path-role.js";
import { encodeQuery } from "./rpc-encoding.js";
import { markTimeKeyedClaims, TIME_KEYED_SINCE } from "./replay-claim.js";
import { harness, MemoryStorage, type Harness } from "./test-support.js";

const require = createRequire(import.meta.url);
const OpenApiUtil = require("@alicloud/openapi-util").default as {
  getRPCSignature(p: Record<string, string>, method: string, secret: string): string;
};
const { RPCClient } = require("@alicloud/pop-core") as {
  RPCClient: new (o: Record<string, string>) => { request(a: string, p: object, o: object): Promise<unknown> };
};

const ACCOUNT = "1234567890123456";
const OTHER_ACCOUNT = "6543210987654321";
const DEV = { accessKeyId: "LTAIdevKey0001", accessKeySecret: "devSecret0001", accountId: ACCOUNT, kind: "AssumedRoleUser" as const, roleName: "devrole", roleId: "300044677176061234", sessionName: "vm-ram-i-abc" };
const STS_CRED = { accessKeyId: "STS.NUdevTemp01", accessKeySecret: "tempSecret01", securityToken: "CAIS+tempToken/xyz==", accountId: ACCOUNT, kind: "AssumedRoleUser" as const, roleName: "DevRole", roleId: "300044677176061234", sessionName: "alice@example.com" };
const OTHER = { accessKeyId: "LTAIotherAcct01", accessKeySecret: "otherSecret01", accountId: OTHER_ACCOUNT, kind: "AssumedRoleUser" as const, roleName: "devrole", roleId: "300000000000000001", sessionName: "s1" };
const OPS = { accessKeyId: "LTAIopsRole0001", accessKeySecret: "opsSecret0001", accountId: ACCOUNT, kind: "AssumedRoleUser" as const, roleName: "opsrole", roleId: "300000000000000002", sessionName: "s2" };
const USER = { accessKeyId: "LTAIramUser0001", accessKeySecret: "userSecret0001", accountId: ACCOUNT, kind: "RAMUser" as const, userName: "devrole", userId: "204070465786812345" };
const ALL = [DEV, STS_CRED, OTHER, OPS, USER];
const SECRETS = ALL.flatMap((i) => [i.accessKeyId, i.accessKeySecret, "securityToken" in i ? String(i.securityToken) : ""]).filter(Boolean);

let sts: StsEmulator;
let h: Harness;
const usedNonces: string[] = [];

async function setup(opts: { timeoutMs?: number } = {}): Promise<void> {
  h = harness(opts);
  await h.call(configPath, "update", { sts_endpoint: sts.url });
  await h.call(rolePath, "create", { role: "dev", arn: `acs:ram::${ACCOUNT}:role/DevRole`, token_policies: "a,b", token_ttl: "1h" });
}

function cliPayload(id: { accessKeyId: string; accessKeySecret: string; securityToken?: string }, role = "dev", region = "cn-hangzhou") {
  const nonce = randomUUID().replace(/-/g, "");
  usedNonces.push(nonce);
  return alicloudLoginData({ role, region, accessKey: id.accessKeyId, secretKey: id.accessKeySecret, securityToken: id.securityToken, nonce });
}

/** The header map a client sends beside the URL (required, as in Vault; RPC v1 signs none of it). */
const signedHeaders = (method: "GET" | "POST") => (method === "POST" ? { "Content-Type": ["application/x-www-form-urlencoded"] } : {});

/** V2-SDK style signing with openapi-util: Format "json", no RegionId. */
function openApiPayload(id: { accessKeyId: string; accessKeySecret: string }, method: "GET" | "POST") {
  const nonce = randomUUID();
  usedNonces.push(nonce);
  const p: Record<string, string> = {
    Action: "GetCallerIdentity", Format: "json", Version: "2015-04-01", Timestamp: new Date().toISOString().slice(0, 19) + "Z",
    SignatureNonce: nonce, SignatureMethod: "HMAC-SHA1", SignatureVersion: "1.0", AccessKeyId: id.accessKeyId,
  };
  p.Signature = OpenApiUtil.getRPCSignature(p, method, id.accessKeySecret);
  const url = `https://sts.aliyuncs.com/?${encodeQuery(p)}`;
  return { role: "dev", identity_request_url: Buffer.from(url).toString("base64"), identity_request_headers: signedHeaders(method), identity_request_method: method };
}

/** pop-core signs against a capture server (nothing reaches STS); its query or body becomes the URL. */
async function popCorePayload(id: { accessKeyId: string; accessKeySecret: string }, method: "GET" | "POST") {
  let captured = "";
  const srv = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      captured = method === "GET" ? (req.url ?? "").replace(/^\/\?/, "") : body;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  const client = new RPCClient({ accessKeyId: id.accessKeyId, accessKeySecret: id.accessKeySecret, endpoint: `http://127.0.0.1:${port}`, apiVersion: "2015-04-01" });
  await client.request("GetCallerIdentity", { RegionId: "cn-hangzhou" }, { method });
  await new Promise<void>((r) => srv.close(() => r()));
  const url = `https://sts.cn-hangzhou.aliyuncs.com/?${captured}`;
  return { role: "dev", identity_request_url: Buffer.from(url).toString("base64"), identity_request_headers: signedHeaders(method), identity_request_method: method };
}

async function status(p: Promise<unknown>): Promise<number> {
  try {
    const r = (await p) as HandlerResult;
    return r?.auth ? 200 : 204;
  } catch (e) {
    if (e instanceof WardenError) return e.status;
    throw e;
  }
}

test.before(async () => {
  sts = await startStsEmulator({ identities: ALL });
});
test.after(async () => {
  await sts.close();
  // Leak scan over everything the plugin logged during the suite.
  const text = h.log.text();
  for (const s of [...SECRETS, ...usedNonces]) assert.not.ok(text.includes(s), "secret material in logs");
  assert.not.ok(text.includes("string to sign"), "STS Message in logs");
});
test.before.each(async () => {
  sts.setFault(null);
  await setup();
});

test("CLI-signed POST logs in; exactly one clean rebuilt request reaches STS", async () => {
  const before = sts.requests.length;
  const res = (await h.call(loginPath, "update", cliPayload(DEV))) as HandlerResult;
  const auth = res.auth!;
  assert.is(auth.alias.name, "300044677176061234:vm-ram-i-abc");
  assert.is(auth.displayName, "300044677176061234:vm-ram-i-abc");
  assert.equal(Object.keys(auth.metadata!).sort(), ["account_id", "arn", "identity_type", "principal_id", "request_id", "role_id", "role_name", "user_id"]);
  assert.is(auth.metadata!.account_id, ACCOUNT);
  assert.is(auth.metadata!.arn, `acs:ram::${ACCOUNT}:assumed-role/devrole/vm-ram-i-abc`);
  assert.is(auth.metadata!.identity_type, "AssumedRoleUser");
  assert.is(auth.metadata!.role_id, "300044677176061234");
  assert.is(auth.metadata!.user_id, "");
  assert.is(auth.metadata!.role_name, "dev");
  assert.ok(/^[0-9A-F-]{36}$/.test(auth.metadata!.request_id!));
  assert.equal(auth.token.policies, ["a", "b"]);
  assert.is(auth.token.ttl, 3600);
  assert.equal(auth.internal, { role_name: "dev", arn: `acs:ram::${ACCOUNT}:assumed-role/devrole/vm-ram-i-abc` });
  assert.is(sts.requests.length, before + 1);
  const sent = sts.requests.at(-1)!;
  assert.is(sent.method, "POST");
  assert.is(sent.path, "/");
  assert.is(sent.body, "");
  assert.is(sent.headers["user-agent"], "warden-auth-alicloud/1.0");
  assert.is(sent.headers.accept, "application/json");
  for (const hdr of ["x-acs-action", "x-acs-version", "content-type", "x-sdk-client"]) assert.is(sent.headers[hdr], undefined, hdr);
});

test("STS credentials (SecurityToken) and a case-insensitive role-name match", async () => {
  const res = (await h.call(loginPath, "update", cliPayload(STS_CRED, "DEV"))) as HandlerResult;
  assert.is(res.auth!.metadata!.arn, `acs:ram::${ACCOUNT}:assumed-role/DevRole/alice@example.com`);
  assert.is(res.auth!.metadata!.role_name, "dev");
});

test("openapi-util-signed GET and POST (Format=json, global host) log in", async () => {
  for (const m of ["GET", "POST"] as const) {
    const res = (await h.call(loginPath, "update", openApiPayload(DEV, m))) as HandlerResult;
    assert.ok(res.auth, m);
    assert.is(sts.requests.at(-1)!.method, m);
  }
});

test("pop-core-signed GET and POST log in", async () => {
  for (const m of ["GET", "POST"] as const) {
    const res = (await h.call(loginPath, "update", await popCorePayload(DEV, m))) as HandlerResult;
    assert.ok(res.auth, m);
  }
});

test("a GET signature sent as POST is refused by STS: 403, no auth", async () => {
  const p = openApiPayload(DEV, "GET");
  assert.is(await status(h.call(loginPath, "update", { ...p, identity_request_method: "POST" })), 403);
});

test("replay: the second use is refused with zero new STS requests", async () => {
  const p = cliPayload(DEV);
  assert.is(await status(h.call(loginPath, "update", p)), 200);
  const before = sts.requests.length;
  assert.is(await status(h.call(loginPath, "update", p)), 403);
  assert.is(sts.requests.length, before);
});

test("replay: 20 concurrent copies give exactly one login and one STS request", async () => {
  const p = cliPayload(DEV);
  const before = sts.requests.length;
  const results = await Promise.all(Array.from({ length: 20 }, () => status(h.call(loginPath, "update", p))));
  assert.is(results.filter((s) => s === 200).length, 1);
  assert.is(results.filter((s) => s === 403).length, 19);
  assert.is(sts.requests.length, before + 1);
});

/** A payload's claim keys: the time-first one and the earlier digest-only one (replay-claim.ts). */
function claimKeys(p: { identity_request_url: string }, accessKeyId: string): { timeFirst: string; earlier: string } {
  const query = new URLSearchParams(Buffer.from(p.identity_request_url, "base64").toString("utf8").split("?")[1]);
  const digest = createHash("sha256").update(`${accessKeyId}\n${query.get("SignatureNonce")}`).digest("hex");
  return { timeFirst: `nonce/${query.get("Timestamp")}/${digest}`, earlier: `nonce/${digest}` };
}

test("replay across the key change: for 30 minutes a mount that had roles also claims (and honours) the earlier key shape", async () => {
  await h.storage.put(TIME_KEYED_SINCE, Date.now() - 60_000);
  // Claimed before the upgrade (an earlier node): refused, no STS request.
  const claimedBefore = cliPayload(DEV);
  assert.ok(await h.storage.claimOnce(claimKeys(claimedBefore, DEV.accessKeyId).earlier, 1800));
  const before = sts.requests.length;
  assert.is(await status(h.call(loginPath, "update", claimedBefore)), 403);
  assert.is(sts.requests.length, before);
  // A fresh login claims both shapes: an earlier node still running sees the claim too.
  const fresh = cliPayload(DEV);
  assert.is(await status(h.call(loginPath, "update", fresh)), 200);
  const keys = claimKeys(fresh, DEV.accessKeyId);
  assert.not.ok(await h.storage.claimOnce(keys.timeFirst, 1800), "time-first key claimed");
  assert.not.ok(await h.storage.claimOnce(keys.earlier, 1800), "earlier key claimed");
});

test("replay after the key change's 30 minutes: only the time-first key is claimed, and a replay is still refused", async () => {
  await h.storage.put(TIME_KEYED_SINCE, Date.now() - 31 * 60_000);
  const p = cliPayload(DEV);
  assert.is(await status(h.call(loginPath, "update", p)), 200);
  const keys = claimKeys(p, DEV.accessKeyId);
  assert.not.ok(await h.storage.claimOnce(keys.timeFirst, 1800), "time-first key claimed");
  assert.ok(await h.storage.claimOnce(keys.earlier, 1800), "the earlier key shape is no longer written");
  const before = sts.requests.length;
  assert.is(await status(h.call(loginPath, "update", p)), 403);
  assert.is(sts.requests.length, before);
});

test("the key change's mark: 0 for a mount with no role yet, the setup's time for one that had roles, never moved", async () => {
  const fresh = new MemoryStorage();
  await markTimeKeyedClaims(fresh, 1_000);
  assert.is(await fresh.get(TIME_KEYED_SINCE), 0);
  await fresh.put("role/dev", { arn: "x", token: {} });
  await markTimeKeyedClaims(fresh, 2_000);
  assert.is(await fresh.get(TIME_KEYED_SINCE), 0, "an existing mark is kept");
  const upgraded = new MemoryStorage();
  await upgraded.put("role/dev", { arn: "x", token: {} });
  await markTimeKeyedClaims(upgraded, 3_000);
  assert.is(await upgraded.get(TIME_KEYED_SINCE), 3_000);
});

test("unknown or malformed role: 403 permission denied, no STS request", async () => {
  const before = sts.requests.length;
  for (const role of ["nope", "dev/../x", "\u212Aey", ""]) {
    try {
      await h.call(loginPath, "update", { ...cliPayload(DEV), role });
      assert.unreachable(role);
    } catch (e) {
      assert.instance(e, WardenError);
      assert.is((e as WardenError).status, role === "" ? 400 : 403, role);
      if (role !== "") assert.is((e as WardenError).message, "permission denied");
    }
  }
  assert.is(sts.requests.length, before);
});

test("wrong role, other account, RAM user: 403 after STS answers", async () => {
  await h.call(rolePath, "create", { role: "byuser", arn: `acs:ram::${ACCOUNT}:role/devrole` });
  assert.is(await status(h.call(loginPath, "update", cliPayload(OPS))), 403, "other role");
  assert.is(await status(h.call(loginPath, "update", cliPayload(OTHER))), 403, "other account");
  assert.is(await status(h.call(loginPath, "update", cliPayload(USER, "byuser"))), 403, "RAM user");
});

test("bound CIDRs are checked before any outbound call, failing closed", async () => {
  await h.call(rolePath, "update", { role: "dev", token_bound_cidrs: "10.0.0.0/8" });
  const before = sts.requests.length;
  h.clientAddress = "192.168.1.1";
  assert.is(await status(h.call(loginPath, "update", cliPayload(DEV))), 403);
  h.clientAddress = undefined;
  assert.is(await status(h.call(loginPath, "update", cliPayload(DEV))), 403);
  assert.is(sts.requests.length, before);
  h.clientAddress = "::ffff:10.1.2.3";
  assert.is(await status(h.call(loginPath, "update", cliPayload(DEV))), 200);
});

test("forged or stale requests cost no outbound call", async () => {
  const before = sts.requests.length;
  const stale = alicloudLoginData({ role: "dev", region: "cn-hangzhou", accessKey: DEV.accessKeyId, secretKey: DEV.accessKeySecret, now: new Date(Date.now() - 16 * 60_000) });
  assert.is(await status(h.call(loginPath, "update", stale)), 400);
  const evil = Buffer.from("https://evil.example/?Action=GetCallerIdentity").toString("base64");
  assert.is(await status(h.call(loginPath, "update", { role: "dev", identity_request_url: evil, identity_request_headers: {} })), 400);
  assert.is(sts.requests.length, before);
});

test("STS denials are 403 and log only Code/RequestId", async () => {
  const bad = alicloudLoginData({ role: "dev", region: "cn-hangzhou", accessKey: DEV.accessKeyId, secretKey: "wrong" });
  assert.is(await status(h.call(loginPath, "update", bad)), 403);
  const line = h.log.lines.at(-1)!;
  assert.is(line.fields!.code, "SignatureDoesNotMatch");
  assert.ok(typeof line.fields!.sts_request_id === "string");
  const unknownKey = alicloudLoginData({ role: "dev", region: "cn-hangzhou", accessKey: "LTAInobody", secretKey: "x" });
  assert.is(await status(h.call(loginPath, "update", unknownKey)), 403);
});

test("identity_request_headers: every TypeHeader form accepted and ignored; malformed maps 400", async () => {
  const forms: unknown[] = [
    { "Content-Type": ["application/x-www-form-urlencoded"], "x-acs-action": "AssumeRole" },
    JSON.stringify({ Host: "evil.example" }),
    ["X-Acs-Version: 1999-01-01"],
  ];
  for (const f of forms) {
    const before = sts.requests.length;
    assert.is(await status(h.call(loginPath, "update", { ...cliPayload(DEV), identity_request_headers: f })), 200);
    const sent = sts.requests[before]!;
    assert.is(sent.headers["x-acs-action"], undefined);
    assert.is(sent.headers["x-acs-version"], undefined);
    assert.is(sent.headers.host, sts.url.replace("http://", ""));
  }
  for (const bad of [{ a: "x", A: "y" }, { "bad name": "x" }, { a: "line\r\nbreak" }, "not json", 42]) {
    assert.is(await status(h.call(loginPath, "update", { ...cliPayload(DEV), identity_request_headers: bad })), 400);
  }
  assert.is(await status(h.call(loginPath, "update", { ...cliPayload(DEV), identity_request_method: "PUT" })), 400);
});

const FAULTS: StsFault[] = ["xml", "html-content-type", "redirect", "oversized", "slow", "server-error", "wrong-account", "missing-fields", "trailing-garbage", "duplicate-keys"];
test("every emulator fault gives 503 or 403 and never an auth result", async () => {
  await setup({ timeoutMs: 300 });
  for (const f of FAULTS) {
    sts.setFault(f);
    const s = await status(h.call(loginPath, "update", cliPayload(DEV)));
    assert.ok(s === 503 || s === 403, `${f}: ${s}`);
  }
  sts.setFault(null);
});

test("unreachable STS endpoint: 503", async () => {
  await h.call(configPath, "update", { sts_endpoint: "http://127.0.0.1:1" });
  assert.is(await status(h.call(loginPath, "update", cliPayload(DEV))), 503);
});

async function loggedIn() {
  const res = (await h.call(loginPath, "update", cliPayload(DEV))) as HandlerResult;
  const a = res.auth!;
  return { metadata: a.metadata!, internal: a.internal!, alias: a.alias.name, policies: a.token.policies, storage: h.storage, mount: { path: "auth/alicloud/", type: "alicloud", accessor: "x" }, clientAddress: "127.0.0.1", log: h.log };
}

test("renew returns the role's current TTLs; refused after the role is re-pointed or deleted", async () => {
  const r = await loggedIn();
  assert.equal(await renewAlicloud(r), { ttl: 3600, maxTtl: 0, period: 0 });
  await h.call(rolePath, "update", { role: "dev", token_ttl: 120, token_max_ttl: 600, token_period: 60 });
  assert.equal(await renewAlicloud(r), { ttl: 120, maxTtl: 600, period: 60 });
  await h.call(rolePath, "update", { role: "dev", arn: `acs:ram::${OTHER_ACCOUNT}:role/devrole` });
  assert.is(await status(renewAlicloud(r)), 403);
  await h.call(rolePath, "update", { role: "dev", arn: `acs:ram::${ACCOUNT}:role/opsrole` });
  assert.is(await status(renewAlicloud(r)), 403);
  await h.call(rolePath, "update", { role: "dev", arn: `acs:ram::${ACCOUNT}:role/DEVROLE` });
  assert.ok(await renewAlicloud(r));
  await h.call(rolePath, "delete", { role: "dev" });
  assert.is(await status(renewAlicloud(r)), 403);
  assert.is(await status(renewAlicloud({ ...r, internal: {} })), 403);
});

test.run();

/**
 * Vault's trusted-orchestrator pattern over real HTTP: an orchestrator that may only take AppRole
 * secret ids wrapped hands a single-use wrapping token to a workload, which unwraps it and logs in.
 * A second unwrap, an expired token and a rewrapped-away token are 400 and audited; the secret id is
 * never in the audit log or the storage files in clear, and its entry is deleted when unwrapped.
 */
import { readFileSync } from "node:fs";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { auditHash, enableFileAudit, waitForAudit } from "../helpers/audit-log.js";
import { waitFor } from "../helpers/wait-for.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

const INVALID = "wrapping token is not valid or does not exist";
const SECRET_ID_PATH = "auth/approle/role/x/secret-id";
const ORCHESTRATOR_POLICY = `
path "auth/approle/role/x/role-id" { capabilities = ["read"] }
path "auth/approle/role/x/secret-id" {
  capabilities = ["update"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = "300s"
}`;

interface Ctx {
  s: TestServer;
  orchestrator: string;
  roleId: string;
  audit: string;
}

const t = suite<Ctx>("response wrapping: the trusted orchestrator");

const wrapped = (ttl: string) => ({ "X-Vault-Wrap-TTL": ttl });

/** The orchestrator's delivery: a secret id, wrapped. */
async function wrappedSecretId({ s, orchestrator }: Ctx, ttl = "120s"): Promise<Record<string, any>> {
  const r = await s.request("POST", SECRET_ID_PATH, { token: orchestrator, body: {}, headers: wrapped(ttl) });
  assert.is(r.status, 200, r.text);
  return r.body;
}

const unwrapFirstParty = (s: TestServer, token: string) => s.request("POST", "sys/wrapping/unwrap", { token });

const auditEntries = (file: string, until: (entries: any[]) => boolean): Promise<any[]> => waitForAudit(file, until, "the refusals' audit entries", 10_000);

/** The stored entry of a wrapping token, used or not (storage's own view: deleted means gone). */
async function storedEntries(s: TestServer, token: string): Promise<string[]> {
  return s.server.core.storage.kv.listCounted("sys/wrapping", s.server.core.tokens.hash(token));
}

t.before(async (ctx) => {
  ctx.s = await startTestServer();
  const { s } = ctx;
  ctx.audit = await enableFileAudit(s);
  assert.is((await s.request("POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
  assert.is((await s.request("PUT", "sys/policies/acl/app", { body: { policy: 'path "auth/token/lookup-self" { capabilities = ["read"] }' } })).status, 204);
  assert.is((await s.request("PUT", "sys/policies/acl/orchestrator", { body: { policy: ORCHESTRATOR_POLICY } })).status, 204);
  assert.is((await s.request("POST", "auth/approle/role/x", { body: { token_policies: "app", token_ttl: "10m" } })).status, 204);
  const created = await s.request("POST", "auth/token/create", { body: { policies: ["orchestrator"], ttl: "1h" } });
  assert.is(created.status, 200, created.text);
  ctx.orchestrator = created.body.auth.client_token;
  const roleId = await s.request("GET", "auth/approle/role/x/role-id", { token: ctx.orchestrator });
  assert.is(roleId.status, 200, roleId.text);
  ctx.roleId = roleId.body.data.role_id;
});
t.after(async ({ s }) => s.close());

t("the orchestrator's policy demands wrapping: unwrapped or too long is 403", async ({ s, orchestrator }) => {
  assert.is((await s.request("POST", SECRET_ID_PATH, { token: orchestrator, body: {} })).status, 403);
  assert.is((await s.request("POST", SECRET_ID_PATH, { token: orchestrator, body: {}, headers: wrapped("10m") })).status, 403);
});

t("wrap, look up (twice, nothing used), unwrap, log in; a second unwrap is 400", async (ctx) => {
  const { s } = ctx;
  const before = Date.now();
  const answer = await wrappedSecretId(ctx);
  assert.is((await storedEntries(s, answer.wrap_info.token)).length, 1);
  assert.equal([answer.data, answer.auth, answer.request_id, answer.lease_id], [null, null, "", ""], "a wrapped answer carries nothing but wrap_info");
  const info = answer.wrap_info;
  assert.match(info.token, /^hvs\.[A-Za-z0-9]{36}$/);
  assert.is(info.ttl, 120);
  assert.is(info.creation_path, SECRET_ID_PATH);
  assert.ok(Math.abs(Date.parse(info.creation_time) - before) < 60_000, info.creation_time);
  assert.type(info.accessor, "string");
  assert.type(info.wrapped_accessor, "string", "the secret id's accessor, to track it without unwrapping");

  for (const look of [
    () => s.request("POST", "sys/wrapping/lookup", { token: null, body: { token: info.token } }),
    () => s.request("GET", "sys/wrapping/lookup", { token: info.token }),
  ]) {
    const l = await look();
    assert.is(l.status, 200, l.text);
    assert.equal(l.body.data, { creation_ttl: 120, creation_time: info.creation_time, creation_path: SECRET_ID_PATH });
  }

  const opened = await unwrapFirstParty(s, info.token);
  assert.is(opened.status, 200, opened.text);
  const secretId = opened.body.data.secret_id as string;
  assert.is(opened.body.data.secret_id_accessor, info.wrapped_accessor);
  assert.match(opened.body.request_id, /^[0-9a-f-]{36}$/, "the original answer, with its own request id");
  assert.is(opened.body.wrap_info, null);

  const login = await s.request("POST", "auth/approle/login", { token: null, body: { role_id: ctx.roleId, secret_id: secretId } });
  assert.is(login.status, 200, login.text);
  assert.equal(login.body.auth.token_policies, ["app", "default"]);

  for (const again of [unwrapFirstParty(s, info.token), s.request("POST", "sys/wrapping/unwrap", { body: { token: info.token } }), s.request("POST", "sys/wrapping/lookup", { token: null, body: { token: info.token } })]) {
    const r = await again;
    assert.equal([r.status, r.body.errors], [400, [INVALID]], r.text);
  }
  assert.equal(await storedEntries(s, info.token), [], "the unwrapped entry is deleted");
  assert.not.ok((await s.storageText()).includes(secretId), "the secret id was never stored in clear");

  // The audit log: the wrapping token only as its HMAC, the secret id never in clear, the refusals logged.
  const tokenHash = await auditHash(s, "file", info.token);
  const refusals = (es: any[]) => es.filter((e) => e.type === "response" && e.request.path === "sys/wrapping/unwrap" && e.error === INVALID);
  const entries = await auditEntries(ctx.audit, (es) => refusals(es).length >= 2);
  const text = readFileSync(ctx.audit, "utf8");
  assert.not.ok(text.includes(secretId), "the secret id appears in clear in the audit log");
  assert.not.ok(text.includes(info.token), "the wrapping token appears in clear in the audit log");
  const wrapResponse = entries.find((e) => e.type === "response" && e.request.path === SECRET_ID_PATH && e.response?.wrap_info?.token === tokenHash);
  assert.ok(wrapResponse, "the wrapped answer is audited with the wrapping token's HMAC");
  assert.is(wrapResponse.response.data, undefined, "and without the wrapped data");
  assert.is(wrapResponse.request.wrap_ttl, 120);
  assert.is(wrapResponse.response.wrap_info.creation_path, SECRET_ID_PATH);
  assert.ok(refusals(entries).some((e) => e.request.client_token === tokenHash), "the refused first-party unwrap is audited");
  assert.ok(refusals(entries).some((e) => e.request.data?.token === tokenHash), "the refused third-party unwrap is audited, its operand hashed");
});

t("an expired wrapping token is 400 and its secret leaves storage", async (ctx) => {
  const { s } = ctx;
  const info = (await wrappedSecretId(ctx, "1s")).wrap_info;
  await waitFor("the wrapping token to expire", 15_000, async () => (await s.request("POST", "sys/wrapping/lookup", { token: null, body: { token: info.token } })).status === 400);
  for (const r of [await unwrapFirstParty(s, info.token), await s.request("POST", "sys/wrapping/unwrap", { body: { token: info.token } })]) {
    assert.equal([r.status, r.body.errors], [400, [INVALID]], r.text);
  }
  const tokenHash = await auditHash(s, "file", info.token);
  await auditEntries(ctx.audit, (es) => es.some((e) => e.type === "response" && e.request.client_token === tokenHash && e.error === INVALID));
  // The tidy pass deletes the expired entry: poll, it runs every few seconds.
  await waitFor("tidy to delete the expired entry", 20_000, async () => (await storedEntries(s, info.token)).length === 0);
});

t("rewrap: a new token, same TTL and creation path; the old one is dead", async (ctx) => {
  const { s } = ctx;
  const old = (await wrappedSecretId(ctx, "200s")).wrap_info;
  const r = await s.request("POST", "sys/wrapping/rewrap", { body: { token: old.token } });
  assert.is(r.status, 200, r.text);
  const fresh = r.body.wrap_info;
  assert.is.not(fresh.token, old.token);
  assert.equal([fresh.ttl, fresh.creation_path, r.body.data], [200, SECRET_ID_PATH, null]);
  for (const dead of [unwrapFirstParty(s, old.token), s.request("POST", "sys/wrapping/lookup", { token: null, body: { token: old.token } })]) {
    const d = await dead;
    assert.equal([d.status, d.body.errors], [400, [INVALID]], d.text);
  }
  const l = await s.request("POST", "sys/wrapping/lookup", { token: null, body: { token: fresh.token } });
  assert.equal(l.body.data.creation_path, SECRET_ID_PATH);
  const opened = await unwrapFirstParty(s, fresh.token);
  assert.is(opened.status, 200, opened.text);
  const login = await s.request("POST", "auth/approle/login", { token: null, body: { role_id: ctx.roleId, secret_id: opened.body.data.secret_id } });
  assert.is(login.status, 200, login.text);
});

t("one wrapping token, 12 concurrent unwraps (first and third party): exactly one answer", async (ctx) => {
  const { s } = ctx;
  const info = (await wrappedSecretId(ctx)).wrap_info;
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? unwrapFirstParty(s, info.token) : s.request("POST", "sys/wrapping/unwrap", { body: { token: info.token } }))),
  );
  assert.is(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(","));
  // A loser that got past the check before the winner took the token's only use is refused as a spent token (403).
  for (const r of results.filter((x) => x.status !== 200)) assert.ok(r.status === 400 || r.status === 403, r.text);
});

t.run();

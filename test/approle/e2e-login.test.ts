/**
 * AppRole logins over real HTTP: atomic secret uses under concurrency, secret expiry, address
 * refusals that consume nothing, tokens shaped by token_*, and a leak scan of logs, audit and the
 * SQLite files.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

interface Ctx {
  s: TestServer;
  /** Outside the data directory: an audit device enabled over the API may not write next to the database. */
  auditDir: string;
  secrets: string[];
  tokens: string[];
}

const t = suite<Ctx>("approle login over HTTP");
const M = "auth/approle";

async function newSecret(ctx: Ctx, role: string, body: Record<string, unknown> = {}): Promise<string> {
  const r = await ctx.s.request("POST", `${M}/role/${role}/secret-id`, { body });
  assert.is(r.status, 200, r.text);
  ctx.secrets.push(r.body.data.secret_id);
  return r.body.data.secret_id;
}

const login = (s: TestServer, role_id: string, secret_id?: string) =>
  s.request("POST", `${M}/login`, { token: null, body: secret_id === undefined ? { role_id } : { role_id, secret_id } });

t.before(async (ctx) => {
  ctx.secrets = [];
  ctx.tokens = [];
  ctx.s = await startTestServer();
  ctx.auditDir = mkdtempSync(join(tmpdir(), "warden-approle-audit-"));
  const { s } = ctx;
  ctx.s.logs.length = 0;
  assert.is((await s.request("PUT", "sys/audit/file", { body: { type: "file", options: { file_path: join(ctx.auditDir, "audit.log") } } })).status, 204);
  assert.is((await s.request("POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
  // The losers of the concurrency races below are wrong-credential failures: with lockout on they
  // would lock role_id + 127.0.0.1 out. Lockout has its own suite (e2e-lockout.test.ts).
  const tune = await s.request("POST", "sys/auth/approle/tune", { body: { user_lockout_config: { disable_lockout: true } } });
  assert.is(tune.status, 204, tune.text);
  const policy = 'path "auth/token/lookup-self" { capabilities = ["read"] }';
  assert.is((await s.request("PUT", "sys/policies/acl/ci-read", { body: { policy } })).status, 204);
  const role = { role_id: "ci-role-id", token_policies: "ci-read", token_ttl: "1h", token_max_ttl: "2h" };
  assert.is((await s.request("POST", `${M}/role/ci`, { body: role })).status, 204);
});
t.after(async ({ s, auditDir }) => {
  await s.close();
  rmSync(auditDir, { recursive: true, force: true });
});

t("login answers with Vault's auth block: role_name metadata, policies, ttl, entity", async (ctx) => {
  const { s } = ctx;
  const r = await login(s, "ci-role-id", await newSecret(ctx, "ci", { metadata: '{"runner":"r7"}' }));
  assert.is(r.status, 200, r.text);
  const a = r.body.auth;
  ctx.tokens.push(a.client_token);
  assert.equal(a.metadata, { role_name: "ci", runner: "r7" });
  assert.equal(a.token_policies, ["ci-read", "default"]);
  assert.is(a.lease_duration, 3600);
  assert.is(a.renewable, true);
  assert.is(typeof a.entity_id, "string");
  const self = await s.request("GET", "auth/token/lookup-self", { token: a.client_token });
  assert.is(self.status, 200);
  assert.is(self.body.data.path, "auth/approle/login");
  assert.is(self.body.data.display_name, "approle");
  assert.is((await s.request("GET", "sys/auth", { token: a.client_token })).status, 403);
  const renewed = await s.request("PUT", "auth/token/renew-self", { token: a.client_token, body: {} });
  assert.ok(renewed.status === 200 || renewed.status === 403, renewed.text);
});

t("a num_uses=1 secret under 50 concurrent logins gives exactly one token", async (ctx) => {
  const secret = await newSecret(ctx, "ci", { num_uses: 1 });
  const results = await Promise.all(Array.from({ length: 50 }, () => login(ctx.s, "ci-role-id", secret)));
  const ok = results.filter((r) => r.status === 200);
  assert.is(ok.length, 1, results.map((r) => r.status).join(","));
  ctx.tokens.push(ok[0]!.body.auth.client_token);
  for (const r of results.filter((x) => x.status !== 200)) assert.equal([r.status, r.body.errors], [400, ["invalid role or secret ID"]]);
  // Used up: gone from the accessor list too.
  const lookup = await ctx.s.request("POST", `${M}/role/ci/secret-id/lookup`, { body: { secret_id: secret } });
  assert.is(lookup.status, 204);
});

t("a k-use secret gives exactly k tokens under concurrency", async (ctx) => {
  const secret = await newSecret(ctx, "ci", { num_uses: 3 });
  const results = await Promise.all(Array.from({ length: 30 }, () => login(ctx.s, "ci-role-id", secret)));
  assert.is(results.filter((r) => r.status === 200).length, 3);
});

t("secret_id_ttl: the secret stops working when it expires", async (ctx) => {
  const secret = await newSecret(ctx, "ci", { ttl: "1m" });
  assert.is((await login(ctx.s, "ci-role-id", secret)).status, 200);
  ctx.s.clock.advance(60_000);
  const r = await login(ctx.s, "ci-role-id", secret);
  assert.equal([r.status, r.body.errors], [400, ["invalid role or secret ID"]]);
});

t("address refusals (role CIDRs, secret cidr_list, token CIDRs) consume no use", async (ctx) => {
  const { s } = ctx;
  await s.request("POST", `${M}/role/fenced`, { body: { role_id: "fenced-id", secret_id_bound_cidrs: "127.0.0.0/8,10.0.0.0/8", secret_id_num_uses: 1 } });
  const viaRole = await newSecret(ctx, "fenced");
  const viaSecret = await newSecret(ctx, "fenced", { cidr_list: "10.0.0.0/8" });
  const viaToken = await newSecret(ctx, "fenced", { token_bound_cidrs: "10.1.0.0/16" });
  assert.is((await s.request("POST", `${M}/role/fenced/secret-id-bound-cidrs`, { body: { secret_id_bound_cidrs: "10.0.0.0/8" } })).status, 204);
  const r = await login(s, "fenced-id", viaRole);
  assert.equal([r.status, r.body.errors], [400, ["invalid role or secret ID"]]);
  assert.is((await s.request("POST", `${M}/role/fenced/secret-id-bound-cidrs`, { body: { secret_id_bound_cidrs: "127.0.0.0/8,10.0.0.0/8" } })).status, 204);
  for (const secret of [viaSecret, viaToken]) {
    const refused = await login(s, "fenced-id", secret);
    assert.equal([refused.status, refused.body.errors], [400, ["invalid role or secret ID"]]);
  }
  for (const secret of [viaRole, viaSecret, viaToken]) {
    const l = await s.request("POST", `${M}/role/fenced/secret-id/lookup`, { body: { secret_id: secret } });
    assert.is(l.body.data.secret_id_num_uses, 1, "still one use left");
  }
  const ok = await login(s, "fenced-id", viaRole);
  assert.is(ok.status, 200, "the untouched secret still works from an allowed address");
  ctx.tokens.push(ok.body.auth.client_token);
});

t("the token honours token_policies, token_ttl, token_num_uses and token_bound_cidrs", async (ctx) => {
  const { s } = ctx;
  const body = { role_id: "shaped-id", token_policies: "ci-read", token_ttl: "10m", token_num_uses: 2, token_bound_cidrs: "127.0.0.1" };
  assert.is((await s.request("POST", `${M}/role/shaped`, { body })).status, 204);
  const r = await login(s, "shaped-id", await newSecret(ctx, "shaped"));
  assert.is(r.status, 200, r.text);
  const token = r.body.auth.client_token;
  ctx.tokens.push(token);
  assert.equal([r.body.auth.lease_duration, r.body.auth.token_policies, r.body.auth.num_uses], [600, ["ci-read", "default"], 2]);
  const self = await s.request("GET", "auth/token/lookup-self", { token });
  assert.equal([self.status, self.body.data.bound_cidrs, self.body.data.num_uses], [200, ["127.0.0.1/32"], 1]);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token })).status, 200, "second and last use");
  assert.is((await s.request("GET", "auth/token/lookup-self", { token })).status, 403, "used up");
  // A secret whose token_bound_cidrs exclude us: refused at login, before a use is taken.
  const fenced = await newSecret(ctx, "shaped", { token_bound_cidrs: "127.0.0.1" });
  assert.is((await login(s, "shaped-id", fenced)).status, 200);
});

t("bind_secret_id=false: role_id alone, from the bound CIDR", async ({ s }) => {
  await s.request("POST", `${M}/role/open`, { body: { role_id: "open-id", bind_secret_id: false, secret_id_bound_cidrs: "127.0.0.0/8" } });
  const r = await login(s, "open-id");
  assert.is(r.status, 200, r.text);
  assert.equal(r.body.auth.metadata, { role_name: "open" });
});

t("renewal follows the role; a deleted role refuses it", async (ctx) => {
  const { s } = ctx;
  await s.request("POST", `${M}/role/short`, { body: { role_id: "short-id", token_ttl: "10m", token_policies: "ci-read" } });
  const token = (await login(s, "short-id", await newSecret(ctx, "short"))).body.auth.client_token;
  ctx.tokens.push(token);
  const renewed = await s.request("PUT", "auth/token/renew", { body: { token } });
  assert.is(renewed.status, 200, renewed.text);
  assert.is(renewed.body.auth.lease_duration, 600);
  assert.is((await s.request("DELETE", `${M}/role/short`)).status, 204);
  const refused = await s.request("PUT", "auth/token/renew", { body: { token } });
  assert.ok(refused.status >= 400, refused.text);
});

t("no secret id, its token or the root token in logs, the audit log or storage", async (ctx) => {
  const { s } = ctx;
  const dir = s.dataDir;
  const files = [...readdirSync(dir).map((f) => join(dir, f)), join(ctx.auditDir, "audit.log")].map((f) => readFileSync(f).toString("latin1"));
  // The audit log and (on SQLite) the database files, plus the storage contents on either engine.
  const haystacks = [s.logs.join("\n"), ...files, await s.storageText()];
  assert.ok(files.some((f) => f.includes("auth/approle/login")), "the audit log recorded the logins");
  assert.ok(ctx.secrets.length >= 8);
  for (const needle of [...ctx.secrets, ...ctx.tokens, s.rootToken]) {
    for (const h of haystacks) assert.not.ok(h.includes(needle), `found a secret (${needle.slice(0, 6)}...)`);
  }
});

t.run();

/**
 * Quotas with a `role` over real HTTP (both storages): the login's role as its plugin resolves it
 * (AppRole: role_id -> role name, before any secret is looked at), a rate-limit role quota per client
 * address, a lease-count role quota exact under concurrency and freed by revocation and expiry, and
 * the `role` field of a plugin that does not resolve roles (the older rule).
 */
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { builtinPlugins } from "../../plugins/index.js";
import { SDK_VERSION, definePath, definePlugin } from "../../src/sdk/plugin.js";
import { emptyTokenParams } from "../../src/sdk/token-params.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

/** A plugin of the older kind: its login names the role in a `role` field and declares no resolveRole. */
const roleFieldPlugin = definePlugin({
  type: "rolefield",
  sdkVersion: SDK_VERSION,
  description: "test: logs anyone in, naming the role in a role field",
  setup: () => ({
    paths: [
      definePath({
        pattern: "login",
        fields: { role: { type: "string" }, name: { type: "string" } },
        unauthenticated: true,
        operations: { update: async (req) => ({ auth: { alias: { name: req.data.name ?? "anyone" }, token: { ...emptyTokenParams(), ttl: 600 } } }) },
      }),
    ],
  }),
});

/** How often the plugin below was asked which role a login names. */
let resolvedRoles = 0;
/** A plugin that resolves roles and also says, in its auth result, which role its login used. */
const roleSayingPlugin = definePlugin({
  type: "rolesaying",
  sdkVersion: SDK_VERSION,
  description: "test: logs anyone in, its resolveRole and its auth result naming the role",
  setup: () => ({
    paths: [
      definePath({
        pattern: "login",
        fields: { role: { type: "string" } },
        unauthenticated: true,
        resolveRole: async (req) => {
          resolvedRoles++;
          return req.data.role;
        },
        operations: { update: async (req) => ({ auth: { alias: { name: "anyone" }, role: req.data.role, token: { ...emptyTokenParams(), ttl: 600 } } }) },
      }),
    ],
  }),
});

const t = suite<{ s: TestServer }>("quotas with a role: resolved by the login's plugin");
const M = "auth/approle";
const RATE_EXCEEDED = ['request path "auth/approle/login": rate limit quota exceeded'];
const LEASES_EXCEEDED = ['request path "auth/approle/login": lease count quota exceeded'];

/** A secret id of `role` (unlimited uses unless the role says otherwise). */
async function secretOf(s: TestServer, role: string): Promise<string> {
  const r = await s.request("POST", `${M}/role/${role}/secret-id`, { body: {} });
  assert.is(r.status, 200, r.text);
  return r.body.data.secret_id as string;
}

const login = (s: TestServer, roleId: string, secretId: string, from?: string, extra: Record<string, unknown> = {}) =>
  s.request("POST", `${M}/login`, { token: null, body: { role_id: roleId, secret_id: secretId, ...extra }, headers: from ? { "x-forwarded-for": from } : {} });

t.before(async (ctx) => {
  // The test client is 127.0.0.1, a trusted proxy: its X-Forwarded-For names the client.
  ctx.s = await startTestServer({
    plugins: [...builtinPlugins, roleFieldPlugin, roleSayingPlugin],
    mounts: { approle: "approle", rolefield: "rolefield", rolesaying: "rolesaying" },
    configure: (c) => {
      c.listeners[0]!.xForwardedForAuthorizedAddrs = ["127.0.0.1/32"];
      c.listeners[0]!.xForwardedForRejectNotPresent = false;
    },
  });
  const { s } = ctx;
  for (const role of ["web", "db"]) {
    assert.is((await s.request("POST", `${M}/role/${role}`, { body: { role_id: `${role}-id`, token_ttl: "1h" } })).status, 204);
  }
  // Concurrent refused logins are no wrong credentials, but keep the lockout out of this suite's way.
  assert.is((await s.request("POST", "sys/auth/approle/tune", { body: { user_lockout_config: { disable_lockout: true } } })).status, 204);
});
t.after(async ({ s }) => s?.close());

t("a rate-limit role quota limits that role's logins per client (Vault's 429); other roles, other clients and unknown role_ids are not under it", async ({ s }) => {
  const w = await s.request("POST", "sys/quotas/rate-limit/web-logins", { body: { path: "auth/approle", role: "web", rate: 2, interval: "1h" } });
  assert.is(w.status, 204, w.text);
  const read = await s.request("GET", "sys/quotas/rate-limit/web-logins");
  assert.equal([read.body.data.path, read.body.data.role], ["auth/approle/", "web"]);
  const web = await secretOf(s, "web");
  const db = await secretOf(s, "db");
  for (let i = 0; i < 2; i++) assert.is((await login(s, "web-id", web, "10.0.0.1")).status, 200, `web login ${i + 1} of client A`);
  // The role_id names the role, with or without a secret, right or wrong, whitespace trimmed.
  for (const [roleId, secret] of [["web-id", web], ["web-id", "not-the-secret"], [" web-id\n", web]] as const) {
    const over = await login(s, roleId, secret, "10.0.0.1");
    assert.is(over.status, 429, over.text);
    assert.equal(over.body.errors, RATE_EXCEEDED);
    assert.ok(Number(over.headers.get("retry-after")) > 0);
  }
  // A `role` field does not name the role for AppRole: the role_id does.
  assert.is((await login(s, "web-id", web, "10.0.0.1", { role: "db" })).status, 429);
  for (let i = 0; i < 4; i++) assert.is((await login(s, "db-id", db, "10.0.0.1", { role: "web" })).status, 200, `db login ${i + 1}: not under the web quota`);
  for (let i = 0; i < 2; i++) assert.is((await login(s, "web-id", web, "10.0.0.2")).status, 200, `web login ${i + 1} of client B: its own allowance`);
  assert.is((await login(s, "web-id", web, "10.0.0.2")).status, 429);
  // An unknown role_id names no role: never a 429 from the role quota, still refused by the login.
  for (let i = 0; i < 4; i++) {
    const r = await login(s, "nobody-id", web, "10.0.0.1");
    assert.is(r.status, 400, r.text);
    assert.equal(r.body.errors, ["invalid role or secret ID"]);
  }
  s.clock.advance(3_600_001);
  assert.is((await login(s, "web-id", web, "10.0.0.1")).status, 200, "served again after the interval");
  assert.is((await s.request("DELETE", "sys/quotas/rate-limit/web-logins")).status, 204);
});

t("a role-quota refusal comes before the credential check: a one-use secret id refused with a 429 still logs in later", async ({ s }) => {
  assert.is((await s.request("POST", `${M}/role/once`, { body: { role_id: "once-id", secret_id_num_uses: 1, token_ttl: "1h" } })).status, 204);
  assert.is((await s.request("POST", "sys/quotas/rate-limit/once", { body: { path: "auth/approle", role: "once", rate: 1, interval: "1m" } })).status, 204);
  assert.is((await login(s, "once-id", await secretOf(s, "once"), "10.0.0.3")).status, 200);
  const kept = await secretOf(s, "once");
  assert.is((await login(s, "once-id", kept, "10.0.0.3")).status, 429);
  s.clock.advance(60_001);
  const later = await login(s, "once-id", kept, "10.0.0.3");
  assert.is(later.status, 200, `the refused login did not use the secret id: ${later.text}`);
  s.clock.advance(60_001);
  assert.is((await login(s, "once-id", kept, "10.0.0.3")).status, 400, "and it had one use");
  assert.is((await s.request("DELETE", "sys/quotas/rate-limit/once")).status, 204);
});

t("a lease-count role quota: 20 parallel logins of the role with max_leases=5 -> exactly 5 live; other roles unaffected; revoke and expiry free slots", async ({ s }) => {
  // Tokens of the earlier cases (1h) expire: they hold no slot.
  s.clock.advance(3_600_001);
  const web = await secretOf(s, "web");
  const db = await secretOf(s, "db");
  // Minted before the quota exists: every login token records its role, so these two count.
  const before = await Promise.all([login(s, "web-id", web), login(s, "web-id", web)]);
  assert.equal(before.map((r) => r.status), [200, 200]);
  const bad = await s.request("POST", "sys/quotas/lease-count/web-leases", { body: { path: "sys/", role: "web", max_leases: 5 } });
  assert.is(bad.status, 400, "role only with an auth mount path");
  const long = await s.request("POST", "sys/quotas/lease-count/web-leases", { body: { path: "auth/approle", role: "r".repeat(513), max_leases: 5 } });
  assert.is(long.status, 400, long.text);
  assert.is((await s.request("GET", "sys/quotas/lease-count/web-leases")).status, 404, "a refused write stores nothing");
  const w = await s.request("POST", "sys/quotas/lease-count/web-leases", { body: { path: "auth/approle", role: "web", max_leases: 5 } });
  assert.is(w.status, 204, w.text);
  assert.equal((await s.request("GET", "sys/quotas/lease-count/web-leases")).body.data.role, "web");
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => login(s, "web-id", web, `10.1.0.${i}`)));
  const ok = results.filter((r) => r.status === 200);
  assert.is(ok.length, 3, `5 live with the 2 from before: ${results.map((r) => r.status).join(",")}`);
  for (const r of results.filter((x) => x.status !== 200)) {
    assert.is(r.status, 429, r.text);
    assert.equal(r.body.errors, LEASES_EXCEEDED);
  }
  const dbTokens = await Promise.all(Array.from({ length: 7 }, () => login(s, "db-id", db)));
  assert.equal(dbTokens.map((r) => r.status), [200, 200, 200, 200, 200, 200, 200], "another role of the mount is not counted nor limited");
  assert.is((await login(s, "web-id", web)).status, 429);
  // A revocation frees one slot, at once.
  assert.is((await s.request("POST", "auth/token/revoke-self", { token: ok[0]!.body.auth.client_token })).status, 204);
  const again = await Promise.all([login(s, "web-id", web), login(s, "web-id", web), login(s, "web-id", web)]);
  assert.equal(again.map((r) => r.status).sort(), [200, 429, 429]);
  // Expiry frees every slot, before the sweeper runs.
  s.clock.advance(3_600_001);
  const fresh = await Promise.all(Array.from({ length: 6 }, () => login(s, "web-id", web)));
  assert.is(fresh.filter((r) => r.status === 200).length, 5, fresh.map((r) => r.status).join(","));
  assert.is((await s.request("DELETE", "sys/quotas/lease-count/web-leases")).status, 204);
  assert.is((await login(s, "web-id", web)).status, 200, "no quota, no limit");
});

t("a plugin without resolveRole: its login's `role` field is the role (the older rule)", async ({ s }) => {
  const P = "auth/rolefield";
  assert.is((await s.request("POST", "sys/quotas/rate-limit/field", { body: { path: P, role: "a", rate: 1, interval: "1h" } })).status, 204);
  assert.is((await s.request("POST", "sys/quotas/lease-count/field", { body: { path: P, role: "b", max_leases: 1 } })).status, 204);
  const as = (role: string | undefined) => s.request("POST", `${P}/login`, { token: null, body: role === undefined ? { name: "x" } : { role, name: "x" } });
  assert.is((await as("a")).status, 200);
  const over = await as("a");
  assert.is(over.status, 429, over.text);
  assert.equal(over.body.errors, ['request path "auth/rolefield/login": rate limit quota exceeded']);
  assert.is((await as("b")).status, 200);
  const full = await as("b");
  assert.is(full.status, 429, full.text);
  assert.equal(full.body.errors, ['request path "auth/rolefield/login": lease count quota exceeded']);
  for (let i = 0; i < 3; i++) assert.is((await as(undefined)).status, 200, "no role named: no role quota");
  assert.is((await s.request("DELETE", "sys/quotas/rate-limit/field")).status, 204);
  assert.is((await s.request("DELETE", "sys/quotas/lease-count/field")).status, 204);
});

t("a login whose auth result names its role: the token records it, and resolveRole is not asked again after the login", async ({ s }) => {
  const P = "auth/rolesaying";
  const as = (role: string) => s.request("POST", `${P}/login`, { token: null, body: { role } });
  assert.is((await s.request("POST", "sys/quotas/lease-count/saying", { body: { path: P, role: "b", max_leases: 1 } })).status, 204);
  resolvedRoles = 0;
  assert.is((await as("a")).status, 200);
  assert.is((await as("b")).status, 200);
  const full = await as("b");
  assert.is(full.status, 429, full.text);
  assert.equal(full.body.errors, ['request path "auth/rolesaying/login": lease count quota exceeded']);
  assert.is(resolvedRoles, 0, "the role came from the auth result: no lease-count check or token record asked resolveRole");
  // A rate-limit role quota resolves the role before the handler, once per request; that name is the one recorded.
  assert.is((await s.request("POST", "sys/quotas/rate-limit/saying", { body: { path: P, role: "c", rate: 100, interval: "1h" } })).status, 204);
  assert.is((await as("b")).status, 429, "still b's one lease");
  assert.is(resolvedRoles, 1);
  assert.is((await as("a")).status, 200);
  assert.is(resolvedRoles, 2);
  assert.is((await s.request("DELETE", "sys/quotas/rate-limit/saying")).status, 204);
  assert.is((await s.request("DELETE", "sys/quotas/lease-count/saying")).status, 204);
  assert.is((await as("b")).status, 200, "no quota, no limit");
});

t.run();

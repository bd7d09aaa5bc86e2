// The raw-database canary scan (SQLite file + WAL, or every PostgreSQL table) for the values the later
// features store: quotas and their config, identity entity merge and alias metadata, audit device
// options, OIDC keys and roles, auth tune. static.test.ts covers the first APIs (policies,
// mounts, AppRole, identity, tokens, wrapping); version history and snapshots have their own scans.
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

const t = suite<{ s: TestServer; dir: string }>("seal: canary scan of quotas, entity merge, audit options, OIDC");

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-canary-"));
  ctx.s = await startTestServer({ mounts: { approle: "approle" } });
});
t.after(async (ctx) => {
  await ctx.s?.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

const ok = (r: { status: number; text: string }, status: number, what: string): void => assert.is(r.status, status, `${what}: ${r.text}`);

/** Fails with the bytes around the first clear copy, so the table and column are visible. */
function assertAbsent(text: string, needle: string, what: string): void {
  const at = text.indexOf(needle);
  assert.is(at, -1, `${what} is stored in clear: ...${text.slice(Math.max(0, at - 200), at + 60).replace(/[^\x20-\x7e]/g, ".")}`);
}

t("every value written through these APIs is behind the barrier", async ({ s, dir }) => {
  const C = `canary${randomBytes(6).toString("hex")}`;
  const accessor = (await s.read("sys/auth")).body.data["approle/"].accessor as string;

  // Quotas: the role a quota names, the exempt paths of the config.
  ok(await s.write("auth/approle/role/q", { token_ttl: "1h" }), 204, "role");
  ok(await s.write(`sys/quotas/rate-limit/r1`, { path: "auth/approle/", role: `${C}-rl`, rate: 100 }), 204, "rate-limit quota");
  ok(await s.write(`sys/quotas/lease-count/l1`, { path: "auth/approle/", max_leases: 100 }), 204, "lease-count quota");
  ok(await s.write("sys/quotas/config", { rate_limit_exempt_paths: [`auth/${C}-exempt/`] }), 204, "quota config");
  assert.is((await s.read("sys/quotas/rate-limit/r1")).body.data.role, `${C}-rl`, "the quota reads back");

  // Identity: an entity with metadata and an alias with custom metadata merged into another.
  const from = (await s.write("identity/entity", { name: "merge-from", metadata: { m: `${C}-from` }, policies: [`${C}-from-policy`] })).body.data.id as string;
  const to = (await s.write("identity/entity", { name: "merge-to", metadata: { m: `${C}-to` } })).body.data.id as string;
  ok(await s.write("identity/entity-alias", { name: `alias-${randomBytes(4).toString("hex")}`, canonical_id: from, mount_accessor: accessor, custom_metadata: { m: `${C}-alias` } }), 200, "alias");
  ok(await s.write("identity/entity/merge", { from_entity_ids: [from], to_entity_id: to }), 204, "merge");
  const merged = (await s.read(`identity/entity/id/${to}`)).body.data;
  assert.ok(merged.policies.includes(`${C}-from-policy`), "the merge moved the policies");
  assert.equal(merged.aliases[0].custom_metadata, { m: `${C}-alias` }, "the merge moved the alias");

  // Audit device options and description; auth tune; OIDC key and role template.
  ok(await s.write("sys/audit/canary", { type: "file", description: `${C}-audit`, options: { file_path: join(dir, `${C}-audit.log`) } }), 204, "audit device");
  ok(await s.write("sys/auth/approle/tune", { description: `${C}-tune`, audit_non_hmac_request_keys: [`${C}-keys`] }), 204, "tune");
  ok(await s.write("identity/oidc/key/k1", { allowed_client_ids: [`${C}-client`, "*"], rotation_period: "1h", verification_ttl: "1h" }), 204, "oidc key");
  ok(await s.write("identity/oidc/role/r1", { key: "k1", ttl: "10m", template: JSON.stringify({ team: `${C}-template` }) }), 204, "oidc role");
  // A JWK's modulus sits in the private key too: its public half must not be found in clear either.
  ok(await s.write("sys/policies/acl/oidc", { policy: 'path "identity/oidc/token/*" { capabilities = ["read"] }' }), 204, "policy");
  ok(await s.write("auth/approle/role/oidc", { token_policies: ["oidc"] }), 204, "role");
  const roleId = (await s.read("auth/approle/role/oidc/role-id")).body.data.role_id as string;
  const login = await s.login("auth/approle/login", { role_id: roleId, secret_id: (await s.write("auth/approle/role/oidc/secret-id", {})).body.data.secret_id });
  const token = await s.read("identity/oidc/token/r1", login.client_token);
  ok(token, 200, "an identity token signed with the key");
  const jwks = (await s.read("identity/oidc/.well-known/keys", null)).body.keys as Array<{ n?: string; x?: string }>;
  assert.ok(jwks.length > 0, "the key is published");

  const text = await s.storageText();
  assert.ok(text.length > 1000, "the scan saw the database");
  assert.ok(text.includes(to), "the scan reads the rows (an entity id is a clear key)");
  assertAbsent(text, C, "a canary");
  for (const k of jwks) for (const part of [k.n, k.x]) if (part) assertAbsent(text, part.slice(0, 40), "the OIDC key's material");
  assertAbsent(text, token.body.data.token.split(".")[2], "the identity token's signature");
});

t.run();

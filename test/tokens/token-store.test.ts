import { rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import type { ServerConfig } from "../../src/config/server-config.js";
import { rawRequest } from "../helpers/raw-http.js";
import { type TestResponse, type TestServer, startTestServer } from "../helpers/server.js";


async function create(s: TestServer, body: Record<string, unknown>, token?: string, path = "auth/token/create"): Promise<TestResponse> {
  return s.request("POST", path, { body, token });
}
async function mint(s: TestServer, body: Record<string, unknown>, token?: string): Promise<string> {
  const r = await create(s, body, token);
  assert.is(r.status, 200, r.text);
  return r.body.auth.client_token as string;
}
const selfStatus = async (s: TestServer, token: string, headers?: Record<string, string>) => (await s.request("GET", "auth/token/lookup-self", { token, headers })).status;

const CREATOR = `
path "auth/token/create" { capabilities = ["update"] }
path "auth/token/create-orphan" { capabilities = ["update"] }
path "auth/token/revoke-orphan" { capabilities = ["update"] }
path "auth/token/lookup" { capabilities = ["update"] }
`;

const t = suite<{ s: TestServer }>("tokens");
t.before(async (ctx) => {
  ctx.s = await startTestServer();
  for (const [name, policy] of [
    ["creator", CREATOR],
    ["reader", 'path "secret/*" { capabilities = ["read"] }'],
    ["other", 'path "other/*" { capabilities = ["read"] }'],
  ]) {
    const r = await ctx.s.request("PUT", `sys/policies/acl/${name}`, { body: { policy } });
    assert.is(r.status, 204, r.text);
  }
});
t.after(async (ctx) => ctx.s.close());

t("create: the auth block and default policy handling", async ({ s }) => {
  const r = await create(s, { policies: ["reader"], ttl: "1h", meta: { team: "a" }, display_name: "My App!" });
  assert.is(r.status, 200);
  assert.is(r.body.data, null);
  const a = r.body.auth;
  assert.equal(Object.keys(a).sort(), ["accessor", "client_token", "entity_id", "lease_duration", "metadata", "mfa_requirement", "num_uses", "orphan", "policies", "renewable", "token_policies", "token_type"]);
  assert.equal(a.policies, ["default", "reader"]);
  assert.equal(a.token_policies, ["default", "reader"]);
  assert.equal(a.metadata, { team: "a" });
  assert.is(a.lease_duration, 3600);
  assert.is(a.renewable, true);
  assert.is(a.orphan, false);
  assert.is(a.token_type, "service");
  assert.match(a.accessor, /^[A-Za-z0-9]{24,}$/);
  const look = await s.request("GET", "auth/token/lookup-self", { token: a.client_token });
  assert.is(look.body.data.display_name, "token-My-App");
  assert.equal(look.body.data.meta, { team: "a" });
  assert.is(look.body.data.path, "auth/token/create");

  const noDefault = await create(s, { policies: ["reader"], no_default_policy: true, ttl: "1h" });
  assert.equal(noDefault.body.auth.policies, ["reader"]);
  const inherit = await create(s, { ttl: "1h" });
  assert.equal(inherit.body.auth.policies, ["root"]);
  const sorted = await create(s, { policies: ["Reader", " other", "reader"], ttl: "1h" });
  assert.equal(sorted.body.auth.policies, ["default", "other", "reader"]);
});

t("create: a non-root parent may only hand out a subset of its policies, and no sudo-only options", async ({ s }) => {
  const parent = await mint(s, { policies: ["creator", "reader"], ttl: "1h" });
  const sub = await create(s, { policies: ["reader"], ttl: "10m" }, parent);
  assert.is(sub.status, 200, sub.text);
  assert.equal(sub.body.auth.policies, ["default", "reader"]);
  const inherit = await create(s, { ttl: "10m" }, parent);
  assert.equal(inherit.body.auth.policies, ["creator", "default", "reader"]);
  const wider = await create(s, { policies: ["other"] }, parent);
  assert.is(wider.status, 400);
  assert.match(wider.body.errors[0], /subset/);
  const root = await create(s, { policies: ["root"] }, parent);
  assert.is(root.status, 400);
  const period = await create(s, { policies: ["reader"], period: "1h" }, parent);
  assert.is(period.status, 400);
  assert.match(period.body.errors[0], /sudo/);
  const orphan = await create(s, { policies: ["reader"], no_parent: true }, parent);
  assert.is(orphan.status, 400);
  const id = await create(s, { id: "hvs.customcustomcustom" }, parent);
  assert.is(id.status, 400);
  // The create-orphan endpoint needs only the ACL.
  const viaEndpoint = await create(s, { policies: ["reader"], ttl: "10m" }, parent, "auth/token/create-orphan");
  assert.is(viaEndpoint.status, 200, viaEndpoint.text);
  assert.is(viaEndpoint.body.auth.orphan, true);
  // A parent without "default" does not hand it out implicitly.
  const bare = await mint(s, { policies: ["creator", "reader"], no_default_policy: true, ttl: "1h" });
  const child = await create(s, { policies: ["reader"], ttl: "10m" }, bare);
  assert.equal(child.body.auth.policies, ["reader"]);
});

t("create: root/sudo options — orphan, period, custom id, num_uses, explicit_max_ttl", async ({ s }) => {
  const orphan = await create(s, { policies: ["reader"], no_parent: true, ttl: "1h" });
  assert.is(orphan.body.auth.orphan, true);
  const periodic = await create(s, { policies: ["reader"], period: "30m" });
  assert.is(periodic.status, 200);
  assert.is(periodic.body.auth.lease_duration, 1800);
  const pl = await s.request("GET", "auth/token/lookup-self", { token: periodic.body.auth.client_token });
  assert.is(pl.body.data.period, 1800);
  const custom = await create(s, { id: "hvs.mycustomtokenid1234", policies: ["reader"], ttl: "1h" });
  assert.is(custom.status, 200, custom.text);
  assert.is(custom.body.auth.client_token, "hvs.mycustomtokenid1234");
  assert.is(await selfStatus(s, "hvs.mycustomtokenid1234"), 200);
  const capped = await create(s, { policies: ["reader"], ttl: "1h", explicit_max_ttl: "60s" });
  assert.is(capped.status, 200);
  assert.is(capped.body.auth.lease_duration, 60);
  const cl = await s.request("GET", "auth/token/lookup-self", { token: capped.body.auth.client_token });
  assert.is(cl.body.data.explicit_max_ttl, 60);
  // An expiring root token cannot mint a non-expiring root token.
  const expiringRoot = await mint(s, { ttl: "1h" });
  const forever = await create(s, { policies: ["root"] }, expiringRoot);
  assert.is(forever.status, 400);
  assert.match(forever.body.errors[0], /non-expiring root/);
  const neg = await create(s, { num_uses: -1 });
  assert.is(neg.status, 400);
  const limited = await create(s, { policies: ["creator"], num_uses: 3, ttl: "1h" });
  assert.is(limited.body.auth.num_uses, 3);
  // A limited-use token cannot have children.
  const kid = await create(s, { policies: ["creator"] }, limited.body.auth.client_token);
  assert.is(kid.status, 400);
  assert.match(kid.body.errors[0], /restricted use token/);
});

t("lookup, lookup-self, lookup-accessor", async ({ s }) => {
  const r = await create(s, { policies: ["reader"], ttl: "1h" });
  const { client_token: tok, accessor } = r.body.auth;
  const self = await s.request("GET", "auth/token/lookup-self", { token: tok });
  const d = self.body.data;
  for (const k of ["accessor", "creation_time", "creation_ttl", "display_name", "entity_id", "expire_time", "explicit_max_ttl", "id", "issue_time", "meta", "num_uses", "orphan", "path", "policies", "renewable", "ttl", "type"]) assert.ok(k in d, k);
  assert.is(d.id, tok);
  assert.is(d.accessor, accessor);
  assert.is(d.creation_ttl, 3600);
  assert.ok(d.ttl > 3590 && d.ttl <= 3600, String(d.ttl));
  assert.is(d.type, "service");
  const post = await s.request("POST", "auth/token/lookup", { body: { token: tok } });
  assert.is(post.body.data.id, tok);
  const get = await s.request("GET", `auth/token/lookup?token=${encodeURIComponent(tok)}`);
  assert.is(get.body.data.id, tok);
  const acc = await s.request("POST", "auth/token/lookup-accessor", { body: { accessor } });
  assert.is(acc.status, 200);
  assert.is(acc.body.data.id, "");
  assert.is(acc.body.data.accessor, accessor);
  assert.equal(acc.body.data.policies, ["default", "reader"]);
  assert.is((await s.request("POST", "auth/token/lookup", { body: { token: "hvs.AAAAAAAAAAAAAAAAAAAAAAAA" } })).status, 403);
  const badAcc = await s.request("POST", "auth/token/lookup-accessor", { body: { accessor: "nope" } });
  assert.is(badAcc.status, 400);
  assert.match(badAcc.body.errors[0], /invalid accessor/);
  const root = await s.request("GET", "auth/token/lookup-self");
  assert.is(root.body.data.path, "auth/token/root");
  assert.is(root.body.data.ttl, 0);
  assert.is(root.body.data.expire_time, null);
  assert.is(root.body.data.renewable, false);
  assert.is(root.body.data.display_name, "root");
});

t("renew: same token back, increment, capped by the max TTL, root not renewable", async ({ s }) => {
  const tok = await mint(s, { policies: ["reader"], ttl: "1h" });
  // No increment: back to the token's own TTL, never the mount default (32 days).
  const first = await s.request("POST", "auth/token/renew-self", { token: tok });
  assert.is(first.status, 200);
  assert.is(first.body.auth.lease_duration, 3600);
  const self = await s.request("POST", "auth/token/renew-self", { token: tok, body: { increment: 600 } });
  assert.is(self.status, 200, self.text);
  assert.is(self.body.auth.client_token, tok);
  assert.is(self.body.auth.lease_duration, 600);
  const look = await s.request("GET", "auth/token/lookup-self", { token: tok });
  assert.ok(look.body.data.ttl <= 600 && look.body.data.ttl > 590);
  assert.type(look.body.data.last_renewal_time, "number");
  const byRoot = await s.request("POST", "auth/token/renew", { body: { token: tok, increment: "20m" } });
  assert.is(byRoot.status, 200);
  assert.is(byRoot.body.auth.client_token, tok);
  assert.is(byRoot.body.auth.lease_duration, 1200);
  // Vault stores the renewed TTL in the lease's auth: the next plain renew repeats it.
  const noInc = await s.request("POST", "auth/token/renew-self", { token: tok });
  assert.is(noInc.body.auth.lease_duration, 1200);

  const capped = await mint(s, { policies: ["reader"], ttl: "30s", explicit_max_ttl: "60s" });
  const over = await s.request("POST", "auth/token/renew-self", { token: capped, body: { increment: 3600 } });
  assert.is(over.status, 200);
  assert.ok(over.body.auth.lease_duration <= 60 && over.body.auth.lease_duration >= 58, String(over.body.auth.lease_duration));
  assert.ok(over.body.warnings?.some((w: string) => /capped/.test(w)), JSON.stringify(over.body.warnings));

  const accessor = (await s.request("GET", "auth/token/lookup-self", { token: tok })).body.data.accessor;
  const byAcc = await s.request("POST", "auth/token/renew-accessor", { body: { accessor } });
  assert.is(byAcc.status, 200);
  assert.is(byAcc.body.auth.client_token, "");

  const root = await s.request("POST", "auth/token/renew-self");
  assert.is(root.status, 400);
  assert.match(root.body.errors[0], /not renewable/);
  const nonRenewable = await mint(s, { policies: ["reader"], ttl: "1h", renewable: false });
  assert.is((await s.request("POST", "auth/token/renew-self", { token: nonRenewable })).status, 400);
});

t("revoke, revoke-self, revoke-accessor, revoke-orphan (sudo)", async ({ s }) => {
  const a = await mint(s, { policies: ["reader"], ttl: "1h" });
  assert.is((await s.request("POST", "auth/token/revoke", { body: { token: a } })).status, 204);
  assert.is(await selfStatus(s, a), 403);
  const missing = await s.request("POST", "auth/token/revoke", { body: {} });
  assert.is(missing.status, 400);
  assert.is((await s.request("POST", "auth/token/revoke", { body: { token: "hvs.AAAAAAAAAAAAAAAAAAAAAAAA" } })).status, 204);

  const b = await mint(s, { policies: ["reader"], ttl: "1h" });
  assert.is((await s.request("POST", "auth/token/revoke-self", { token: b })).status, 204);
  assert.is(await selfStatus(s, b), 403);

  const c = await create(s, { policies: ["reader"], ttl: "1h" });
  const ra = await s.request("POST", "auth/token/revoke-accessor", { body: { accessor: c.body.auth.accessor } });
  assert.is(ra.status, 204);
  assert.is(await selfStatus(s, c.body.auth.client_token), 403);
  const unknownAcc = await s.request("POST", "auth/token/revoke-accessor", { body: { accessor: "AAAAAAAAAAAAAAAAAAAAAAAA" } });
  assert.is(unknownAcc.status, 200);
  assert.ok(unknownAcc.body.warnings[0].includes("No token found"));

  // revoke-orphan needs sudo even when the ACL grants update.
  const creator = await mint(s, { policies: ["creator", "reader"], ttl: "1h" });
  const victim = await mint(s, { policies: ["reader"], ttl: "1h" });
  const denied = await s.request("POST", "auth/token/revoke-orphan", { token: creator, body: { token: victim } });
  assert.is(denied.status, 403);
  assert.is(await selfStatus(s, victim), 200);
});

t("the parent/child tree: revoke kills grandchildren, revoke-orphan keeps children", async ({ s }) => {
  const parent = await mint(s, { policies: ["creator", "reader"], ttl: "1h" });
  const child = await mint(s, { ttl: "30m" }, parent);
  const grandchild = await mint(s, { ttl: "10m" }, child);
  const orphanOfChild = await create(s, { policies: ["reader"], ttl: "10m" }, child, "auth/token/create-orphan");
  for (const tok of [parent, child, grandchild]) assert.is(await selfStatus(s, tok), 200);
  assert.is((await s.request("POST", "auth/token/revoke", { body: { token: parent } })).status, 204);
  for (const tok of [parent, child, grandchild]) assert.is(await selfStatus(s, tok), 403);
  assert.is(await selfStatus(s, orphanOfChild.body.auth.client_token), 200, "an orphan is outside the tree");

  const p2 = await mint(s, { policies: ["creator", "reader"], ttl: "1h" });
  const c2 = await mint(s, { ttl: "30m" }, p2);
  const g2 = await mint(s, { ttl: "10m" }, c2);
  assert.is((await s.request("POST", "auth/token/revoke-orphan", { body: { token: p2 } })).status, 204);
  assert.is(await selfStatus(s, p2), 403);
  assert.is(await selfStatus(s, c2), 200);
  assert.is(await selfStatus(s, g2), 200);
  const look = await s.request("GET", "auth/token/lookup-self", { token: c2 });
  assert.is(look.body.data.orphan, true);
  // c2's own subtree is still a tree.
  assert.is((await s.request("POST", "auth/token/revoke-self", { token: c2 })).status, 204);
  assert.is(await selfStatus(s, g2), 403);
});

t("expiry really ends a token", async ({ s }) => {
  // A TTL long enough for a busy machine, then the server's clock moves past it: no sleeping.
  const tok = await mint(s, { policies: ["reader"], ttl: "1m" });
  assert.is(await selfStatus(s, tok), 200);
  s.clock.advance(60_000);
  assert.is(await selfStatus(s, tok), 403);
  assert.is((await s.request("POST", "auth/token/lookup", { body: { token: tok } })).status, 403);
  assert.is((await s.request("POST", "auth/token/renew", { body: { token: tok } })).status, 403);
});

t("num_uses=3 under 30 concurrent requests: exactly 3 succeed, then the token is gone", async ({ s }) => {
  const r = await create(s, { policies: ["reader"], ttl: "1h", num_uses: 3 });
  const tok = r.body.auth.client_token;
  const statuses = await Promise.all(Array.from({ length: 30 }, () => selfStatus(s, tok)));
  assert.is(statuses.filter((x) => x === 200).length, 3, JSON.stringify(statuses));
  assert.is(statuses.filter((x) => x === 403).length, 27);
  assert.is(await selfStatus(s, tok), 403);
  assert.is((await s.request("POST", "auth/token/lookup-accessor", { body: { accessor: r.body.auth.accessor } })).status, 400);
  // lookup-self shows the already-decremented count.
  const two = await mint(s, { policies: ["reader"], ttl: "1h", num_uses: 3 });
  const look = await s.request("GET", "auth/token/lookup-self", { token: two });
  assert.is(look.body.data.num_uses, 2);
});

t("bound_cidrs: the loopback range works, another range is refused", async ({ s }) => {
  const ok = await mint(s, { policies: ["reader"], ttl: "1h", bound_cidrs: ["127.0.0.1/32"] });
  assert.is(await selfStatus(s, ok), 200);
  const far = await create(s, { policies: ["reader"], ttl: "1h", bound_cidrs: "10.0.0.0/8" });
  assert.is(far.status, 200);
  assert.is(await selfStatus(s, far.body.auth.client_token), 403);
  // The binding holds on every path, not just lookup-self; and children inherit it.
  assert.is((await s.request("POST", "auth/token/renew-self", { token: far.body.auth.client_token })).status, 403);
  const lookup = await s.request("POST", "auth/token/lookup-accessor", { body: { accessor: far.body.auth.accessor } });
  assert.equal(lookup.body.data.bound_cidrs, ["10.0.0.0/8"]);
  const mapped = await mint(s, { policies: ["reader"], ttl: "1h", bound_cidrs: ["::ffff:127.0.0.1/128"] });
  assert.is(await selfStatus(s, mapped), 200, "an IPv4-mapped CIDR matches the same IPv4 peer");
  // A child inherits its parent's binding; an orphan does not.
  await s.request("PUT", "sys/policies/acl/creator-bound", { body: { policy: CREATOR } });
  const boundParent = await mint(s, { policies: ["creator-bound"], ttl: "1h", bound_cidrs: ["127.0.0.1/32"] });
  const kid = await create(s, { ttl: "10m" }, boundParent);
  const kidLook = await s.request("POST", "auth/token/lookup-accessor", { body: { accessor: kid.body.auth.accessor } });
  assert.equal(kidLook.body.data.bound_cidrs, ["127.0.0.1/32"]);
  const bad = await create(s, { ttl: "1h", bound_cidrs: ["not-a-cidr"] });
  assert.is(bad.status, 400);
});

t("generated tokens are keyed by their creation time then the HMAC, and keys of later tokens sort after", async ({ s }) => {
  const tokens = s.server.core.tokens;
  const first = await mint(s, { policies: ["reader"], ttl: "1h" });
  s.clock.advance(5);
  const second = await mint(s, { policies: ["reader"], ttl: "1h" });
  for (const token of [first, second]) {
    assert.match(token, /^hvs\.[0-9A-Za-z]{36}$/);
    const key = tokens.hash(token);
    assert.is(key.slice(0, 8), token.slice(4, 12));
    assert.match(key.slice(8), /^[0-9a-f]{64}$/);
    assert.ok(await s.server.core.storage.tokens.get(key), "the row is under that key");
  }
  assert.ok(tokens.hash(first) < tokens.hash(second));
});

t("a custom id of the generated shape stored under the plain HMAC (before keys began with the time) still works", async ({ s }) => {
  const id = "hvs.Legacy" + "x".repeat(30);
  assert.is(id.length, 40);
  assert.is((await create(s, { id, policies: ["reader"], ttl: "1h" })).status, 200);
  const core = s.server.core;
  const row = await core.storage.tokens.get(core.tokens.hash(id));
  assert.ok(row);
  // Where an earlier release put it: the same row under the HMAC alone.
  const plain = (core.tokens as unknown as { hmac(token: string): string }).hmac(id);
  assert.is.not(plain, row.idHash);
  assert.is(await core.storage.tokens.revokeOrphan(row.idHash), 1);
  assert.ok(await core.storage.tokens.insert({ ...row, idHash: plain }));
  assert.is(await selfStatus(s, id), 200, "lookup-self (the fast path's read)");
  const looked = await s.request("POST", "auth/token/lookup", { body: { token: id } });
  assert.is(looked.status, 200, looked.text);
  assert.is(looked.body.data.accessor, row.accessor);
  assert.is((await s.request("POST", "auth/token/revoke-self", { token: id })).status, 204);
  assert.is(await selfStatus(s, id), 403);
  assert.is(await core.storage.tokens.get(plain), undefined);
});

t("the token mount's tune sets create TTLs", async ({ s }) => {
  const tune = await s.request("POST", "sys/mounts/auth/token/tune", { body: { default_lease_ttl: "30m", max_lease_ttl: "1h" } });
  assert.is(tune.status, 204, tune.text);
  const read = await s.request("GET", "sys/mounts/auth/token/tune");
  assert.is(read.body.data.default_lease_ttl, 1800);
  assert.is(read.body.data.max_lease_ttl, 3600);
  const dflt = await create(s, { policies: ["reader"] });
  assert.is(dflt.body.auth.lease_duration, 1800);
  const long = await create(s, { policies: ["reader"], ttl: "5h" });
  assert.is(long.body.auth.lease_duration, 3600);
  assert.ok(long.body.warnings?.some((w: string) => /max_ttl/.test(w)));
  const renew = await s.request("POST", "auth/token/renew-self", { token: dflt.body.auth.client_token, body: { increment: "5h" } });
  assert.ok(renew.body.auth.lease_duration <= 3600 && renew.body.auth.lease_duration > 3500);
  const reset = await s.request("POST", "sys/mounts/auth/token/tune", { body: { default_lease_ttl: "system", max_lease_ttl: "system" } });
  assert.is(reset.status, 204);
  assert.is((await create(s, { policies: ["reader"] })).body.auth.lease_duration, 2764800);
});

t.run();

// ---------------------------------------------------------------- X-Forwarded-For (OpenBao's six subtests)

interface Xff {
  addrs: string[];
  hopSkips?: number;
  rejectNotAuthorized?: boolean;
  rejectNotPresent?: boolean;
}
const xffConfig = (x: Xff) => (c: ServerConfig) => {
  const l = c.listeners[0]!;
  l.xForwardedForAuthorizedAddrs = x.addrs;
  l.xForwardedForHopSkips = x.hopSkips ?? 0;
  l.xForwardedForRejectNotAuthorized = x.rejectNotAuthorized ?? true;
  l.xForwardedForRejectNotPresent = x.rejectNotPresent ?? true;
};

/** lookup-self with raw header lines (several X-Forwarded-For lines stay separate on the wire). */
function rawLookup(s: TestServer, token: string, xff: string[]): Promise<{ status: number; text: string }> {
  return rawRequest(s, "GET", "/v1/auth/token/lookup-self", { "X-Vault-Token": token, "X-Forwarded-For": xff });
}

/**
 * Which address the server saw: tokens bound to `expected`/32 must work and tokens bound to the
 * other candidates must not. The tokens are minted by root (whose own CIDR check does not apply).
 */
async function assertSeenAs(s: TestServer, xff: string[], expected: string, others: string[]): Promise<void> {
  const createXff = { "x-forwarded-for": "9.9.9.9, 9.9.9.9, 9.9.9.9" };
  for (const addr of [expected, ...others]) {
    const r = await s.request("POST", "auth/token/create", { body: { ttl: "1h", policies: ["default"], bound_cidrs: [`${addr}/32`] }, headers: createXff });
    assert.is(r.status, 200, r.text);
    const seen = await rawLookup(s, r.body.auth.client_token, xff);
    assert.is(seen.status, addr === expected ? 200 : 403, `bound to ${addr}, XFF ${JSON.stringify(xff)}: ${seen.text}`);
  }
}

const xff = suite("tokens: X-Forwarded-For");

xff("reject_not_present", async () => {
  const s = await startTestServer({ configure: xffConfig({ addrs: ["127.0.0.1/32"] }) });
  try {
    const r = await s.request("GET", "auth/token/lookup-self");
    assert.is(r.status, 400);
    assert.match(r.body.errors[0], /missing x-forwarded-for/);
    await assertSeenAs(s, ["1.2.3.4"], "1.2.3.4", ["127.0.0.1"]);
  } finally {
    await s.close();
  }
});

xff("allow_unauth", async () => {
  const s = await startTestServer({ configure: xffConfig({ addrs: ["1.2.3.4/32"], rejectNotAuthorized: false }) });
  try {
    await assertSeenAs(s, ["5.6.7.8"], "127.0.0.1", ["5.6.7.8"]);
  } finally {
    await s.close();
  }
});

xff("fail_unauth", async () => {
  const s = await startTestServer({ configure: xffConfig({ addrs: ["1.2.3.4/32"] }) });
  try {
    const r = await s.request("GET", "auth/token/lookup-self", { headers: { "x-forwarded-for": "5.6.7.8" } });
    assert.is(r.status, 400);
    assert.match(r.body.errors[0], /not authorized for x-forwarded-for/);
  } finally {
    await s.close();
  }
});

xff("too_many_hops", async () => {
  const s = await startTestServer({ configure: xffConfig({ addrs: ["127.0.0.1/32"], hopSkips: 4 }) });
  try {
    const r = await s.request("GET", "auth/token/lookup-self", { headers: { "x-forwarded-for": "2.3.4.5,4.5.6.7" } });
    assert.is(r.status, 400);
    assert.match(r.body.errors[0], /would skip before earliest/);
  } finally {
    await s.close();
  }
});

xff("correct_hop_skipping and correct_hop_skipping_multi_header", async () => {
  const s = await startTestServer({ configure: xffConfig({ addrs: ["127.0.0.1/32"], hopSkips: 1 }) });
  try {
    await assertSeenAs(s, ["2.3.4.5,4.5.6.7,5.6.7.8"], "4.5.6.7", ["5.6.7.8", "2.3.4.5", "127.0.0.1"]);
    await assertSeenAs(s, ["2.3.4.5", "4.5.6.7, 5.6.7.8"], "4.5.6.7", ["5.6.7.8", "2.3.4.5", "127.0.0.1"]);
  } finally {
    await s.close();
  }
});

xff("left-most spoofing is ignored; an IPv4-mapped forwarded address is the IPv4 address", async () => {
  const s = await startTestServer({ configure: xffConfig({ addrs: ["127.0.0.1/32"] }) });
  try {
    await assertSeenAs(s, ["10.9.9.9, 1.2.3.4"], "1.2.3.4", ["10.9.9.9"]);
    const r = await s.request("POST", "auth/token/create", { body: { ttl: "1h", bound_cidrs: ["10.0.0.0/8"] }, headers: { "x-forwarded-for": "9.9.9.9" } });
    const tok = r.body.auth.client_token;
    assert.is((await rawLookup(s, tok, ["::ffff:10.1.2.3"])).status, 200);
    assert.is((await rawLookup(s, tok, ["10.1.2.3, 192.168.1.1"])).status, 403, "left-most entry must not count");
    assert.is((await rawLookup(s, tok, ["not-an-ip"])).status, 400);
  } finally {
    await s.close();
  }
});

xff.run();

// ---------------------------------------------------------------- restart durability

const restart = suite("tokens: restart");
restart("a revoked token stays revoked after a restart on the same data directory; a live one survives", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "warden-restart-"));
  try {
    const s1 = await startTestServer({ dataDir });
    const root = s1.rootToken;
    assert.is((await s1.request("PUT", "sys/policies/acl/creator", { body: { policy: CREATOR } })).status, 204);
    const dead = await mint(s1, { policies: ["creator"], ttl: "1h" });
    const alive = await mint(s1, { policies: ["default"], ttl: "1h" });
    const deadChild = await mint(s1, { ttl: "1h" }, dead);
    assert.is((await s1.request("POST", "auth/token/revoke", { body: { token: dead } })).status, 204);
    await s1.close();
    const s2 = await startTestServer({ dataDir });
    try {
      s2.rootToken = root;
      assert.is(await selfStatus(s2, root), 200);
      assert.is(await selfStatus(s2, dead), 403);
      assert.is(await selfStatus(s2, deadChild), 403);
      assert.is(await selfStatus(s2, alive), 200);
    } finally {
      await s2.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
restart.run();

/**
 * The storage contract as tests, shared by every adapter: each adapter's test file calls
 * storageContract() with a function that opens a fresh, empty Storage. Each case gets its own
 * storage (before.each), so cases cannot leak state into one another.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { MountRecord, Storage, TokenRecord } from "../../src/storage/types.js";

interface Ctx {
  s: Storage;
}

export type OpenStorage = () => Promise<Storage>;

let seq = 0;
export function token(overrides: Partial<TokenRecord> = {}): TokenRecord {
  seq++;
  return {
    idHash: `h${seq.toString(16).padStart(63, "0")}`,
    accessor: `acc${seq}`,
    parentHash: null,
    policies: ["default"],
    path: "auth/token/create",
    mountAccessor: "auth_token_1",
    meta: {},
    displayName: "token",
    numUses: 0,
    createdAt: 1_700_000_000_000,
    ttl: 3600,
    expiresAt: 0,
    explicitMaxTtl: 0,
    maxTtl: 0,
    period: 0,
    renewable: true,
    lastRenewalAt: 0,
    entityId: "",
    boundCidrs: [],
    role: "",
    auth: null,
    ...overrides,
  };
}

export function mount(overrides: Partial<MountRecord> = {}): MountRecord {
  seq++;
  return {
    path: `auth/m${seq}/`,
    type: "approle",
    accessor: `auth_approle_${seq}`,
    uuid: `uuid-${seq}`,
    description: "",
    config: { default_lease_ttl: 0 },
    options: {},
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

/** Settles every promise and splits the outcomes, so one rejection cannot hide the others. */
async function settle<T>(ps: Promise<T>[]): Promise<{ ok: T[]; errors: unknown[] }> {
  const rs = await Promise.allSettled(ps);
  return {
    ok: rs.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])),
    errors: rs.flatMap((r) => (r.status === "rejected" ? [r.reason] : [])),
  };
}

function makeSuite(title: string, open: OpenStorage) {
  const s = suite<Ctx>(title, {} as Ctx);
  s.before.each(async (ctx) => {
    ctx.s = await open();
  });
  s.after.each(async (ctx) => {
    await ctx.s.close();
  });
  return s;
}

export function storageContract(name: string, open: OpenStorage): void {
  tokenSuite(name, open);
  revocationSuite(name, open);
  mountPolicySystemSuite(name, open);
  kvSuite(name, open);
}

function tokenSuite(name: string, open: OpenStorage) {
  const t = makeSuite(`${name}: tokens`, open);

  t("insert then get and getByAccessor return the record unchanged", async ({ s }) => {
    const parent = token();
    const rec = token({
      parentHash: parent.idHash,
      policies: ["a", "b"],
      meta: { role: "r1", "x-y": "z" },
      numUses: 7,
      expiresAt: 1_700_000_360_000,
      explicitMaxTtl: 10,
      maxTtl: 20,
      period: 30,
      renewable: false,
      lastRenewalAt: 1_700_000_100_000,
      entityId: "ent-1",
      boundCidrs: ["10.0.0.0/8", "::1/128"],
      role: "ci",
      auth: { alias: "al", metadata: { k: "v" }, internal: { n: 1, nested: { ok: true } } },
    });
    await s.tokens.insert(parent);
    await s.tokens.insert(rec);
    assert.equal(await s.tokens.get(rec.idHash), rec);
    assert.equal(await s.tokens.getByAccessor(rec.accessor), rec);
    assert.equal(await s.tokens.get(parent.idHash), parent);
  });

  t("get and getByAccessor of unknown ids are undefined", async ({ s }) => {
    await s.tokens.insert(token());
    assert.is(await s.tokens.get("nope"), undefined);
    assert.is(await s.tokens.getByAccessor("nope"), undefined);
  });

  t("use counts down, marks the last use -1, then refuses", async ({ s }) => {
    const rec = token({ numUses: 3 });
    await s.tokens.insert(rec);
    assert.is(await s.tokens.use(rec.idHash), 2);
    assert.is((await s.tokens.get(rec.idHash))?.numUses, 2);
    assert.is(await s.tokens.use(rec.idHash), 1);
    assert.is(await s.tokens.use(rec.idHash), -1);
    assert.is(await s.tokens.use(rec.idHash), undefined);
    assert.is((await s.tokens.get(rec.idHash))?.numUses, -1);
    assert.is(await s.tokens.use("missing"), undefined);
  });

  t("use: 50 concurrent calls on num_uses=5 give exactly 5 uses, the last one -1", async ({ s }) => {
    const rec = token({ numUses: 5 });
    await s.tokens.insert(rec);
    const { ok, errors } = await settle(Array.from({ length: 50 }, () => s.tokens.use(rec.idHash)));
    assert.is(errors.length, 0);
    const taken = ok.filter((v): v is number => v !== undefined).sort((a, b) => b - a);
    assert.equal(taken, [4, 3, 2, 1, -1]);
    assert.is(ok.filter((v) => v === undefined).length, 45);
    assert.is((await s.tokens.get(rec.idHash))?.numUses, -1);
  });

  t("renew updates ttl, expiry and last renewal; false for a missing token", async ({ s }) => {
    const rec = token({ ttl: 60, expiresAt: 1000, lastRenewalAt: 0 });
    const other = token({ ttl: 60, expiresAt: 1000 });
    await s.tokens.insert(rec);
    await s.tokens.insert(other);
    assert.is(await s.tokens.renew(rec.idHash, { ttl: 120, expiresAt: 5000, lastRenewalAt: 4000 }), true);
    assert.equal(await s.tokens.get(rec.idHash), { ...rec, ttl: 120, expiresAt: 5000, lastRenewalAt: 4000 });
    assert.equal(await s.tokens.get(other.idHash), other);
    assert.is(await s.tokens.renew("missing", { ttl: 1, expiresAt: 1, lastRenewalAt: 1 }), false);
  });

  t("listAccessors is sorted and complete; count counts", async ({ s }) => {
    assert.is(await s.tokens.count(), 0);
    assert.equal(await s.tokens.listAccessors(), []);
    await s.tokens.insert(token({ accessor: "c" }));
    await s.tokens.insert(token({ accessor: "a" }));
    await s.tokens.insert(token({ accessor: "b" }));
    assert.equal(await s.tokens.listAccessors(), ["a", "b", "c"]);
    assert.is(await s.tokens.count(), 3);
  });

  t("batch failure: a duplicate accessor rejects only its own insert", async ({ s }) => {
    const a = token({ accessor: "same" });
    const dup = token({ accessor: "same" });
    const c = token();
    // Issued in one tick, so they share one group-commit transaction.
    const r = await Promise.allSettled([s.tokens.insert(a), s.tokens.insert(dup), s.tokens.insert(c)]);
    assert.equal(
      r.map((x) => x.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    assert.ok(await s.tokens.get(a.idHash));
    assert.ok(await s.tokens.get(c.idHash));
    assert.is(await s.tokens.get(dup.idHash), undefined);
    assert.is(await s.tokens.count(), 2);
  });

  t("batch failure: a duplicate id rejects and keeps the original row", async ({ s }) => {
    const a = token({ displayName: "first" });
    await s.tokens.insert(a);
    const again = { ...token(), idHash: a.idHash, displayName: "second" };
    const r = await Promise.allSettled([s.tokens.insert(again), s.system.put("k", "v")]);
    assert.is(r[0].status, "rejected");
    assert.is(r[1].status, "fulfilled");
    assert.is((await s.tokens.get(a.idHash))?.displayName, "first");
    assert.is(await s.system.get("k"), "v");
  });

  t.run();
}

function revocationSuite(name: string, open: OpenStorage) {
  const t = makeSuite(`${name}: revocation`, open);

  t("revokeTree removes a 3-level tree and nothing else", async ({ s }) => {
    const root = token();
    const c1 = token({ parentHash: root.idHash });
    const c2 = token({ parentHash: root.idHash });
    const g1 = token({ parentHash: c1.idHash });
    const sibling = token();
    const siblingChild = token({ parentHash: sibling.idHash });
    for (const x of [root, c1, c2, g1, sibling, siblingChild]) await s.tokens.insert(x);
    assert.is(await s.tokens.revokeTree(root.idHash), 4);
    for (const x of [root, c1, c2, g1]) assert.is(await s.tokens.get(x.idHash), undefined);
    assert.ok(await s.tokens.get(sibling.idHash));
    assert.ok(await s.tokens.get(siblingChild.idHash));
    assert.is(await s.tokens.revokeTree(root.idHash), 0);
  });

  t("revokeTree of a subtree leaves its parent", async ({ s }) => {
    const root = token();
    const c1 = token({ parentHash: root.idHash });
    const g1 = token({ parentHash: c1.idHash });
    for (const x of [root, c1, g1]) await s.tokens.insert(x);
    assert.is(await s.tokens.revokeTree(c1.idHash), 2);
    assert.ok(await s.tokens.get(root.idHash));
    assert.is(await s.tokens.count(), 1);
  });

  t("revokeOrphan removes only the token; children become orphans", async ({ s }) => {
    const root = token();
    const c1 = token({ parentHash: root.idHash });
    const c2 = token({ parentHash: root.idHash });
    const g1 = token({ parentHash: c1.idHash });
    for (const x of [root, c1, c2, g1]) await s.tokens.insert(x);
    assert.is(await s.tokens.revokeOrphan(root.idHash), 1);
    assert.is(await s.tokens.get(root.idHash), undefined);
    assert.is((await s.tokens.get(c1.idHash))?.parentHash, null);
    assert.is((await s.tokens.get(c2.idHash))?.parentHash, null);
    assert.is((await s.tokens.get(g1.idHash))?.parentHash, c1.idHash);
    // Orphaned children are no longer reached through the revoked parent.
    assert.is(await s.tokens.revokeTree(root.idHash), 0);
    assert.is(await s.tokens.count(), 3);
    assert.is(await s.tokens.revokeOrphan("missing"), 0);
  });

  t("revokeByPathPrefix: `_`, `%` and case in the prefix are literal", async ({ s }) => {
    const paths = [
      "auth/a_b/login",
      "auth/a_b/login/x",
      "auth/axb/login",
      "auth/A_b/login",
      "auth/a_b",
      "auth/a%c/login",
      "auth/abc/login",
      "auth/a%c",
    ];
    const recs = paths.map((path) => token({ path }));
    for (const r of recs) await s.tokens.insert(r);
    assert.is(await s.tokens.revokeByPathPrefix("auth/a_b/"), 2);
    assert.is(await s.tokens.revokeByPathPrefix("auth/a%c/"), 1);
    const left = (await Promise.all(recs.map((r) => s.tokens.get(r.idHash)))).flatMap((r) => (r ? [r.path] : []));
    assert.equal(left.sort(), ["auth/A_b/login", "auth/a%c", "auth/a_b", "auth/abc/login", "auth/axb/login"]);
  });

  t("revokeByPathPrefix takes descendants on other paths, and non-ASCII paths", async ({ s }) => {
    const login = token({ path: "auth/approle/login" });
    const child = token({ path: "auth/token/create", parentHash: login.idHash });
    const uni = token({ path: "auth/ü/login" });
    const other = token({ path: "auth/approle2/login" });
    for (const x of [login, child, uni, other]) await s.tokens.insert(x);
    assert.is(await s.tokens.revokeByPathPrefix("auth/approle/"), 2);
    assert.is(await s.tokens.get(child.idHash), undefined);
    assert.is(await s.tokens.revokeByPathPrefix("auth/ü/"), 1);
    assert.ok(await s.tokens.get(other.idHash));
  });

  t("revokeExpired: oldest first, at most `limit` roots, with descendants; never the non-expiring", async ({ s }) => {
    const now = 1_000_000;
    const expired = [5, 1, 4, 2, 3].map((i) => token({ expiresAt: now - i * 1000 }));
    // Not expired itself, but goes with its expired parent.
    const childOfOldest = token({ parentHash: expired[0].idHash, expiresAt: now + 60_000 });
    const forever = token({ expiresAt: 0 });
    const live = token({ expiresAt: now + 1000 });
    for (const x of [...expired, childOfOldest, forever, live]) await s.tokens.insert(x);
    // Roots: the two oldest (-5000 and -4000); the first one's child goes with it.
    assert.is(await s.tokens.revokeExpired(now, 2), 3);
    assert.is(await s.tokens.get(expired[0].idHash), undefined);
    assert.is(await s.tokens.get(expired[2].idHash), undefined);
    assert.is(await s.tokens.get(childOfOldest.idHash), undefined);
    assert.ok(await s.tokens.get(expired[1].idHash));
    assert.is(await s.tokens.revokeExpired(now, 100), 3);
    assert.is(await s.tokens.count(), 2);
    assert.ok(await s.tokens.get(forever.idHash));
    assert.ok(await s.tokens.get(live.idHash));
    assert.is(await s.tokens.revokeExpired(now, 100), 0);
  });

  t.run();
}

function mountPolicySystemSuite(name: string, open: OpenStorage) {
  const t = makeSuite(`${name}: mounts, policies, system`, open);

  t("mounts: insert, list, update, delete; a taken path gives false", async ({ s }) => {
    const m = mount({ path: "auth/b/", config: { max_lease_ttl: 60, nested: { x: [1, 2] } } });
    const n = mount({ path: "auth/a/" });
    assert.is(await s.mounts.insert(m), true);
    assert.is(await s.mounts.insert(n), true);
    assert.is(await s.mounts.insert({ ...mount(), path: m.path }), false);
    assert.equal(await s.mounts.list(), [n, m]);
    const changed = { ...m, description: "new", config: { max_lease_ttl: 120 }, options: { version: "2" } };
    await s.mounts.update(changed);
    assert.equal(await s.mounts.list(), [n, changed]);
    assert.is(await s.mounts.delete(m.path), true);
    assert.is(await s.mounts.delete(m.path), false);
    assert.equal(await s.mounts.list(), [n]);
  });

  t("mounts: 20 concurrent inserts of one path, exactly one wins", async ({ s }) => {
    const rs = await Promise.all(Array.from({ length: 20 }, () => s.mounts.insert(mount({ path: "auth/race/" }))));
    assert.is(rs.filter(Boolean).length, 1);
    assert.is((await s.mounts.list()).length, 1);
  });

  t("policies: put, get, overwrite, list sorted, delete", async ({ s }) => {
    await s.policies.put({ name: "zeta", text: 'path "a" {}', updatedAt: 1 });
    await s.policies.put({ name: "alpha", text: 'path "b" {}', updatedAt: 2 });
    await s.policies.put({ name: "zeta", text: 'path "c" {}', updatedAt: 3 });
    assert.equal(await s.policies.get("zeta"), { name: "zeta", text: 'path "c" {}', updatedAt: 3 });
    assert.is(await s.policies.get("nope"), undefined);
    assert.equal(
      (await s.policies.list()).map((p) => p.name),
      ["alpha", "zeta"],
    );
    assert.is(await s.policies.delete("zeta"), true);
    assert.is(await s.policies.delete("zeta"), false);
    assert.is(await s.policies.get("zeta"), undefined);
  });

  t("system: get, put overwrites, delete", async ({ s }) => {
    assert.is(await s.system.get("k"), undefined);
    await s.system.put("k", "1");
    await s.system.put("k", "2");
    assert.is(await s.system.get("k"), "2");
    await s.system.delete("k");
    assert.is(await s.system.get("k"), undefined);
  });

  t("system.putIfAbsent: 20 racers, one winner whose value is stored", async ({ s }) => {
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => s.system.putIfAbsent("init", `v${i}`)));
    const winners = rs.flatMap((won, i) => (won ? [i] : []));
    assert.is(winners.length, 1);
    assert.is(await s.system.get("init"), `v${winners[0]}`);
    assert.is(await s.system.putIfAbsent("init", "late"), false);
    assert.is(await s.system.get("init"), `v${winners[0]}`);
  });

  t("ping is true while open; kind is set", async ({ s }) => {
    assert.is(await s.ping(), true);
    assert.ok(s.kind === "sqlite" || s.kind === "postgresql");
  });

  t.run();
}

function kvSuite(name: string, open: OpenStorage) {
  const t = makeSuite(`${name}: kv and claims`, open);

  t("kv: JSON values round-trip; put overwrites; delete reports", async ({ s }) => {
    const values: unknown[] = [{ a: [1, "2", { b: null }] }, [1, 2], 42, "text", true, null];
    for (const [i, v] of values.entries()) await s.kv.put("ns", `k${i}`, v);
    for (const [i, v] of values.entries()) assert.equal(await s.kv.get("ns", `k${i}`), v);
    await s.kv.put("ns", "k0", { replaced: true });
    assert.equal(await s.kv.get("ns", "k0"), { replaced: true });
    assert.is(await s.kv.get("ns", "missing"), undefined);
    assert.is(await s.kv.get("other", "k0"), undefined);
    assert.is(await s.kv.delete("ns", "k0"), true);
    assert.is(await s.kv.delete("ns", "k0"), false);
    assert.is(await s.kv.get("ns", "k0"), undefined);
  });

  t("kv.listKeys: prefix is literal, sorted, per namespace", async ({ s }) => {
    for (const k of ["role/b", "role/a", "role_x", "rolex/1", "role%/2", "Role/c", "secret/1"]) await s.kv.put("ns", k, 1);
    await s.kv.put("other", "role/zz", 1);
    assert.equal(await s.kv.listKeys("ns", "role/"), ["role/a", "role/b"]);
    assert.equal(await s.kv.listKeys("ns", "role_"), ["role_x"]);
    assert.equal(await s.kv.listKeys("ns", "role%"), ["role%/2"]);
    assert.equal(await s.kv.listKeys("ns", ""), ["Role/c", "role%/2", "role/a", "role/b", "role_x", "rolex/1", "secret/1"]);
    assert.equal(await s.kv.listKeys("empty", ""), []);
  });

  t("kv.deleteNamespace drops its keys and claims, not other namespaces'", async ({ s }) => {
    const later = Date.now() + 60_000;
    await s.kv.put("gone", "a", 1);
    await s.kv.put("kept", "a", 2);
    assert.is(await s.kv.claimOnce("gone", "nonce", later), true);
    assert.is(await s.kv.claimOnce("kept", "nonce", later), true);
    await s.kv.deleteNamespace("gone");
    assert.equal(await s.kv.listKeys("gone", ""), []);
    assert.is(await s.kv.get("kept", "a"), 2);
    assert.is(await s.kv.claimOnce("gone", "nonce", later), true);
    assert.is(await s.kv.claimOnce("kept", "nonce", later), false);
  });

  t("claimOnce: first claim wins, a live claim refuses, namespaces are separate", async ({ s }) => {
    const later = Date.now() + 60_000;
    assert.is(await s.kv.claimOnce("ns", "n1", later), true);
    assert.is(await s.kv.claimOnce("ns", "n1", later), false);
    assert.is(await s.kv.claimOnce("ns", "n2", later), true);
    assert.is(await s.kv.claimOnce("ns2", "n1", later), true);
  });

  t("claimOnce: 50 concurrent claims of one key, exactly one true", async ({ s }) => {
    const later = Date.now() + 60_000;
    const rs = await Promise.all(Array.from({ length: 50 }, () => s.kv.claimOnce("ns", "nonce", later)));
    assert.is(rs.filter(Boolean).length, 1);
  });

  t("claimOnce: an expired claim can be claimed again, once", async ({ s }) => {
    assert.is(await s.kv.claimOnce("ns", "n", Date.now() - 1), true);
    const later = Date.now() + 60_000;
    const rs = await Promise.all([s.kv.claimOnce("ns", "n", later), s.kv.claimOnce("ns", "n", later)]);
    assert.equal(rs.sort(), [false, true]);
    assert.is(await s.kv.claimOnce("ns", "n", later), false);
  });

  t("pruneClaims removes only expired claims, at most `limit`", async ({ s }) => {
    const now = Date.now();
    for (let i = 0; i < 5; i++) await s.kv.claimOnce("ns", `old${i}`, now - 1000 - i);
    await s.kv.claimOnce("ns", "live", now + 60_000);
    await s.kv.claimOnce("ns", "forever", 0);
    assert.is(await s.kv.pruneClaims(now, 3), 3);
    assert.is(await s.kv.pruneClaims(now, 100), 2);
    assert.is(await s.kv.pruneClaims(now, 100), 0);
    assert.is(await s.kv.claimOnce("ns", "live", now + 60_000), false);
    assert.is(await s.kv.claimOnce("ns", "forever", now + 60_000), false);
    // Pruned ones were really gone (claimable again).
    assert.is(await s.kv.claimOnce("ns", "old0", now + 60_000), true);
  });

  t.run();
}

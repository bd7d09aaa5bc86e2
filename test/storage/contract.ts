/**
 * The storage contract as tests, shared by every adapter: each adapter's test file calls
 * storageContract() with a function that opens a fresh, empty Storage. Each case gets its own
 * storage (before.each), so cases cannot leak state into one another.
 */
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type EntityAliasRecord, type EntityRecord, type GroupRecord, MAX_TOKEN_DEPTH, type MountRecord, type Storage, type TokenRecord } from "../../src/storage/types.js";

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
    loginRole: "",
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

export function entity(overrides: Partial<EntityRecord> = {}): EntityRecord {
  seq++;
  return {
    id: `ent-${seq}`,
    name: `entity_${seq}`,
    policies: ["default"],
    metadata: {},
    disabled: false,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function entityAlias(entityId: string, overrides: Partial<EntityAliasRecord> = {}): EntityAliasRecord {
  seq++;
  return {
    id: `alias-${seq}`,
    entityId,
    mountAccessor: "auth_approle_1",
    name: `principal-${seq}`,
    metadata: {},
    createdAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function group(overrides: Partial<GroupRecord> = {}): GroupRecord {
  seq++;
  return {
    id: `grp-${seq}`,
    name: `group_${seq}`,
    policies: [],
    memberEntityIds: [],
    metadata: {},
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

const byId = <T extends { id: string }>(xs: T[]): T[] => [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

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
  countedSuite(name, open);
  identitySuite(name, open);
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

  t("get and getByAccessor carry the earliest expiry of the token's ancestors, and follow renewals", async ({ s }) => {
    const grand = token({ expiresAt: 9_000 });
    const parent = token({ parentHash: grand.idHash, expiresAt: 0 });
    const child = token({ parentHash: parent.idHash, expiresAt: 20_000 });
    const orphan = token({ expiresAt: 5_000 });
    for (const r of [grand, parent, child, orphan]) await s.tokens.insert(r);
    assert.equal(await s.tokens.get(child.idHash), { ...child, ancestorExpiresAt: 9_000 });
    assert.equal(await s.tokens.getByAccessor(child.accessor), { ...child, ancestorExpiresAt: 9_000 });
    assert.equal(await s.tokens.get(parent.idHash), { ...parent, ancestorExpiresAt: 9_000 });
    assert.equal(await s.tokens.get(grand.idHash), grand, "no ancestor: no field");
    assert.equal(await s.tokens.get(orphan.idHash), orphan);
    await s.tokens.renew(grand.idHash, { ttl: 60, expiresAt: 30_000, lastRenewalAt: 1 });
    assert.is((await s.tokens.get(child.idHash))?.ancestorExpiresAt, 30_000, "a renewed ancestor is seen at once");
    await s.tokens.revokeOrphan(grand.idHash);
    assert.equal(await s.tokens.get(child.idHash), child, "no expiring ancestor left");
  });

  t("a token MAX_TOKEN_DEPTH generations below its root reads as expired (the walk is bounded)", async ({ s }) => {
    const chain = [token()];
    for (let i = 1; i <= MAX_TOKEN_DEPTH; i++) chain.push(token({ parentHash: chain[i - 1]!.idHash }));
    for (const r of chain) await s.tokens.insert(r);
    assert.equal(await s.tokens.get(chain[MAX_TOKEN_DEPTH - 1]!.idHash), chain[MAX_TOKEN_DEPTH - 1], "just above the bound: no expiring ancestor");
    assert.is((await s.tokens.get(chain[MAX_TOKEN_DEPTH]!.idHash))?.ancestorExpiresAt, 1);
    assert.is((await s.tokens.getByAccessor(chain[MAX_TOKEN_DEPTH]!.accessor))?.ancestorExpiresAt, 1);
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

  t("insertCapped with a role: 20 concurrent inserts of that role under max 5 store exactly 5; other roles, other mounts and expired tokens hold no slot", async ({ s }) => {
    const NOW = 1_700_000_000_000;
    const cap = { key: "q-role", path: "auth/approle/", exact: false, role: "web", max: 5, now: NOW };
    const at = (o: Partial<TokenRecord>) => token({ path: "auth/approle/login", expiresAt: NOW + 60_000, loginRole: "web", ...o });
    // Not counted: another role on the mount, the role on another mount, the role's expired token.
    for (const o of [{ loginRole: "db" }, { loginRole: "" }, { path: "auth/approle2/login" }, { expiresAt: NOW - 1 }]) assert.is(await s.tokens.insert(at(o)), true);
    const tries = Array.from({ length: 20 }, () => at({}));
    const { ok, errors } = await settle(tries.map((r) => s.tokens.insertCapped(r, cap)));
    assert.is(errors.length, 0);
    assert.is(ok.filter((v) => v === true).length, 5);
    assert.is(ok.filter((v) => v === "full").length, 15);
    // The stored record keeps its login role; another role still inserts under its own cap.
    const stored = tries.filter((_, i) => ok[i] === true)[0]!;
    assert.is((await s.tokens.get(stored.idHash))?.loginRole, "web");
    assert.is(await s.tokens.insertCapped(at({ loginRole: "db" }), { ...cap, key: "q-db", role: "db", max: 2 }), true);
    assert.is(await s.tokens.insertCapped(at({ loginRole: "db" }), { ...cap, key: "q-db", role: "db", max: 2 }), "full");
    // A revocation frees a slot of that role.
    assert.is(await s.tokens.revokeTree(stored.idHash), 1);
    assert.is(await s.tokens.insertCapped(at({}), cap), true);
    assert.is(await s.tokens.insertCapped(at({}), cap), "full");
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

  t("a child whose parent is gone is refused, and no child outlives a parent revoked meanwhile", async ({ s }) => {
    assert.is(await s.tokens.insert(token({ parentHash: "no-such-parent" })), false);
    const parent = token();
    assert.is(await s.tokens.insert(parent), true);
    const children = Array.from({ length: 20 }, () => token({ parentHash: parent.idHash }));
    const inserted = children.map((c) => s.tokens.insert(c));
    const revoked = s.tokens.revokeTree(parent.idHash);
    await Promise.all([...inserted, revoked]);
    assert.is(await s.tokens.get(parent.idHash), undefined);
    for (const c of children) assert.is(await s.tokens.get(c.idHash), undefined, "a child survived its revoked parent");
  });

  t("get reads the entity's disabled flag with the token, in the same statement", async ({ s }) => {
    const on = entity();
    const off = entity({ disabled: true });
    assert.ok(await s.identity.insertEntity(on));
    assert.ok(await s.identity.insertEntity(off));
    const plain = token();
    const ofOn = token({ entityId: on.id });
    const ofOff = token({ entityId: off.id });
    for (const t of [plain, ofOn, ofOff]) await s.tokens.insert(t);
    assert.is((await s.tokens.get(plain.idHash))!.entityDisabled, undefined);
    assert.is((await s.tokens.get(ofOn.idHash))!.entityDisabled, undefined);
    assert.is((await s.tokens.get(ofOff.idHash))!.entityDisabled, true);
    assert.ok(await s.identity.updateEntity({ ...off, disabled: false }));
    assert.is((await s.tokens.get(ofOff.idHash))!.entityDisabled, undefined, "enabling again is seen by the next read");
  });

  t("revokeByEntity removes the entity's tokens with their descendants, and nothing else", async ({ s }) => {
    const a1 = token({ entityId: "ent-a" });
    const a1child = token({ parentHash: a1.idHash });
    const a1grandchild = token({ parentHash: a1child.idHash, entityId: "ent-b" });
    const a2 = token({ entityId: "ent-a", path: "auth/approle/login" });
    const b1 = token({ entityId: "ent-b" });
    const b1child = token({ parentHash: b1.idHash, entityId: "ent-b" });
    const none = token({ entityId: "" });
    const noneChild = token({ parentHash: none.idHash });
    const prefixLike = token({ entityId: "ent-a2" });
    const all = [a1, a1child, a1grandchild, a2, b1, b1child, none, noneChild, prefixLike];
    for (const x of all) await s.tokens.insert(x);
    assert.is(await s.tokens.revokeByEntity("ent-a"), 4);
    for (const x of [a1, a1child, a1grandchild, a2]) assert.is(await s.tokens.get(x.idHash), undefined);
    for (const x of [b1, b1child, none, noneChild, prefixLike]) assert.equal(await s.tokens.get(x.idHash), x);
    assert.is(await s.tokens.revokeByEntity("ent-a"), 0);
    assert.is(await s.tokens.revokeByEntity("missing"), 0);
    assert.is(await s.tokens.count(), 5);
    assert.is(await s.tokens.revokeByEntity("ent-b"), 2);
    assert.is(await s.tokens.count(), 3);
  });

  t("revokeByEntity(''): tokens without an entity are not an entity's tokens", async ({ s }) => {
    const none = token({ entityId: "" });
    const child = token({ parentHash: none.idHash });
    await s.tokens.insert(none);
    await s.tokens.insert(child);
    assert.is(await s.tokens.revokeByEntity(""), 0);
    assert.is(await s.tokens.count(), 2);
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
    assert.is(await s.policies.put({ name: "zeta", text: 'path "a" {}', updatedAt: 1, managedBy: "" }), true);
    await s.policies.put({ name: "alpha", text: 'path "b" {}', updatedAt: 2, managedBy: "" });
    assert.is(await s.policies.put({ name: "zeta", text: 'path "c" {}', updatedAt: 3, managedBy: "" }), true);
    assert.equal(await s.policies.get("zeta"), { name: "zeta", text: 'path "c" {}', updatedAt: 3, managedBy: "" });
    assert.is(await s.policies.get("nope"), undefined);
    assert.equal(
      (await s.policies.list()).map((p) => p.name),
      ["alpha", "zeta"],
    );
    assert.is(await s.policies.delete("zeta"), true);
    assert.is(await s.policies.delete("zeta"), false);
    assert.is(await s.policies.get("zeta"), undefined);
  });

  t("policies: an API write or delete never touches a file-managed policy; a file takes over; release", async ({ s }) => {
    const file = { name: "ops", text: 'path "a" {}', updatedAt: 1, managedBy: "policies/ops.hcl" };
    assert.is(await s.policies.put(file), true);
    assert.is(await s.policies.put({ name: "ops", text: 'path "*" {}', updatedAt: 2, managedBy: "" }), false, "API write refused");
    assert.is(await s.policies.delete("ops"), false, "API delete refused");
    assert.equal(await s.policies.get("ops"), file);
    assert.is(await s.policies.put({ ...file, text: 'path "b" {}', updatedAt: 3 }), true, "the file itself rewrites it");
    // A file takes over a policy written through the API.
    await s.policies.put({ name: "late", text: 'path "x" {}', updatedAt: 1, managedBy: "" });
    assert.is(await s.policies.put({ name: "late", text: 'path "y" {}', updatedAt: 2, managedBy: "policies/late.hcl" }), true);
    assert.is((await s.policies.get("late"))?.managedBy, "policies/late.hcl");
    // Released (its file is gone): kept as it was, an API policy again.
    assert.is(await s.policies.release("ops"), true);
    assert.is(await s.policies.release("ops"), false);
    assert.equal(await s.policies.get("ops"), { ...file, text: 'path "b" {}', updatedAt: 3, managedBy: "" });
    assert.is(await s.policies.put({ name: "ops", text: 'path "c" {}', updatedAt: 4, managedBy: "" }), true);
    assert.is(await s.policies.delete("ops"), true);
  });

  t("policies: 20 concurrent API writes racing a file's takeover never leave API text under a file's marker", async ({ s }) => {
    await s.policies.put({ name: "race", text: "api-0", updatedAt: 1, managedBy: "" });
    const writes = Array.from({ length: 20 }, (_, i) => s.policies.put({ name: "race", text: `api-${i + 1}`, updatedAt: 2, managedBy: "" }));
    const take = s.policies.put({ name: "race", text: "file", updatedAt: 3, managedBy: "policies/race.hcl" });
    const results = await Promise.all([...writes, take]);
    assert.is(results.at(-1), true);
    const stored = await s.policies.get("race");
    assert.is(stored?.managedBy, "policies/race.hcl");
    assert.is(stored?.text, "file", "every API write after the takeover was refused");
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
    const now = Date.now();
    const later = now + 60_000;
    await s.kv.put("gone", "a", 1);
    await s.kv.put("kept", "a", 2);
    assert.is(await s.kv.claimOnce("gone", "nonce", later, now), true);
    assert.is(await s.kv.claimOnce("kept", "nonce", later, now), true);
    await s.kv.deleteNamespace("gone");
    assert.equal(await s.kv.listKeys("gone", ""), []);
    assert.is(await s.kv.get("kept", "a"), 2);
    assert.is(await s.kv.claimOnce("gone", "nonce", later, now), true);
    assert.is(await s.kv.claimOnce("kept", "nonce", later, now), false);
  });

  t("claimOnce: first claim wins, a live claim refuses, namespaces are separate", async ({ s }) => {
    const now = Date.now();
    const later = now + 60_000;
    assert.is(await s.kv.claimOnce("ns", "n1", later, now), true);
    assert.is(await s.kv.claimOnce("ns", "n1", later, now), false);
    assert.is(await s.kv.claimOnce("ns", "n2", later, now), true);
    assert.is(await s.kv.claimOnce("ns2", "n1", later, now), true);
  });

  t("claimOnce: 50 concurrent claims of one key, exactly one true", async ({ s }) => {
    const now = Date.now();
    const later = now + 60_000;
    const rs = await Promise.all(Array.from({ length: 50 }, () => s.kv.claimOnce("ns", "nonce", later, now)));
    assert.is(rs.filter(Boolean).length, 1);
  });

  t("claimOnce: an expired claim can be claimed again, once", async ({ s }) => {
    const now = Date.now();
    const later = now + 60_000;
    assert.is(await s.kv.claimOnce("ns", "n", now - 1, now), true);
    const rs = await Promise.all([s.kv.claimOnce("ns", "n", later, now), s.kv.claimOnce("ns", "n", later, now)]);
    assert.equal(rs.sort(), [false, true]);
    assert.is(await s.kv.claimOnce("ns", "n", later, now), false);
  });

  t("pruneClaims removes only expired claims, at most `limit`", async ({ s }) => {
    const now = Date.now();
    for (let i = 0; i < 5; i++) await s.kv.claimOnce("ns", `old${i}`, now - 1000 - i, now);
    await s.kv.claimOnce("ns", "live", now + 60_000, now);
    await s.kv.claimOnce("ns", "forever", 0, now);
    assert.is(await s.kv.pruneClaims(now, 3), 3);
    assert.is(await s.kv.pruneClaims(now, 100), 2);
    assert.is(await s.kv.pruneClaims(now, 100), 0);
    assert.is(await s.kv.claimOnce("ns", "live", now + 60_000, now), false);
    assert.is(await s.kv.claimOnce("ns", "forever", now + 60_000, now), false);
    // Pruned ones were really gone (claimable again).
    assert.is(await s.kv.claimOnce("ns", "old0", now + 60_000, now), true);
  });

  t("claimOnce: a claim is live until its expiry by the caller's clock, not the database's", async ({ s }) => {
    // Far from the real time on purpose: only the `now` passed in decides.
    const t0 = Date.now() + 10 * 86_400_000;
    assert.is(await s.kv.claimOnce("ns", "c", t0 + 1000, t0), true);
    assert.is(await s.kv.claimOnce("ns", "c", t0 + 5000, t0 + 999), false, "1 ms before expiry");
    assert.is(await s.kv.claimOnce("ns", "c", t0 + 5000, t0 + 1000), true, "at expiry");
    assert.is(await s.kv.claimOnce("ns", "c", t0 + 9000, t0 + 4999), false, "the new claim holds");
  });

  t.run();
}

function countedSuite(name: string, open: OpenStorage) {
  const t = makeSuite(`${name}: counted entries and counters`, open);
  const NOW = 1_700_000_000_000;

  t("putCounted / peekCounted / takeCounted: JSON values round-trip and uses count down", async ({ s }) => {
    const value = { secret: "x", nested: [1, { ok: true }], none: null };
    await s.kv.putCounted("ns", "k", value, 2, NOW + 60_000);
    assert.equal(await s.kv.peekCounted("ns", "k", NOW), { value, usesLeft: 2, expiresAt: NOW + 60_000 });
    assert.equal(await s.kv.takeCounted("ns", "k", NOW), { value, usesLeft: 1 });
    assert.equal(await s.kv.peekCounted("ns", "k", NOW), { value, usesLeft: 1, expiresAt: NOW + 60_000 });
    assert.equal(await s.kv.takeCounted("ns", "k", NOW), { value, usesLeft: -1 });
    assert.is(await s.kv.takeCounted("ns", "k", NOW), undefined);
    assert.is(await s.kv.peekCounted("ns", "k", NOW), undefined);
    // Used up, but still listed until pruned or deleted.
    assert.equal(await s.kv.listCounted("ns", ""), ["k"]);
    assert.is(await s.kv.takeCounted("ns", "missing", NOW), undefined);
    assert.is(await s.kv.peekCounted("ns", "missing", NOW), undefined);
    assert.is(await s.kv.takeCounted("other", "k", NOW), undefined);
  });

  t("counted entries are separate from get/put keys", async ({ s }) => {
    await s.kv.put("ns", "k", "plain");
    await s.kv.putCounted("ns", "k", "counted", 1, 0);
    assert.is(await s.kv.get("ns", "k"), "plain");
    assert.equal(await s.kv.listKeys("ns", ""), ["k"]);
    assert.equal(await s.kv.takeCounted("ns", "k", NOW), { value: "counted", usesLeft: -1 });
    assert.is(await s.kv.get("ns", "k"), "plain");
    assert.is(await s.kv.delete("ns", "k"), true);
    assert.equal(await s.kv.listCounted("ns", ""), ["k"]);
  });

  t("takeCounted: uses=1 under 50 concurrent calls, exactly one success with usesLeft -1", async ({ s }) => {
    await s.kv.putCounted("ns", "once", { id: 1 }, 1, 0);
    const { ok, errors } = await settle(Array.from({ length: 50 }, () => s.kv.takeCounted("ns", "once", NOW)));
    assert.is(errors.length, 0);
    const taken = ok.filter((r) => r !== undefined);
    assert.equal(taken, [{ value: { id: 1 }, usesLeft: -1 }]);
    assert.is(ok.filter((r) => r === undefined).length, 49);
    assert.is(await s.kv.peekCounted("ns", "once", NOW), undefined);
  });

  t("takeCounted: uses=3 under 50 concurrent calls, exactly 3 successes (2, 1, -1)", async ({ s }) => {
    await s.kv.putCounted("ns", "three", "v", 3, NOW + 1000);
    const { ok, errors } = await settle(Array.from({ length: 50 }, () => s.kv.takeCounted("ns", "three", NOW)));
    assert.is(errors.length, 0);
    const left = ok.flatMap((r) => (r ? [r.usesLeft] : [])).sort((a, b) => b - a);
    assert.equal(left, [2, 1, -1]);
    assert.is(ok.filter((r) => r === undefined).length, 47);
  });

  t("takeCounted: unlimited (uses 0) always succeeds with usesLeft 0", async ({ s }) => {
    await s.kv.putCounted("ns", "many", [1], 0, 0);
    const { ok, errors } = await settle(Array.from({ length: 30 }, () => s.kv.takeCounted("ns", "many", NOW)));
    assert.is(errors.length, 0);
    assert.equal(ok, Array.from({ length: 30 }, () => ({ value: [1], usesLeft: 0 })));
    assert.equal(await s.kv.peekCounted("ns", "many", NOW), { value: [1], usesLeft: 0, expiresAt: 0 });
  });

  t("takeCounted / peekCounted: expired entries are undefined, at and after expiresAt", async ({ s }) => {
    await s.kv.putCounted("ns", "exp", "v", 5, NOW);
    await s.kv.putCounted("ns", "expUnlimited", "v", 0, NOW - 1);
    assert.equal(await s.kv.peekCounted("ns", "exp", NOW - 1), { value: "v", usesLeft: 5, expiresAt: NOW });
    assert.is(await s.kv.peekCounted("ns", "exp", NOW), undefined);
    assert.is(await s.kv.takeCounted("ns", "exp", NOW), undefined);
    assert.is(await s.kv.takeCounted("ns", "exp", NOW + 1), undefined);
    assert.is(await s.kv.takeCounted("ns", "expUnlimited", NOW), undefined);
    // A failed take on an expired entry consumed nothing.
    assert.equal(await s.kv.takeCounted("ns", "exp", NOW - 1), { value: "v", usesLeft: 4 });
  });

  t("putCounted replaces an entry, including a used-up one", async ({ s }) => {
    await s.kv.putCounted("ns", "k", "old", 1, 0);
    assert.equal(await s.kv.takeCounted("ns", "k", NOW), { value: "old", usesLeft: -1 });
    await s.kv.putCounted("ns", "k", "new", 2, NOW + 5);
    assert.equal(await s.kv.peekCounted("ns", "k", NOW), { value: "new", usesLeft: 2, expiresAt: NOW + 5 });
    await s.kv.putCounted("ns", "k", "newer", 0, 0);
    assert.equal(await s.kv.takeCounted("ns", "k", NOW), { value: "newer", usesLeft: 0 });
  });

  t("deleteCounted reports; listCounted: literal prefix, sorted, per namespace", async ({ s }) => {
    for (const k of ["sid/b", "sid/a", "sid_x", "Sid/c", "acc/1"]) await s.kv.putCounted("ns", k, 1, 1, 0);
    await s.kv.putCounted("other", "sid/zz", 1, 1, 0);
    assert.equal(await s.kv.listCounted("ns", "sid/"), ["sid/a", "sid/b"]);
    assert.equal(await s.kv.listCounted("ns", "sid_"), ["sid_x"]);
    assert.equal(await s.kv.listCounted("ns", ""), ["Sid/c", "acc/1", "sid/a", "sid/b", "sid_x"]);
    assert.is(await s.kv.deleteCounted("ns", "sid/a"), true);
    assert.is(await s.kv.deleteCounted("ns", "sid/a"), false);
    assert.is(await s.kv.takeCounted("ns", "sid/a", NOW), undefined);
    assert.equal(await s.kv.listCounted("ns", "sid/"), ["sid/b"]);
    assert.equal(await s.kv.listCounted("other", ""), ["sid/zz"]);
  });

  t("pruneCounted removes expired and used-up entries of every namespace, at most `limit`", async ({ s }) => {
    for (let i = 0; i < 3; i++) await s.kv.putCounted("a", `old${i}`, i, 1, NOW - 1000 - i);
    await s.kv.putCounted("b", "usedUp", 1, 1, 0);
    assert.is((await s.kv.takeCounted("b", "usedUp", NOW))?.usesLeft, -1);
    await s.kv.putCounted("b", "expiredAndUsedUp", 1, 1, NOW + 10);
    assert.is((await s.kv.takeCounted("b", "expiredAndUsedUp", NOW))?.usesLeft, -1);
    await s.kv.putCounted("a", "live", 1, 1, NOW + 60_000);
    await s.kv.putCounted("a", "forever", 1, 0, 0);
    await s.kv.putCounted("a", "lastUseLeft", 1, 2, 0);
    assert.is((await s.kv.takeCounted("a", "lastUseLeft", NOW))?.usesLeft, 1);
    const later = NOW + 20;
    assert.is(await s.kv.pruneCounted(later, 2), 2);
    assert.is(await s.kv.pruneCounted(later, 100), 3);
    assert.is(await s.kv.pruneCounted(later, 100), 0);
    assert.equal(await s.kv.listCounted("a", ""), ["forever", "lastUseLeft", "live"]);
    assert.equal(await s.kv.listCounted("b", ""), []);
    assert.equal(await s.kv.takeCounted("a", "lastUseLeft", later), { value: 1, usesLeft: -1 });
  });

  t("bumpCounter: 20 concurrent bumps give counts 1..20, each exactly once", async ({ s }) => {
    const { ok, errors } = await settle(Array.from({ length: 20 }, () => s.kv.bumpCounter("ns", "user:bob", 60_000, NOW)));
    assert.is(errors.length, 0);
    assert.equal(
      [...ok].sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.is(await s.kv.bumpCounter("ns", "user:bob", 60_000, NOW + 1), 21);
    // Other keys and namespaces count separately.
    assert.is(await s.kv.bumpCounter("ns", "user:alice", 60_000, NOW), 1);
    assert.is(await s.kv.bumpCounter("other", "user:bob", 60_000, NOW), 1);
  });

  t("bumpCounter: the window runs from the first bump; once passed, the count restarts at 1", async ({ s }) => {
    assert.is(await s.kv.bumpCounter("ns", "k", 1000, NOW), 1);
    assert.is(await s.kv.bumpCounter("ns", "k", 1000, NOW + 500), 2);
    // Bumps inside the window do not extend it.
    assert.is(await s.kv.bumpCounter("ns", "k", 1000, NOW + 999), 3);
    assert.is(await s.kv.bumpCounter("ns", "k", 1000, NOW + 1000), 1);
    // The new window started at NOW + 1000.
    assert.is(await s.kv.bumpCounter("ns", "k", 1000, NOW + 1999), 2);
    assert.is(await s.kv.bumpCounter("ns", "k", 1000, NOW + 2000), 1);
  });

  t("resetCounter starts the count over; resetting a missing counter is fine", async ({ s }) => {
    for (let i = 0; i < 3; i++) await s.kv.bumpCounter("ns", "k", 60_000, NOW);
    await s.kv.bumpCounter("ns", "kept", 60_000, NOW);
    await s.kv.resetCounter("ns", "k");
    await s.kv.resetCounter("ns", "missing");
    assert.is(await s.kv.bumpCounter("ns", "k", 60_000, NOW), 1);
    assert.is(await s.kv.bumpCounter("ns", "kept", 60_000, NOW), 2);
  });

  t("kv.putIfAbsent: exactly one of 20 concurrent writers of one key wins; the value is the winner's", async ({ s }) => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.kv.putIfAbsent("ns", "unique", { writer: i })));
    assert.is(results.filter(Boolean).length, 1);
    const winner = results.indexOf(true);
    assert.equal(await s.kv.get("ns", "unique"), { writer: winner });
    assert.is(await s.kv.putIfAbsent("other-ns", "unique", 1), true, "namespaces are separate");
    await s.kv.delete("ns", "unique");
    assert.is(await s.kv.putIfAbsent("ns", "unique", "again"), true, "free again once deleted");
  });

  t("peekCounter reads a live count without changing it; 0 when absent, reset or past its window", async ({ s }) => {
    assert.is(await s.kv.peekCounter("ns", "p", NOW), 0);
    await s.kv.bumpCounter("ns", "p", 1000, NOW);
    await s.kv.bumpCounter("ns", "p", 1000, NOW);
    assert.is(await s.kv.peekCounter("ns", "p", NOW + 10), 2);
    assert.is(await s.kv.peekCounter("ns", "p", NOW + 10), 2, "a peek takes nothing");
    assert.is(await s.kv.peekCounter("other", "p", NOW + 10), 0);
    assert.is(await s.kv.peekCounter("ns", "p", NOW + 1000), 0, "the window has passed");
    await s.kv.resetCounter("ns", "p");
    assert.is(await s.kv.peekCounter("ns", "p", NOW + 10), 0);
  });

  t("getWithCounter: the value (or none) and the live count (or 0), as get and peekCounter give them", async ({ s }) => {
    assert.equal(await s.kv.getWithCounter("ns", "lock/a", "a", NOW), { value: undefined, count: 0 });
    await s.kv.bumpCounter("ns", "a", 1000, NOW);
    await s.kv.bumpCounter("ns", "a", 1000, NOW);
    assert.equal(await s.kv.getWithCounter("ns", "lock/a", "a", NOW + 10), { value: undefined, count: 2 });
    await s.kv.put("ns", "lock/a", { until: 5, who: "x" });
    assert.equal(await s.kv.getWithCounter("ns", "lock/a", "a", NOW + 10), { value: { until: 5, who: "x" }, count: 2 });
    assert.equal(await s.kv.getWithCounter("ns", "lock/a", "a", NOW + 1000), { value: { until: 5, who: "x" }, count: 0 }, "the window has passed");
    assert.equal(await s.kv.getWithCounter("other", "lock/a", "a", NOW + 10), { value: undefined, count: 0 });
    await s.kv.resetCounter("ns", "a");
    await s.kv.delete("ns", "lock/a");
    assert.equal(await s.kv.getWithCounter("ns", "lock/a", "a", NOW + 10), { value: undefined, count: 0 });
  });

  t("deleteNamespace drops its counted entries and counters, not other namespaces'", async ({ s }) => {
    await s.kv.putCounted("gone", "c", "v", 0, 0);
    await s.kv.putCounted("kept", "c", "v", 0, 0);
    for (let i = 0; i < 3; i++) {
      await s.kv.bumpCounter("gone", "n", 60_000, NOW);
      await s.kv.bumpCounter("kept", "n", 60_000, NOW);
    }
    await s.kv.deleteNamespace("gone");
    assert.equal(await s.kv.listCounted("gone", ""), []);
    assert.is(await s.kv.takeCounted("gone", "c", NOW), undefined);
    assert.is(await s.kv.bumpCounter("gone", "n", 60_000, NOW), 1);
    assert.equal(await s.kv.listCounted("kept", ""), ["c"]);
    assert.equal(await s.kv.takeCounted("kept", "c", NOW), { value: "v", usesLeft: 0 });
    assert.is(await s.kv.bumpCounter("kept", "n", 60_000, NOW), 4);
  });

  t.run();
}

function identitySuite(name: string, open: OpenStorage) {
  const t = makeSuite(`${name}: identity`, open);

  t("entities: insert, get, getByName, list, update, delete", async ({ s }) => {
    const e = entity({ policies: ["a", "b"], metadata: { team: "ci", "x-y": "z" }, disabled: true });
    const f = entity();
    assert.is(await s.identity.insertEntity(e), true);
    assert.is(await s.identity.insertEntity(f), true);
    assert.equal(await s.identity.getEntity(e.id), e);
    assert.equal(await s.identity.getEntityByName(e.name), e);
    assert.is(await s.identity.getEntity("missing"), undefined);
    assert.is(await s.identity.getEntityByName("missing"), undefined);
    assert.equal(byId(await s.identity.listEntities()), byId([e, f]));
    const changed = { ...e, name: "renamed", policies: ["c"], metadata: {}, disabled: false, updatedAt: e.updatedAt + 1 };
    assert.is(await s.identity.updateEntity(changed), true);
    assert.equal(await s.identity.getEntity(e.id), changed);
    assert.equal(await s.identity.getEntityByName("renamed"), changed);
    assert.is(await s.identity.getEntityByName(e.name), undefined);
    assert.equal(await s.identity.getEntity(f.id), f);
    assert.is(await s.identity.updateEntity(entity({ id: "missing" })), false);
    assert.is(await s.identity.getEntity("missing"), undefined);
    assert.is(await s.identity.deleteEntity(e.id), true);
    assert.is(await s.identity.deleteEntity(e.id), false);
    assert.is(await s.identity.getEntity(e.id), undefined);
    assert.equal(await s.identity.listEntities(), [f]);
  });

  t("entities: a taken id or name gives false and keeps the original", async ({ s }) => {
    const e = entity();
    const f = entity();
    await s.identity.insertEntity(e);
    await s.identity.insertEntity(f);
    assert.is(await s.identity.insertEntity(entity({ id: e.id })), false);
    assert.is(await s.identity.insertEntity(entity({ name: e.name })), false);
    // Renaming onto another entity's name is refused; keeping one's own name is not a clash.
    assert.is(await s.identity.updateEntity({ ...f, name: e.name, policies: ["x"] }), false);
    assert.equal(await s.identity.getEntity(f.id), f);
    assert.is(await s.identity.updateEntity({ ...f, policies: ["x"] }), true);
    assert.equal(await s.identity.getEntity(e.id), e);
    assert.is((await s.identity.listEntities()).length, 2);
  });

  t("entities: 20 concurrent inserts of one name, exactly one wins", async ({ s }) => {
    const { ok, errors } = await settle(Array.from({ length: 20 }, () => s.identity.insertEntity(entity({ name: "race" }))));
    assert.is(errors.length, 0);
    assert.is(ok.filter(Boolean).length, 1);
    assert.is((await s.identity.listEntities()).length, 1);
  });

  t("aliases: insert, get, find, list, aliasesOf, update, delete", async ({ s }) => {
    const e = entity();
    const f = entity();
    await s.identity.insertEntity(e);
    await s.identity.insertEntity(f);
    const a1 = entityAlias(e.id, { mountAccessor: "auth_alicloud_1", name: "acs:ram::1:role/x", metadata: { k: "v" } });
    const a2 = entityAlias(e.id, { mountAccessor: "auth_oci_1", name: "ocid1.instance.x" });
    const b1 = entityAlias(f.id, { mountAccessor: "auth_alicloud_1", name: "acs:ram::1:role/y" });
    for (const a of [a1, a2, b1]) assert.is(await s.identity.insertAlias(a), true);
    assert.equal(await s.identity.getAlias(a1.id), a1);
    assert.equal(await s.identity.findAlias("auth_alicloud_1", "acs:ram::1:role/x"), a1);
    assert.is(await s.identity.findAlias("auth_oci_1", "acs:ram::1:role/x"), undefined);
    assert.is(await s.identity.findAlias("auth_alicloud_1", "ACS:RAM::1:ROLE/X"), undefined);
    assert.is(await s.identity.getAlias("missing"), undefined);
    assert.equal(byId(await s.identity.listAliases()), byId([a1, a2, b1]));
    assert.equal(byId(await s.identity.aliasesOf(e.id)), byId([a1, a2]));
    assert.equal(await s.identity.aliasesOf("missing"), []);
    // Moving an alias to another entity and renaming it.
    const moved = { ...a2, entityId: f.id, name: "ocid1.instance.z", metadata: { n: "1" } };
    assert.is(await s.identity.updateAlias(moved), true);
    assert.equal(await s.identity.getAlias(a2.id), moved);
    assert.is(await s.identity.findAlias("auth_oci_1", "ocid1.instance.x"), undefined);
    assert.equal(byId(await s.identity.aliasesOf(f.id)), byId([b1, moved]));
    assert.is(await s.identity.updateAlias(entityAlias(e.id, { id: "missing" })), false);
    assert.is(await s.identity.getAlias("missing"), undefined);
    assert.is(await s.identity.deleteAlias(a1.id), true);
    assert.is(await s.identity.deleteAlias(a1.id), false);
    assert.is(await s.identity.findAlias("auth_alicloud_1", "acs:ram::1:role/x"), undefined);
    // Deleting an alias leaves its entity.
    assert.equal(await s.identity.getEntity(e.id), e);
  });

  t("aliases: a taken id or (mountAccessor, name) gives false; the same name on another mount is fine", async ({ s }) => {
    const e = entity();
    await s.identity.insertEntity(e);
    const a = entityAlias(e.id, { mountAccessor: "m1", name: "p" });
    const b = entityAlias(e.id, { mountAccessor: "m1", name: "q" });
    assert.is(await s.identity.insertAlias(a), true);
    assert.is(await s.identity.insertAlias(b), true);
    assert.is(await s.identity.insertAlias(entityAlias(e.id, { mountAccessor: "m1", name: "p" })), false);
    assert.is(await s.identity.insertAlias(entityAlias(e.id, { id: a.id, mountAccessor: "m9", name: "new" })), false);
    assert.is(await s.identity.insertAlias(entityAlias(e.id, { mountAccessor: "m2", name: "p" })), true);
    assert.is(await s.identity.updateAlias({ ...b, name: "p" }), false);
    assert.equal(await s.identity.getAlias(b.id), b);
    assert.is(await s.identity.updateAlias({ ...b, metadata: { changed: "yes" } }), true);
    assert.equal(await s.identity.getAlias(a.id), a);
    assert.is((await s.identity.listAliases()).length, 3);
  });

  t("deleteEntity drops its aliases (and only its aliases) in the same write", async ({ s }) => {
    const e = entity();
    const f = entity();
    await s.identity.insertEntity(e);
    await s.identity.insertEntity(f);
    const ea = [entityAlias(e.id), entityAlias(e.id, { mountAccessor: "m2" })];
    const fa = entityAlias(f.id);
    for (const a of [...ea, fa]) await s.identity.insertAlias(a);
    assert.is(await s.identity.deleteEntity(e.id), true);
    assert.equal(await s.identity.aliasesOf(e.id), []);
    for (const a of ea) {
      assert.is(await s.identity.getAlias(a.id), undefined);
      assert.is(await s.identity.findAlias(a.mountAccessor, a.name), undefined);
    }
    assert.equal(await s.identity.listAliases(), [fa]);
    assert.equal(await s.identity.getEntity(f.id), f);
    // The freed (mountAccessor, name) can be used again.
    assert.is(await s.identity.insertAlias(entityAlias(f.id, { mountAccessor: ea[0].mountAccessor, name: ea[0].name })), true);
  });

  t("resolveAlias: creates the entity and alias once, then returns the same entity", async ({ s }) => {
    const e = entity({ metadata: { from: "login" } });
    const a = entityAlias(e.id, { mountAccessor: "auth_alicloud_1", name: "arn" });
    assert.equal(await s.identity.resolveAlias(e, a), { entity: e, created: true });
    assert.equal(await s.identity.getEntity(e.id), e);
    assert.equal(await s.identity.findAlias("auth_alicloud_1", "arn"), a);
    const other = entity();
    const again = entityAlias(other.id, { mountAccessor: "auth_alicloud_1", name: "arn" });
    assert.equal(await s.identity.resolveAlias(other, again), { entity: e, created: false });
    assert.is(await s.identity.getEntity(other.id), undefined);
    assert.is(await s.identity.getAlias(again.id), undefined);
    // Same name on another mount is another principal.
    const third = entity();
    const onOtherMount = entityAlias(third.id, { mountAccessor: "auth_oci_1", name: "arn" });
    assert.equal(await s.identity.resolveAlias(third, onOtherMount), { entity: third, created: true });
    assert.is((await s.identity.listEntities()).length, 2);
    assert.is((await s.identity.listAliases()).length, 2);
  });

  t("resolveAlias: 30 concurrent first logins of one principal end on one entity, one created", async ({ s }) => {
    const calls = Array.from({ length: 30 }, () => {
      const e = entity();
      return s.identity.resolveAlias(e, entityAlias(e.id, { mountAccessor: "auth_approle_1", name: "role-id-1" }));
    });
    const { ok, errors } = await settle(calls);
    assert.is(errors.length, 0);
    assert.is(ok.length, 30);
    assert.is(ok.filter((r) => r.created).length, 1);
    const ids = new Set(ok.map((r) => r.entity.id));
    assert.is(ids.size, 1);
    const [winner] = ids;
    const entities = await s.identity.listEntities();
    assert.is(entities.length, 1);
    assert.is(entities[0].id, winner);
    const aliases = await s.identity.listAliases();
    assert.is(aliases.length, 1);
    assert.is(aliases[0].entityId, winner);
    for (const r of ok) assert.equal(r.entity, entities[0]);
  });

  t("groups: insert, get, getByName, list, update, delete; taken id or name gives false", async ({ s }) => {
    const g = group({ policies: ["ops"], memberEntityIds: ["e1", "e2"], metadata: { k: "v" } });
    const h = group();
    assert.is(await s.identity.insertGroup(g), true);
    assert.is(await s.identity.insertGroup(h), true);
    assert.is(await s.identity.insertGroup(group({ id: g.id })), false);
    assert.is(await s.identity.insertGroup(group({ name: g.name })), false);
    assert.equal(await s.identity.getGroup(g.id), g);
    assert.equal(await s.identity.getGroupByName(g.name), g);
    assert.is(await s.identity.getGroup("missing"), undefined);
    assert.is(await s.identity.getGroupByName("missing"), undefined);
    assert.equal(byId(await s.identity.listGroups()), byId([g, h]));
    const changed = { ...g, name: "renamed", policies: [], memberEntityIds: ["e3"], updatedAt: g.updatedAt + 1 };
    assert.is(await s.identity.updateGroup(changed), true);
    assert.equal(await s.identity.getGroup(g.id), changed);
    assert.is(await s.identity.updateGroup({ ...h, name: "renamed" }), false);
    assert.equal(await s.identity.getGroup(h.id), h);
    assert.is(await s.identity.updateGroup(group({ id: "missing" })), false);
    assert.is(await s.identity.deleteGroup(g.id), true);
    assert.is(await s.identity.deleteGroup(g.id), false);
    assert.equal(await s.identity.listGroups(), [h]);
  });

  t("groupsOf: groups listing the entity as a member, matched exactly", async ({ s }) => {
    const g1 = group({ memberEntityIds: ["e1", "e2"] });
    const g2 = group({ memberEntityIds: ["e2"] });
    const g3 = group({ memberEntityIds: ["e10", "e", "E1", "xe1"] });
    const g4 = group({ memberEntityIds: [] });
    for (const g of [g1, g2, g3, g4]) await s.identity.insertGroup(g);
    assert.equal(byId(await s.identity.groupsOf("e1")), [g1]);
    assert.equal(byId(await s.identity.groupsOf("e2")), byId([g1, g2]));
    assert.equal(await s.identity.groupsOf("missing"), []);
    assert.equal(await s.identity.groupsOf(""), []);
    await s.identity.updateGroup({ ...g2, memberEntityIds: ["e1"] });
    assert.equal(byId(await s.identity.groupsOf("e1")), byId([g1, { ...g2, memberEntityIds: ["e1"] }]));
    assert.equal(await s.identity.groupsOf("e2"), [g1]);
  });

  t.run();
}

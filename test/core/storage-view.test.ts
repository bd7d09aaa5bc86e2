// A mount's storage view as a unit, over a real (in-memory SQLite) key/value store and a TestClock:
// namespacing, listing, the read cache and its invalidation, and the exact parts (claims, counted
// entries) on the server's clock.
import * as assert from "uvu/assert";
import { type CachedStorageView, mountStorageView } from "../../src/core/mounts/storage-view.js";
import { TestClock } from "../../src/sdk/testing/clock.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/index.js";
import type { KvStore } from "../../src/storage/types.js";

interface Ctx {
  storage: SqliteStorage;
  kv: KvStore;
  clock: TestClock;
  view: CachedStorageView;
}

const t = suite<Ctx>("mount storage view");
t.before.each(async (ctx) => {
  ctx.storage = await openSqliteStorage({ path: ":memory:" });
  ctx.kv = ctx.storage.kv;
  ctx.clock = new TestClock();
  ctx.view = mountStorageView(ctx.kv, "mount-a", ctx.clock);
});
t.after.each(async (ctx) => ctx.storage.close());

t("get/put/putIfAbsent/delete, in the mount's namespace only", async ({ kv, clock, view }) => {
  const other = mountStorageView(kv, "mount-b", clock);
  await view.put("role/dev", { ttl: 60 });
  assert.equal(await view.get("role/dev"), { ttl: 60 });
  assert.is(await other.get("role/dev"), undefined, "another mount never sees it");
  assert.equal(await kv.get("mount-a", "role/dev"), { ttl: 60 }, "stored under the mount's namespace");
  assert.is(await view.putIfAbsent("role/dev", { ttl: 1 }), false);
  assert.is(await view.putIfAbsent("role/new", 1), true);
  assert.is(await view.get("role/new"), 1);
  await view.delete("role/dev");
  assert.is(await view.get("role/dev"), undefined);
  await view.delete("never-there");
});

t("list: direct children sorted, deeper levels once with a trailing slash", async ({ view }) => {
  for (const k of ["role/b", "role/a", "role/team/x", "role/team/y", "roles", "config"]) await view.put(k, 1);
  assert.equal(await view.list("role/"), ["a", "b", "team/"]);
  assert.equal(await view.list("role/team/"), ["x", "y"]);
  assert.equal(await view.list(""), ["config", "role/", "roles"]);
  assert.equal(await view.list("nothing/"), []);
});

t("values come back as copies: a caller mutating one cannot change the next read", async ({ view }) => {
  await view.put("k", { list: [1] });
  const a = await view.get<{ list: number[] }>("k");
  a!.list.push(2);
  assert.equal(await view.get("k"), { list: [1] });
});

t("reads are cached (also 'absent'); another node's write shows after invalidate", async ({ kv, view }) => {
  await view.put("k", "v1");
  assert.is(await view.get("k"), "v1");
  assert.is(await view.get("missing"), undefined);
  // Written past the view, as another node would.
  await kv.put("mount-a", "k", "v2");
  await kv.put("mount-a", "missing", "now here");
  assert.is(await view.get("k"), "v1", "served from the cache");
  assert.is(await view.get("missing"), undefined, "absence is cached too");
  view.invalidate("k");
  assert.is(await view.get("k"), "v2");
  assert.is(await view.get("missing"), undefined, "only the named key was dropped");
  view.invalidate();
  assert.is(await view.get("missing"), "now here");
});

t("a read that overlapped a write does not cache what it read", async ({ storage, clock }) => {
  let gate: Promise<void> | undefined;
  let open = (): void => undefined;
  // The real store, except that a read can be held after it has read (while a write goes by).
  const slowGet = async (ns: string, key: string): Promise<unknown> => {
    const value = await storage.kv.get(ns, key);
    if (gate) await gate;
    return value;
  };
  const slowKv = new Proxy(storage.kv, {
    get: (target, prop) => {
      if (prop === "get") return slowGet;
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const view = mountStorageView(slowKv, "mount-a", clock);
  await view.put("k", "old");
  gate = new Promise<void>((r) => (open = r));
  const slowRead = view.get("k");
  await view.put("k", "new");
  open();
  assert.is(await slowRead, "old", "the read saw the value of its time");
  gate = undefined;
  assert.is(await view.get("k"), "new", "but did not cache it");
});

t("claimOnce: one claim per key until it expires on the server's clock; apart from plain keys", async ({ clock, view }) => {
  assert.is(await view.claimOnce("nonce-1", 10), true);
  assert.is(await view.claimOnce("nonce-1", 10), false);
  assert.is(await view.get("nonce-1"), undefined, "claims are not plain keys");
  clock.advance(9_000);
  assert.is(await view.claimOnce("nonce-1", 10), false);
  clock.advance(1_000);
  assert.is(await view.claimOnce("nonce-1", 10), true, "expired by the server's clock");
});

t("counted entries: uses, expiry on the server's clock, peek without using", async ({ clock, view }) => {
  await view.putCounted("secret/a", { role: "ci" }, { uses: 2, ttlSeconds: 60 });
  const peek = await view.peekCounted<{ role: string }>("secret/a");
  assert.equal([peek?.value, peek?.usesLeft], [{ role: "ci" }, 2]);
  assert.ok(Math.abs(peek!.expiresAt - (clock.now() + 60_000)) < 1_000, "expires 60 s after it was written, by the server's clock");
  assert.equal(await view.takeCounted("secret/a"), { value: { role: "ci" }, usesLeft: 1 });
  assert.equal(await view.takeCounted("secret/a"), { value: { role: "ci" }, usesLeft: -1 });
  assert.is(await view.takeCounted("secret/a"), undefined, "used up");
  assert.is(await view.peekCounted("secret/a"), undefined);

  await view.putCounted("secret/b", "x", { uses: 0, ttlSeconds: 60 });
  for (let i = 0; i < 3; i++) assert.equal(await view.takeCounted("secret/b"), { value: "x", usesLeft: 0 }, "0 = unlimited");
  clock.advance(60_000);
  assert.is(await view.takeCounted("secret/b"), undefined, "expired");

  await view.putCounted("secret/c", "y", { uses: 1, ttlSeconds: 0 });
  clock.advance(365 * 86_400_000);
  assert.equal(await view.peekCounted("secret/c"), { value: "y", usesLeft: 1, expiresAt: 0 }, "ttl 0 = never expires");
  await view.putCounted("secret/d", "z", { uses: 2.7, ttlSeconds: 0 });
  assert.is((await view.peekCounted("secret/d"))?.usesLeft, 2, "uses are whole numbers");
  assert.equal(await view.listCounted("secret/"), ["secret/a", "secret/b", "secret/c", "secret/d"]);
  assert.is(await view.deleteCounted("secret/c"), true);
  assert.is(await view.deleteCounted("secret/c"), false);
});

t.run();

/**
 * The shared storage contract against real SQLite files (and once against :memory:), plus what only
 * SQLite has: pragmas, file modes, migrations, durability across reopen, group commit.
 */
import fs, { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { suite } from "../../src/sdk/testing/suite.js";
import { waitFor } from "../helpers/wait-for.js";
import * as assert from "uvu/assert";
import { sqliteMigrations } from "../../src/storage/migrations/sqlite/index.js";
import { openSqliteStorage, type SqliteStorage } from "../../src/storage/sqlite/index.js";
import { readPragmas } from "../../src/storage/sqlite/open-db.js";
import { prepareAllStatements } from "../../src/storage/sqlite/prepared.js";
import { FALLBACK_AUTOCHECKPOINT_PAGES } from "../../src/storage/sqlite/checkpointer.js";
import * as schema from "../../src/storage/sqlite/schema.js";
import { migrate } from "../../src/storage/sqlite/migrate.js";
import { group, storageContract, token } from "./contract.js";
import type { TokenRecord } from "../../src/storage/types.js";

const root = mkdtempSync(join(tmpdir(), "warden-sqlite-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(root, `db${++n}`, "warden.db");

storageContract("sqlite file", () => openSqliteStorage({ path: freshPath() }));
storageContract("sqlite :memory:", () => openSqliteStorage({ path: ":memory:" }));

const mode = (p: string) => statSync(p).mode & 0o777;

const t = suite("sqlite specifics");

t("pragmas: WAL, synchronous=NORMAL (the write batch syncs the WAL itself), busy_timeout, foreign_keys", async () => {
  const s = await openSqliteStorage({ path: freshPath() });
  try {
    assert.equal(readPragmas(s.connection), { journalMode: "wal", synchronous: 1, busyTimeout: 5000, foreignKeys: 1 });
  } finally {
    await s.close();
  }
});

t("files: directory 0700 when created, db, -wal and -shm 0600 despite a loose umask", async () => {
  const path = join(root, "perm", "nested", "warden.db");
  const old = process.umask(0o000);
  let s: SqliteStorage | undefined;
  try {
    s = await openSqliteStorage({ path });
    await s.tokens.insert(token());
    assert.is(mode(join(root, "perm", "nested")), 0o700);
    assert.is(mode(path), 0o600);
    assert.is(mode(`${path}-wal`), 0o600);
    assert.is(mode(`${path}-shm`), 0o600);
  } finally {
    process.umask(old);
    await s?.close();
  }
});

t("migrations: recorded once, idempotent on reopen", async () => {
  const path = freshPath();
  await (await openSqliteStorage({ path })).close();
  const s = await openSqliteStorage({ path });
  try {
    const rows = s.connection.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all();
    assert.equal(
      rows,
      sqliteMigrations.map((m) => ({ version: m.version, name: m.name })),
    );
  } finally {
    await s.close();
  }
});

t("migrations: a version-1 database upgrades in place, keeping its tokens", async () => {
  const path = freshPath();
  const old = token({ entityId: "ent-old" });
  let s = await openSqliteStorage({ path });
  await s.tokens.insert(old);
  await s.policies.put({ name: "kept", text: 'path "a" {}', updatedAt: 1, managedBy: "" });
  await s.close();
  // Take the file back to version 1 (what a previous release left behind).
  const raw = new Database(path);
  raw.exec(`DROP INDEX tokens_entity_id; DROP TABLE entities; DROP TABLE entity_aliases; DROP TABLE groups;
    DROP TABLE counted; DROP TABLE counters; ALTER TABLE policies DROP COLUMN managed_by; ALTER TABLE tokens DROP COLUMN login_role; ALTER TABLE tokens DROP COLUMN sealed;
    DELETE FROM schema_migrations WHERE version > 1;`);
  raw.close();
  s = await openSqliteStorage({ path });
  try {
    assert.equal(s.connection.prepare("SELECT max(version) FROM schema_migrations").pluck().get(), sqliteMigrations.length);
    assert.equal(await s.tokens.get(old.idHash), old);
    assert.is(await s.kv.bumpCounter("ns", "k", 1000, 1), 1);
    assert.is(await s.tokens.revokeByEntity("ent-old"), 1);
    assert.equal(await s.policies.get("kept"), { name: "kept", text: 'path "a" {}', updatedAt: 1, managedBy: "" }, "an old policy is an API one");
  } finally {
    await s.close();
  }
});

t("migrations: a version-2 database upgrades to the latest in place, keeping its groups, counters and tokens", async () => {
  const path = freshPath();
  mkdirSync(dirname(path), { recursive: true });
  // What a version-2 build left behind.
  const v2 = new Database(path);
  migrate(v2, sqliteMigrations.slice(0, 2));
  const stamp = Date.now();
  v2.exec(`INSERT INTO identity_groups (id, name, policies, member_entity_ids, metadata, created_at, updated_at)
             VALUES ('g1', 'ops', '["p"]', '["e1"]', '{}', ${stamp}, ${stamp});
           INSERT INTO counters (namespace, key, count, window_ends_at) VALUES ('ns', 'k', 2, ${stamp + 60_000});`);
  v2.close();
  const s = await openSqliteStorage({ path });
  try {
    assert.is(s.connection.prepare("SELECT max(version) FROM schema_migrations").pluck().get(), sqliteMigrations.length);
    assert.is((await s.identity.getGroupByName("ops"))?.id, "g1");
    assert.is(await s.kv.peekCounter("ns", "k", stamp), 2, "the window carried over the column rename");
    assert.is(await s.kv.bumpCounter("ns", "k", 60_000, stamp), 3);
    assert.ok(await s.identity.insertGroup(group({ name: "devs" })));
    const entityIndex = s.connection.prepare("SELECT sql FROM sqlite_master WHERE name = 'tokens_entity_id'").pluck().get() as string;
    assert.match(entityIndex, /WHERE entity_id <> ''/);
    const withEntity = token({ entityId: "e1" });
    await s.tokens.insert(withEntity);
    await s.tokens.insert(token({ entityId: "" }));
    assert.is(await s.tokens.revokeByEntity("e1"), 1);
    assert.is(await s.tokens.revokeByEntity(""), 0, "'' is no entity");
  } finally {
    await s.close();
  }
});

t("migrations: a database from a newer build is refused", async () => {
  const path = freshPath();
  await (await openSqliteStorage({ path })).close();
  const raw = new Database(path);
  raw.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run();
  raw.close();
  try {
    await openSqliteStorage({ path });
    assert.unreachable("opened a newer schema");
  } catch (err) {
    assert.match(String(err), /newer than this build/);
  }
});

t("migrations: the SQL creates exactly the drizzle schema (columns, nullability, indexes)", async () => {
  const s = await openSqliteStorage({ path: ":memory:" });
  try {
    const tables: SQLiteTable[] = [
      schema.tokens,
      schema.mounts,
      schema.policies,
      schema.kv,
      schema.claims,
      schema.system,
      schema.counted,
      schema.counters,
      schema.entities,
      schema.entityAliases,
      schema.groups,
    ];
    // Every table the migrations create is described in the schema (nothing created and forgotten).
    const created = s.connection
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name`)
      .pluck()
      .all();
    assert.equal(created, tables.map((tb) => getTableConfig(tb).name).sort(), "tables");
    for (const table of tables) {
      const cfg = getTableConfig(table);
      const info = s.connection.prepare(`SELECT name, "notnull" AS nn FROM pragma_table_info(?) ORDER BY cid`).all(cfg.name) as {
        name: string;
        nn: number;
      }[];
      const want = cfg.columns.map((c) => ({ name: c.name, nn: c.notNull || c.primary ? 1 : 0 }));
      assert.equal(info, want, `columns of ${cfg.name}`);
      const indexes = s.connection
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`)
        .pluck()
        .all(cfg.name);
      assert.equal(indexes, cfg.indexes.map((i) => i.config.name).sort(), `indexes of ${cfg.name}`);
    }
  } finally {
    await s.close();
  }
});

t("durability: data, a use and a revoke all survive close and reopen", async () => {
  const path = freshPath();
  const parent = token({ numUses: 3 });
  const child = token({ parentHash: parent.idHash });
  const kept = token();
  let s = await openSqliteStorage({ path });
  for (const x of [parent, child, kept]) await s.tokens.insert(x);
  await s.system.put("init", "yes");
  await s.kv.put("ns", "k", { v: 1 });
  assert.is(await s.tokens.use(parent.idHash), 2);
  await s.close();

  s = await openSqliteStorage({ path });
  assert.is((await s.tokens.get(parent.idHash))?.numUses, 2);
  assert.is(await s.system.get("init"), "yes");
  assert.equal(await s.kv.get("ns", "k"), { v: 1 });
  assert.is(await s.tokens.revokeTree(parent.idHash), 2);
  await s.close();

  s = await openSqliteStorage({ path });
  try {
    assert.is(await s.tokens.get(parent.idHash), undefined);
    assert.is(await s.tokens.get(child.idHash), undefined);
    assert.equal(await s.tokens.get(kept.idHash), kept);
  } finally {
    await s.close();
  }
});

t("group commit: writes of one tick share one commit; nothing is acknowledged before it", async () => {
  const path = freshPath();
  const s = await openSqliteStorage({ path });
  const other = new Database(path, { readonly: true });
  try {
    const before = s.batch.commits;
    const recs = Array.from({ length: 10 }, () => token());
    let settled = 0;
    const writes = recs.map((r) => s.tokens.insert(r).then(() => settled++));
    // Same connection sees the batch at once (RETURNING-style results and read-your-writes) ...
    assert.ok(await s.tokens.get(recs[0].idHash));
    // ... while another connection does not, because it is not committed, and nobody was told it was.
    assert.is(other.prepare("SELECT count(*) FROM tokens").pluck().get(), 0);
    assert.is(settled, 0);
    await Promise.all(writes);
    assert.is(s.batch.commits - before, 1);
    assert.is(other.prepare("SELECT count(*) FROM tokens").pluck().get(), 10);
  } finally {
    other.close();
    await s.close();
  }
});

t("group commit: writes arriving turn after turn share one commit; a lone write, or a server that caught up, commits at once", async () => {
  const path = freshPath();
  const s = await openSqliteStorage({ path });
  /**
   * One write per event-loop turn, `turns` turns in a row, each made before the batch's end-of-turn
   * check runs (as requests read in a turn's poll phase are), then the first write.
   */
  const writesOverTurns = (turns: number): Promise<unknown> => {
    const writes: Promise<unknown>[] = [];
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const next = (left: number): void => {
      setImmediate(() => {
        if (left === 0) return done();
        writes.push(s.tokens.insert(token()));
        next(left - 1);
      });
    };
    next(turns);
    writes.push(s.tokens.insert(token()));
    return all.then(() => Promise.all(writes));
  };
  try {
    // A lone write is committed after the turn it came in, not held for the cap: were it held, this
    // write would wait a minute and the test would time out.
    s.batch.maxCommitDelayMs = 60_000;
    const before = s.batch.commits;
    await s.tokens.insert(token());
    assert.is(s.batch.commits, before + 1);
    // Turns that keep bringing writes keep the batch open; the first quiet turn commits them all.
    await writesOverTurns(6);
    assert.is(s.batch.commits, before + 2, "seven writes over seven turns, one commit");
    // With no delay allowed, the same writes are committed turn by turn (a WAL sync in flight holds a
    // commit back, so some may still share one: more than one commit, at most seven).
    s.batch.maxCommitDelayMs = 0;
    const mark = s.batch.commits;
    await writesOverTurns(6);
    const commits = s.batch.commits - mark;
    assert.ok(commits >= 2 && commits <= 7, `${commits} commits`);
  } finally {
    await s.close();
  }
});

t("group commit: a login's claim (withNextWrite) is committed with the write that follows it, or alone after a deadline", async () => {
  const path = freshPath();
  const s = await openSqliteStorage({ path });
  const other = new Database(path, { readonly: true });
  const claimsSeen = () => other.prepare("SELECT count(*) FROM claims").pluck().get();
  try {
    const before = s.batch.commits;
    const later = Date.now() + 60_000;
    assert.is(await s.kv.claimOnce("n", "login-1", later, Date.now(), { withNextWrite: true }), true);
    // Exact at once: every later claim on this connection sees it.
    assert.is(await s.kv.claimOnce("n", "login-1", later, Date.now(), { withNextWrite: true }), false);
    assert.ok(await s.kv.get("n", "x") === undefined, "reads run in the open batch");
    // A negative check: a due batch commits after a quiet turn or within maxCommitDelayMs (5 ms); this one is not due.
    await new Promise((r) => setTimeout(r, 30));
    assert.is(s.batch.commits, before, "the claim was committed on its own");
    assert.is(claimsSeen(), 0);
    // The login's token: one commit (and one WAL sync) for both, acknowledged only once durable.
    const rec = token();
    await s.tokens.insert(rec);
    assert.is(s.batch.commits, before + 1);
    assert.is(claimsSeen(), 1);
    assert.is(other.prepare("SELECT count(*) FROM tokens").pluck().get(), 1);
    // A claim no write follows (a refused login) is committed on its own after the deadline.
    assert.is(await s.kv.claimOnce("n", "login-2", later, Date.now(), { withNextWrite: true }), true);
    await waitFor("the lone claim's own commit", 5000, async () => claimsSeen() === 2);
    assert.is(s.batch.commits, before + 2);
    // Without the option a claim is committed on the next tick, as before.
    assert.is(await s.kv.claimOnce("n", "plain", later, Date.now()), true);
    await waitFor("the plain claim's commit", 5000, async () => claimsSeen() === 3);
  } finally {
    other.close();
    await s.close();
  }
});

t("group commit: a deferred claim pending at close() is committed by it", async () => {
  const path = freshPath();
  const s = await openSqliteStorage({ path });
  assert.is(await s.kv.claimOnce("n", "c", Date.now() + 60_000, Date.now(), { withNextWrite: true }), true);
  await s.close();
  const again = await openSqliteStorage({ path });
  try {
    assert.is(await again.kv.claimOnce("n", "c", Date.now() + 60_000, Date.now()), false);
  } finally {
    await again.close();
  }
});

t("group commit: a pending batch is committed by close()", async () => {
  const path = freshPath();
  const s = await openSqliteStorage({ path });
  const rec = token();
  const write = s.tokens.insert(rec);
  await s.close();
  await write;
  const again = await openSqliteStorage({ path });
  try {
    assert.ok(await again.tokens.get(rec.idHash));
    assert.is(await again.ping(), true);
  } finally {
    await again.close();
  }
  assert.is(await s.ping(), false);
  await s.tokens.insert(token()).then(
    () => assert.unreachable("write after close"),
    (err: unknown) => assert.match(String(err), /closed/),
  );
});

t("statements are prepared on first use, once; opening prepares only the few raw ones", async () => {
  const original = Database.prototype.prepare;
  let compiled = 0;
  Database.prototype.prepare = function (this: Database.Database, source: string) {
    compiled++;
    return original.call(this, source);
  } as typeof original;
  let s: SqliteStorage | undefined;
  try {
    s = await openSqliteStorage({ path: freshPath() });
    const atOpen = compiled;
    // Pragmas, migrations bookkeeping, the write batch's and the hot read: raw, and few.
    assert.ok(atOpen < 20, `${atOpen} statements prepared at open`);
    await s.kv.get("n", "k");
    assert.is(compiled, atOpen + 1);
    await s.kv.get("n", "k2");
    await s.kv.get("n", "k3");
    assert.is(compiled, atOpen + 1);
    // Every store made its table on this connection (the others are prepared here, now).
    assert.ok(prepareAllStatements(s.connection) > 60);
  } finally {
    Database.prototype.prepare = original;
    await s?.close();
  }
});

t("prepared only: once every statement is prepared, no store method compiles one", async () => {
  const s = await openSqliteStorage({ path: freshPath() });
  const conn = s.connection;
  prepareAllStatements(conn);
  const original = conn.prepare.bind(conn);
  let compiled = 0;
  conn.prepare = ((source: string) => {
    compiled++;
    return original(source);
  }) as typeof conn.prepare;
  try {
    const p = token({ numUses: 2, path: "auth/x/login" });
    const c = token({ parentHash: p.idHash, expiresAt: 1 });
    await s.tokens.insert(p);
    await s.tokens.insert(c);
    await s.tokens.get(p.idHash);
    await s.tokens.getByAccessor(p.accessor);
    await s.tokens.use(p.idHash);
    await s.tokens.renew(p.idHash, { ttl: 1, expiresAt: 2, lastRenewalAt: 3 });
    await s.tokens.listAccessors();
    await s.tokens.count();
    await s.tokens.revokeExpired(10, 10);
    await s.tokens.revokeOrphan(p.idHash);
    await s.tokens.revokeTree(p.idHash);
    await s.tokens.revokeByPathPrefix("auth/x/");
    const m = { path: "auth/m/", type: "t", accessor: "a", uuid: "u", description: "", config: {}, options: {}, createdAt: 1 };
    await s.mounts.insert(m);
    await s.mounts.update(m);
    await s.mounts.list();
    await s.mounts.delete(m.path);
    await s.policies.put({ name: "p", text: "", updatedAt: 1, managedBy: "" });
    await s.policies.release("p");
    await s.policies.get("p");
    await s.policies.list();
    await s.policies.delete("p");
    await s.kv.put("n", "k", 1);
    await s.kv.get("n", "k");
    await s.kv.listKeys("n", "");
    await s.kv.delete("n", "k");
    await s.kv.claimOnce("n", "c", 1, 0);
    await s.kv.pruneClaims(10, 10);
    await s.kv.putCounted("n", "c", { v: 1 }, 2, 0);
    await s.kv.peekCounted("n", "c", 1);
    await s.kv.takeCounted("n", "c", 1);
    await s.kv.listCounted("n", "");
    await s.kv.pruneCounted(10, 10);
    await s.kv.deleteCounted("n", "c");
    await s.kv.bumpCounter("n", "b", 1000, 1);
    await s.kv.bumpCounter("n", "b", 1000, 2);
    await s.kv.resetCounter("n", "b");
    await s.kv.deleteNamespace("n");
    await s.tokens.revokeByEntity("e");
    const e = { id: "e", name: "e", policies: [], metadata: {}, disabled: false, createdAt: 1, updatedAt: 1 };
    const a = { id: "a", entityId: "e", mountAccessor: "m", name: "p", metadata: {}, createdAt: 1 };
    const g = { id: "g", name: "g", policies: [], memberEntityIds: ["e"], metadata: {}, createdAt: 1, updatedAt: 1 };
    await s.identity.insertEntity(e);
    await s.identity.updateEntity(e);
    await s.identity.updateEntity({ ...e, id: "other" });
    await s.identity.getEntity("e");
    await s.identity.getEntityByName("e");
    await s.identity.listEntities();
    await s.identity.insertAlias(a);
    await s.identity.updateAlias(a);
    await s.identity.getAlias("a");
    await s.identity.findAlias("m", "p");
    await s.identity.listAliases();
    await s.identity.aliasesOf("e");
    await s.identity.resolveAlias(e, a);
    await s.identity.resolveAlias({ ...e, id: "e2", name: "e2" }, { ...a, id: "a2", name: "p2" });
    await s.identity.deleteAlias("a");
    await s.identity.deleteEntity("e");
    await s.identity.insertGroup(g);
    await s.identity.updateGroup(g);
    await s.identity.getGroup("g");
    await s.identity.getGroupByName("g");
    await s.identity.listGroups();
    await s.identity.groupsOf("e");
    await s.identity.deleteGroup("g");
    await s.system.put("k", "v");
    await s.system.putIfAbsent("k", "v");
    await s.system.get("k");
    await s.system.delete("k");
    await s.ping();
    assert.is(compiled, 0);
  } finally {
    conn.prepare = original;
    await s.close();
  }
});

/**
 * Replaces fs.fdatasync (the write batch's WAL sync) for the test: each call is held until released, or
 * failed. syncBuiltinESMExports makes the write batch's named import see the replacement.
 */
function holdSyncs() {
  const original = fs.fdatasync;
  const held: Array<(err: Error | null) => void> = [];
  const files: string[] = [];
  fs.fdatasync = ((fd: number, cb: (err: Error | null) => void) => {
    files.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
    held.push((err) => (err ? cb(err) : original(fd, cb)));
  }) as typeof fs.fdatasync;
  syncBuiltinESMExports();
  return {
    held,
    files,
    restore() {
      fs.fdatasync = original;
      syncBuiltinESMExports();
    },
  };
}

t("a write is acknowledged only after the WAL it was committed to is fdatasync'd (durability off the event loop)", async () => {
  const path = freshPath();
  const s = await openSqliteStorage({ path });
  const syncs = holdSyncs();
  try {
    let settled = false;
    const v = token();
    const insert = s.tokens.insert(v).then((ok) => ((settled = true), ok));
    await waitFor("the commit and a sync request", 5000, async () => s.batch.commits > 0 && syncs.held.length === 1);
    // Committed (another read sees it) but not yet on disk: not acknowledged.
    assert.is(syncs.files[0], `${fs.realpathSync(path)}-wal`, "the WAL file is what is synced");
    await new Promise((r) => setTimeout(r, 50));
    assert.is(settled, false, "acknowledged before its WAL sync");
    // A write made while a sync is in flight joins the open batch, committed and synced after it.
    const commits = s.batch.commits;
    const v2 = token();
    const second = s.tokens.insert(v2);
    assert.equal(await s.tokens.get(v2.idHash), v2, "the open batch serves reads on the connection");
    await new Promise((r) => setTimeout(r, 20));
    assert.is(s.batch.commits, commits, "no commit while a sync is in flight");
    assert.is(syncs.held.length, 1, "one sync in flight at a time");
    syncs.held.shift()!(null);
    assert.is(await insert, true);
    await waitFor("the second commit and its sync request", 5000, async () => s.batch.commits === commits + 1 && syncs.held.length === 1);
    // A failed sync: the writes it covered are never reported done.
    const outcome = second.then(
      () => "acknowledged",
      (e: Error) => e.message,
    );
    syncs.held.shift()!(new Error("EIO: simulated"));
    assert.is(await outcome, "EIO: simulated");
    assert.ok(s.batch.syncs >= 1);
  } finally {
    syncs.restore();
    await s.close();
  }
});

t("WAL checkpoints run in the background worker, not in a COMMIT on the event loop", async () => {
  const path = freshPath();
  const s = await openSqliteStorage({ path });
  try {
    assert.is(s.connection.pragma("wal_autocheckpoint", { simple: true }), FALLBACK_AUTOCHECKPOINT_PAGES);
    const before = statSync(path).size;
    // A few hundred pages of writes: far below the connection's own threshold.
    for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 50 }, () => s.tokens.insert(token({ meta: { pad: "x".repeat(500) } }))));
    assert.ok(statSync(`${path}-wal`).size > 100 * 4096, "the writes went to the WAL");
    // Only a checkpoint writes pages into the main file.
    await waitFor("the worker to checkpoint into the main file", 10_000, async () => statSync(path).size > before + 100 * 4096);
  } finally {
    await s.close();
  }
});

t("a store reopened after a clean close starts its checkpointer at its first commit, not at open", async () => {
  const path = freshPath();
  // A new store's migrations write to the WAL: its checkpointer starts at open. Its close folds the WAL back.
  const first = await openSqliteStorage({ path });
  assert.is(first.checkpointing, true);
  await first.close();
  const s = await openSqliteStorage({ path });
  try {
    assert.is(s.checkpointing, false, "nothing to checkpoint: no worker yet");
    // The sweeper's pass at start: a write transaction that finds nothing to delete writes no frame.
    assert.is(await s.tokens.revokeExpired(Date.now(), 100), 0);
    assert.is(s.checkpointing, false, "a commit that changed nothing starts no worker");
    assert.ok(await s.tokens.insert(token()));
    assert.is(s.checkpointing, true);
  } finally {
    await s.close();
  }
});

t("the hot token read (raw statement, hand-written mapping) and peek's equal drizzle's mapped read by accessor", async () => {
  const s = await openSqliteStorage({ path: freshPath() });
  try {
    const variants = [
      token({ idHash: "h1" }),
      token({ idHash: "h2", parentHash: "h1", policies: ["a", "b"], meta: { k: "v" }, boundCidrs: ["10.0.0.0/8"], renewable: false, numUses: 3, entityId: "e", role: "r" }),
      token({ idHash: "h3", auth: { alias: "x", metadata: { m: "1" }, internal: { role_name: "dev" } } }),
      token({ idHash: "h4", expiresAt: 5_000 }),
      token({ idHash: "h5", parentHash: "h4" }),
      // Deeper chains (the recursive walk) and a never-expiring parent.
      token({ idHash: "h6", parentHash: "h5", expiresAt: 9_000 }),
      token({ idHash: "h7", parentHash: "h6" }),
      token({ idHash: "h8", parentHash: "h1" }),
    ];
    const expected: Record<string, number> = { h5: 5_000, h6: 5_000, h7: 5_000 };
    for (const v of variants) {
      await s.tokens.insert(v);
      const hot = await s.tokens.get(v.idHash);
      assert.equal(hot, await s.tokens.getByAccessor(v.accessor));
      // peek's one-text form of the same read maps to the same record.
      assert.equal(s.tokens.peek!(v.idHash), hot);
      assert.equal(hot, expected[v.idHash] !== undefined ? { ...v, ancestorExpiresAt: expected[v.idHash] } : v);
    }
    assert.is(await s.tokens.get("missing"), undefined);
  } finally {
    await s.close();
  }
});

t("peek: get's read without a promise, the same frozen record while the row is unchanged, a new one after any write", async () => {
  const s = await openSqliteStorage({ path: freshPath() });
  try {
    const peek = (h: string) => s.tokens.peek!(h);
    const parent = token({ idHash: "p1", expiresAt: 50_000 });
    const v = token({ idHash: "k1", parentHash: "p1", policies: ["a"], meta: { k: "v" }, expiresAt: 60_000 });
    await s.tokens.insert(parent);
    await s.tokens.insert(v);
    const first = peek("k1");
    assert.ok(first !== undefined && !(first instanceof Promise));
    assert.equal(first, await s.tokens.get("k1"));
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.policies) && Object.isFrozen(first.meta));
    assert.is(peek("k1"), first, "unchanged row: the same object");
    assert.ok(await s.tokens.renew("k1", { ttl: 10, expiresAt: 70_000, lastRenewalAt: 1 }));
    const renewed = peek("k1") as TokenRecord;
    assert.is.not(renewed, first, "renewed: another record");
    assert.is(renewed.expiresAt, 70_000);
    assert.is(peek("k1"), renewed);
    // A change in another row the read joins (the parent's expiry) is a change too.
    assert.ok(await s.tokens.renew("p1", { ttl: 10, expiresAt: 55_000, lastRenewalAt: 1 }));
    const reparented = peek("k1") as TokenRecord;
    assert.is.not(reparented, renewed);
    assert.is(reparented.ancestorExpiresAt, 55_000);
    // Orphaned (the parent revoked alone): the parent column changed.
    assert.is(await s.tokens.revokeOrphan("p1"), 1);
    const orphaned = peek("k1") as TokenRecord;
    assert.is.not(orphaned, reparented);
    assert.is(orphaned.parentHash, null);
    assert.is(orphaned.ancestorExpiresAt, undefined);
    // A use taken.
    const limited = token({ idHash: "u1", numUses: 3 });
    await s.tokens.insert(limited);
    const before = peek("u1") as TokenRecord;
    assert.is(await s.tokens.use("u1"), 2);
    assert.is((peek("u1") as TokenRecord).numUses, 2);
    assert.is.not(peek("u1"), before);
    assert.is(await s.tokens.revokeTree("k1"), 1);
    assert.is(peek("k1"), undefined, "revoked: gone on the next read");
    // The same key written again (a custom id created anew) with other contents: the new row's record,
    // though its expiry, uses and renewal are the old row's.
    await s.tokens.insert({ ...v, parentHash: null, accessor: "another-accessor", policies: ["b"], meta: { k: "w" }, expiresAt: 70_000, ttl: 10, lastRenewalAt: 1 });
    const again = peek("k1") as TokenRecord;
    assert.equal([again.accessor, again.policies, again.meta], ["another-accessor", ["b"], { k: "w" }]);
    assert.is(peek("missing"), undefined);
  } finally {
    await s.close();
  }
});

t("peek: a blob sealed again is a change; a generic rewrite and a snapshot restore forget every kept row", async () => {
  const s = await openSqliteStorage({ path: freshPath() });
  try {
    const peek = (h: string) => s.tokens.peek!(h) as TokenRecord;
    await s.tokens.insert(token({ idHash: "b1", displayName: "one", sealed: Buffer.from("term|iv|ciphertext|tag-number-one!") }));
    const first = peek("b1");
    assert.is(peek("b1"), first);
    // Only the blob's bytes change (as a rekey seals the same record again, with a fresh IV and tag).
    await s.batch.write(() => s.connection.prepare("UPDATE tokens SET sealed = ? WHERE id_hash = 'b1'").run(Buffer.from("term|iv|ciphertext|tag-number-two!")));
    const resealed = peek("b1");
    assert.is.not(resealed, first, "another blob: another record");
    assert.is(resealed.sealed!.toString(), "term|iv|ciphertext|tag-number-two!");
    // Orphaned under a parent that never expires: the ancestors' expiry stays none, the parent column changes.
    await s.tokens.insert(token({ idHash: "np", expiresAt: 0 }));
    await s.tokens.insert(token({ idHash: "nc", parentHash: "np" }));
    assert.is(peek("nc").parentHash, "np");
    assert.is(await s.tokens.revokeOrphan("np"), 1);
    assert.is(peek("nc").parentHash, null, "orphaned: read afresh");
    // A custom id revoked and created again with other contents, no read in between: same uses,
    // expiry and renewal, another accessor.
    await s.tokens.insert(token({ idHash: "c1", accessor: "first-accessor", policies: ["a"] }));
    assert.equal(peek("c1").policies, ["a"]);
    assert.is(await s.tokens.revokeTree("c1"), 1);
    await s.tokens.insert(token({ idHash: "c1", accessor: "second-accessor", policies: ["b"] }));
    assert.equal([peek("c1").accessor, peek("c1").policies], ["second-accessor", ["b"]]);
    // A rewrite may change any column, one the row's version does not hold included.
    assert.is(await s.rewriteAll({ rows: { tokens: (row: { idHash: string }) => (row.idHash === "b1" ? { displayName: "two" } : undefined) } }), 1);
    assert.is(peek("b1").displayName, "two", "rewritten: read afresh");
    // A restore replaces rows with the snapshot's (display name "two"), same version or not.
    const file = s.snapshots!.tempPath("save");
    await s.snapshots!.save(file);
    assert.is(await s.rewriteAll({ rows: { tokens: (row: { idHash: string }) => (row.idHash === "b1" ? { displayName: "three" } : undefined) } }), 1);
    assert.is(peek("b1").displayName, "three");
    await s.snapshots!.restore(file);
    assert.is(peek("b1").displayName, "two", "restored: read afresh");
  } finally {
    await s.close();
  }
});

t("peek: no read while the batch's generation holds; any write, a new snapshot or another connection's commit reads again", async () => {
  const path = freshPath();
  const s = await openSqliteStorage({ path });
  const Statement = Object.getPrototypeOf(s.connection.prepare("SELECT 1")) as { get: (...args: unknown[]) => unknown };
  const original = Statement.get;
  let reads = 0;
  Statement.get = function (this: { source: string }, ...args: unknown[]) {
    if (/\btokens\b/.test(this.source)) reads++;
    return original.apply(this, args);
  };
  try {
    const peek = (h: string) => s.tokens.peek!(h) as TokenRecord | undefined;
    await s.tokens.insert(token({ idHash: "g1" }));
    const first = peek("g1");
    assert.ok(first);
    reads = 0;
    for (let i = 0; i < 10; i++) assert.is(peek("g1"), first);
    assert.is(reads, 0, "the same snapshot, nothing written: no read");
    // Any write moves the generation, whatever it touched: one read, the same record (the row is unchanged).
    await s.system.put("unrelated", "x");
    assert.is(peek("g1"), first);
    assert.is(peek("g1"), first);
    assert.is(reads, 1, "one read after the write, then none");
    // A write to the row itself: read again, another record.
    assert.ok(await s.tokens.renew("g1", { ttl: 10, expiresAt: 90_000, lastRenewalAt: 2 }));
    const renewed = peek("g1");
    assert.is.not(renewed, first);
    assert.is(renewed!.expiresAt, 90_000);
    // A write that fails (a duplicate key; SQLite undoes the statement): the next peek reads.
    reads = 0;
    await s.tokens.insert(token({ idHash: "g1" })).then(
      () => assert.unreachable("a duplicate key is refused"),
      () => undefined,
    );
    assert.is(peek("g1"), renewed);
    assert.is(reads, 1);
    // Another connection's revocation: seen once the snapshot is renewed (250 ms), as any read sees it.
    // (Once this connection's batch has committed: it holds the write lock until then.)
    const other = new Database(path, { timeout: 0 });
    try {
      await waitFor("the other connection's delete", 5_000, async () => {
        try {
          return other.prepare("DELETE FROM tokens WHERE id_hash = 'g1'").run().changes === 1;
        } catch {
          return false;
        }
      });
    } finally {
      other.close();
    }
    assert.ok(await waitFor("another connection's revocation", 5_000, async () => peek("g1") === undefined));
  } finally {
    Statement.get = original;
    await s.close();
  }
});

t("reads share a short-lived snapshot: own writes are seen at once, another connection's within the refresh", async () => {
  const path = freshPath();
  const s = await openSqliteStorage({ path });
  try {
    const tok = token({ idHash: "snap" });
    await s.tokens.insert(tok);
    assert.ok(await s.tokens.get("snap"), "a committed write is seen by the next read");
    await s.tokens.revokeTree("snap");
    assert.is(await s.tokens.get("snap"), undefined, "and so is a revocation");
    // A read opens a snapshot; a write from another connection shows up once it is renewed.
    await s.tokens.get("warm-the-snapshot");
    const other = new Database(path);
    other.prepare("INSERT INTO system (key, value) VALUES ('external', 'x')").run();
    other.close();
    // Within the snapshot's refresh (250 ms); polled, since a busy machine may be late.
    assert.is(await waitFor("the other connection's write", 5_000, async () => s.system.get("external")), "x");
  } finally {
    await s.close();
  }
});

t.run();

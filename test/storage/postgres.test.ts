/**
 * The shared storage contract against PostgreSQL, plus what only a networked, multi-node engine has:
 * concurrent migration, exactness across two Storage instances (two pools = two nodes), prompt errors
 * when the server is unreachable. One throw-away database per file; each opened Storage gets its own
 * table prefix in it, so cases stay independent without a CREATE DATABASE each.
 */
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import pg from "pg";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { postgresMigrations } from "../../src/storage/migrations/postgres/index.js";
import { migrate } from "../../src/storage/postgres/migrate.js";
import { openPostgresStorage, type PostgresStorage } from "../../src/storage/postgres/index.js";
import { isStorageUnavailable } from "../../src/storage/postgres/errors.js";
import { prefixEnd } from "../../src/storage/postgres/prepared.js";
import { pgTables } from "../../src/storage/postgres/schema.js";
import { createThrowawayDatabase } from "../helpers/pg.js";
import { storageContract, token } from "./contract.js";

const db = await createThrowawayDatabase();
// uvu runs suites one after another; the database goes when the last one is done.
process.on("beforeExit", () => {
  const drop = db.drop;
  db.drop = async () => undefined;
  void drop();
});

let n = 0;
const freshPrefix = () => `t${++n}_${process.pid}`;
const open = (tablePrefix = freshPrefix(), maxConnections = 4) => openPostgresStorage({ connectionUrl: db.url, tablePrefix, maxConnections });

storageContract("postgresql", () => open());

const t = suite("postgresql specifics");

t("prefixEnd: the successor of a prefix bounds exactly the strings that start with it", () => {
  assert.is(prefixEnd("auth/a/"), "auth/a0");
  assert.is(prefixEnd(""), "");
  assert.is(prefixEnd("a\u{10ffff}"), "b");
  assert.is(prefixEnd("\u{10ffff}"), "");
  assert.is(prefixEnd("x\ud7ff"), "x\ue000");
});

t("migrations: the SQL creates exactly the drizzle schema (columns, types, nullability, indexes)", async () => {
  const s = await open();
  try {
    const tables = Object.values(pgTables(s.tablePrefix)) as PgTable[];
    for (const table of tables) {
      const cfg = getTableConfig(table);
      const cols = await s.pool.query<{ column_name: string; data_type: string; is_nullable: string; collation_name: string | null }>(
        "SELECT column_name, data_type, is_nullable, collation_name FROM information_schema.columns WHERE table_name = $1 ORDER BY column_name",
        [cfg.name],
      );
      const want = cfg.columns
        .map((c) => ({ column_name: c.name, data_type: c.getSQLType(), is_nullable: c.notNull ? "NO" : "YES" }))
        .sort((a, b) => (a.column_name < b.column_name ? -1 : 1));
      const got = cols.rows.map((r) => ({
        column_name: r.column_name,
        data_type: r.data_type.replace("character varying", "varchar"),
        is_nullable: r.is_nullable,
      }));
      assert.equal(got, want.map((w) => ({ ...w, data_type: w.data_type === "text" ? "text" : w.data_type })), cfg.name);
      // Range scans and sorted listings rely on byte order.
      for (const r of cols.rows) if (r.data_type === "text") assert.is(r.collation_name, "C", `${cfg.name}.${r.column_name}`);
      const idx = await s.pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname", [cfg.name]);
      const wantIdx = [
        ...cfg.indexes.map((i) => i.config.name),
        ...cfg.primaryKeys.map((k) => k.getName()),
        ...cfg.columns.filter((c) => c.primary).map(() => `${cfg.name}_pkey`),
      ].sort();
      assert.equal(idx.rows.map((r) => r.indexname).sort(), wantIdx, `${cfg.name} indexes`);
    }
  } finally {
    await s.close();
  }
});

t("migrations: two nodes opening one fresh schema at once migrate it exactly once", async () => {
  const prefix = freshPrefix();
  const opened = await Promise.all([open(prefix), open(prefix), open(prefix)]);
  try {
    const rows = await opened[0]!.pool.query(`SELECT version, name FROM ${prefix}_schema_migrations ORDER BY version`);
    assert.equal(
      rows.rows,
      postgresMigrations.map((m) => ({ version: m.version, name: m.name })),
    );
    // And every instance works against the one schema.
    await opened[1]!.system.put("k", "v");
    assert.is(await opened[2]!.system.get("k"), "v");
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
});

t("migrations: a version-2 schema upgrades to the latest: used-up counted entries get their index, and tidy still finds them", async () => {
  const prefix = freshPrefix();
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    await migrate(pool, prefix, postgresMigrations.slice(0, 2));
  } finally {
    await pool.end();
  }
  const s = await open(prefix);
  try {
    const idx = await s.pool.query<{ def: string }>("SELECT indexdef AS def FROM pg_indexes WHERE indexname = $1", [`${prefix}_counted_used_up`]);
    assert.match(idx.rows[0]?.def ?? "", /WHERE \(uses = '?-1'?/);
    const now = Date.now();
    await s.kv.putCounted("ns", "once", "v", 1, 0);
    await s.kv.putCounted("ns", "kept", "v", 2, 0);
    assert.ok(await s.kv.takeCounted("ns", "once", now));
    assert.is(await s.kv.pruneCounted(now, 100), 1, "the used-up one (uses = -1) only");
    assert.equal(await s.kv.listCounted("ns", ""), ["kept"]);
  } finally {
    await s.close();
  }
});

t("migrations: a schema from a newer build is refused", async () => {
  const prefix = freshPrefix();
  const s = await open(prefix);
  await s.pool.query(`INSERT INTO ${prefix}_schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`);
  await s.close();
  try {
    await open(prefix);
    assert.unreachable("opened a newer schema");
  } catch (err) {
    assert.match(String(err), /newer than this build/);
  }
});

t("an invalid table prefix is refused before it reaches SQL", async () => {
  for (const bad of ["Warden", "w;drop", "1abc", ""]) {
    try {
      await open(bad);
      assert.unreachable(bad);
    } catch (err) {
      assert.match(String(err), /table prefix/);
    }
  }
});

/** Two Storage instances on one schema: two pools, as two warden nodes would have. */
async function twoNodes(): Promise<[PostgresStorage, PostgresStorage]> {
  const prefix = freshPrefix();
  const a = await open(prefix, 8);
  const b = await open(prefix, 8);
  return [a, b];
}

t("two nodes: 60 concurrent uses of a num_uses=7 token split across nodes give exactly 7", async () => {
  const [a, b] = await twoNodes();
  try {
    const rec = token({ numUses: 7 });
    await a.tokens.insert(rec);
    const rs = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).tokens.use(rec.idHash)));
    const taken = rs.filter((v): v is number => v !== undefined).sort((x, y) => y - x);
    assert.equal(taken, [6, 5, 4, 3, 2, 1, -1]);
    assert.is((await b.tokens.get(rec.idHash))?.numUses, -1);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

t("two nodes: claimOnce of one key, 40 racers on both, exactly one true", async () => {
  const [a, b] = await twoNodes();
  try {
    const now = Date.now();
    const later = now + 60_000;
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).kv.claimOnce("ns", "nonce", later, now)));
    assert.is(rs.filter(Boolean).length, 1);
    // A replay on the other node is refused too.
    assert.is(await a.kv.claimOnce("ns", "nonce", later, now), false);
    assert.is(await b.kv.claimOnce("ns", "nonce", later, now), false);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

t("two nodes: takeCounted with 5 uses, 30 racers on both, exactly 5 takes", async () => {
  const [a, b] = await twoNodes();
  try {
    await a.kv.putCounted("ns", "secret", { role: "r" }, 5, 0);
    const now = Date.now();
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).kv.takeCounted("ns", "secret", now)));
    const left = rs.flatMap((r) => (r ? [r.usesLeft] : [])).sort((x, y) => y - x);
    assert.equal(left, [4, 3, 2, 1, -1]);
    assert.equal(rs.find(Boolean)?.value, { role: "r" });
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

t("two nodes: bumpCounter from both nodes counts every bump once", async () => {
  const [a, b] = await twoNodes();
  try {
    const now = Date.now();
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).kv.bumpCounter("ns", "user", 60_000, now)));
    assert.equal(
      rs.sort((x, y) => x - y),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

t("two nodes: a revocation on A is seen by B's next read; mounts and putIfAbsent race across nodes", async () => {
  const [a, b] = await twoNodes();
  try {
    const root = token();
    const child = token({ parentHash: root.idHash });
    await b.tokens.insert(root);
    await b.tokens.insert(child);
    assert.ok(await b.tokens.get(child.idHash));
    assert.is(await a.tokens.revokeTree(root.idHash), 2);
    assert.is(await b.tokens.get(root.idHash), undefined);
    assert.is(await b.tokens.get(child.idHash), undefined);

    const path = "auth/race/";
    const ins = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).mounts.insert({ path, type: "approle", accessor: `acc_${i}`, uuid: `u${i}`, description: "", config: {}, options: {}, createdAt: 1 })));
    assert.is(ins.filter(Boolean).length, 1);
    const init = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).system.putIfAbsent("init", `v${i}`)));
    assert.is(init.filter(Boolean).length, 1);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

t("two nodes: concurrent first logins of one principal resolve to one entity", async () => {
  const [a, b] = await twoNodes();
  try {
    const rs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).identity.resolveAlias(
          { id: `e${i}`, name: `entity_${i}`, policies: [], metadata: {}, disabled: false, createdAt: 1, updatedAt: 1 },
          { id: `a${i}`, entityId: `e${i}`, mountAccessor: "auth_x_1", name: "arn:principal", metadata: {}, createdAt: 1 },
        ),
      ),
    );
    assert.is(new Set(rs.map((r) => r.entity.id)).size, 1);
    assert.is(rs.filter((r) => r.created).length, 1);
    assert.is((await a.identity.listEntities()).length, 1);
    assert.is((await b.identity.listAliases()).length, 1);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

t("JSON strings that look like other JSON values round-trip as strings", async () => {
  const s = await open();
  try {
    for (const v of ["42", "true", "null", '{"a":1}', "[1]", "", "ü\n\t\"'"]) {
      await s.kv.put("ns", "k", v);
      assert.is(await s.kv.get("ns", "k"), v);
    }
    await s.kv.put("ns", "big", { ms: 8_640_000_000_000_000 });
    assert.equal(await s.kv.get("ns", "big"), { ms: 8_640_000_000_000_000 });
    const rec = token({ expiresAt: 4_102_444_800_000, createdAt: Date.now() });
    await s.tokens.insert(rec);
    const got = await s.tokens.get(rec.idHash);
    assert.is(typeof got?.expiresAt, "number");
    assert.equal(got, rec);
  } finally {
    await s.close();
  }
});

t("unreachable server: open and ping fail promptly instead of hanging", async () => {
  const started = Date.now();
  try {
    // Nothing listens on port 1; connection refused must surface as a prompt, classifiable error.
    await openPostgresStorage({ connectionUrl: "postgresql://postgres@127.0.0.1:1/x", tablePrefix: "w", maxConnections: 1, connectTimeoutMs: 1000 });
    assert.unreachable("opened");
  } catch (err) {
    assert.ok(isStorageUnavailable(err), String(err));
  }
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
});

t("lost connections: a terminated backend fails only in-flight work; ping recovers", async () => {
  const s = await open();
  try {
    assert.is(await s.ping(), true);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    // What a PostgreSQL restart does to open connections.
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    await admin.end();
    // The pool drops dead clients; the next checkouts connect afresh.
    let ok = false;
    for (let i = 0; i < 5 && !ok; i++) ok = await s.ping();
    assert.is(ok, true);
    await s.system.put("after", "1");
    assert.is(await s.system.get("after"), "1");
  } finally {
    await s.close();
  }
});

t("a failing statement's error names the failure, not the bound values, and keeps its SQLSTATE", async () => {
  const s = await open();
  try {
    const secretish = token({ accessor: "dup", meta: { note: "s3cr3t-value" } });
    await s.tokens.insert(token({ accessor: "dup" }));
    try {
      await s.tokens.insert(secretish);
      assert.unreachable("duplicate accessor inserted");
    } catch (err) {
      assert.is((err as { code?: string }).code, "23505");
      assert.not.match(String((err as Error).message), /s3cr3t-value|h0{10}/);
    }
  } finally {
    await s.close();
  }
});

t("ping is false after close", async () => {
  const s = await open();
  await s.close();
  assert.is(await s.ping(), false);
});

t.run();

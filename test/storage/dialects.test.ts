// The SQLite and PostgreSQL schemas are written twice (drizzle schema and migrations, per dialect).
// This suite holds the four copies to one shape: each dialect's drizzle schema equals its migrated
// database exactly, and the two dialects agree on tables, columns, types, nullability, primary keys,
// indexes (columns, uniqueness, partial predicate) and foreign keys, except for the differences
// listed in INTENDED with the reason for each. A new difference fails until it is fixed or listed;
// a listed one that went away fails too, so the list stays true.
import Database from "better-sqlite3";
import type { PgTable } from "drizzle-orm/pg-core";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { postgresMigrations } from "../../src/storage/migrations/postgres/index.js";
import { sqliteMigrations } from "../../src/storage/migrations/sqlite/index.js";
import { migrate as migratePg } from "../../src/storage/postgres/migrate.js";
import { pgTables } from "../../src/storage/postgres/schema.js";
import * as sqliteSchema from "../../src/storage/sqlite/schema.js";
import { migrate as migrateSqlite } from "../../src/storage/sqlite/migrate.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "../helpers/pg.js";
import { pgDatabaseShape, pgDrizzleShape, type SchemaShape, sqliteDatabaseShape, sqliteDrizzleShape } from "./schema-shape.js";

/** Differences between the dialects that are meant, each with why. Keys are compare()'s lines. */
const INTENDED: Record<string, string> = {
  "tokens: foreign key parent_hash -> tokens(id_hash) on delete cascade only on postgresql":
    "Several PostgreSQL nodes write at once: the foreign key makes PostgreSQL serialise a child's insert against its parent's revocation on the parent row. SQLite has one writer, and checks the parent inside the insert's own transaction (SqliteTokenStore.insert).",
};

/** Types that hold the same values in both dialects, per source ([sqlite, postgresql]). */
const SAME_VALUES = {
  // The drizzle column kinds (see src/storage/*/columns.ts).
  drizzle: new Set(["text|text", "json|jsonb", "integer|integer", "integer|bigint", "boolean|boolean", "blob|bytea"]),
  // SQLite's STRICT storage classes: JSON is TEXT, booleans and every integer width are INTEGER.
  database: new Set(["text|text", "text|jsonb", "integer|integer", "integer|bigint", "integer|boolean", "blob|bytea"]),
};

/** A drizzle column kind as the SQLite database declares it. */
const SQLITE_DECLARED: Record<string, string> = { text: "text", json: "text", integer: "integer", boolean: "integer", blob: "blob" };

const list = (xs: string[]) => `(${xs.join(", ")})`;

/** Every difference between two shapes, one line each; `typesMatch` says which column types correspond. */
function compare(a: SchemaShape, b: SchemaShape, names: [string, string], typesMatch: (ta: string, tb: string) => boolean): string[] {
  const [an, bn] = names;
  const out: string[] = [];
  const keys = (x: object, y: object) => [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
  for (const table of keys(a, b)) {
    const ta = a[table];
    const tb = b[table];
    if (!ta || !tb) {
      out.push(`table ${table} only on ${ta ? an : bn}`);
      continue;
    }
    for (const col of keys(ta.columns, tb.columns)) {
      const ca = ta.columns[col];
      const cb = tb.columns[col];
      if (!ca || !cb) {
        out.push(`${table}.${col}: only on ${ca ? an : bn}`);
        continue;
      }
      if (!typesMatch(ca.type, cb.type)) out.push(`${table}.${col}: type ${ca.type} on ${an}, ${cb.type} on ${bn}`);
      if (ca.nullable !== cb.nullable) out.push(`${table}.${col}: nullable only on ${ca.nullable ? an : bn}`);
    }
    if (ta.primaryKey.join() !== tb.primaryKey.join()) out.push(`${table}: primary key ${list(ta.primaryKey)} on ${an}, ${list(tb.primaryKey)} on ${bn}`);
    for (const index of keys(ta.indexes, tb.indexes)) {
      const ia = ta.indexes[index];
      const ib = tb.indexes[index];
      if (!ia || !ib) {
        out.push(`${table}: index ${index} only on ${ia ? an : bn}`);
        continue;
      }
      const describe = (i: typeof ia) => `${i.unique ? "unique " : ""}${list(i.columns)}${i.where ? ` where ${i.where}` : ""}`;
      if (describe(ia) !== describe(ib)) out.push(`${table}: index ${index} is ${describe(ia)} on ${an}, ${describe(ib)} on ${bn}`);
    }
    for (const fk of ta.foreignKeys) if (!tb.foreignKeys.includes(fk)) out.push(`${table}: foreign key ${fk} only on ${an}`);
    for (const fk of tb.foreignKeys) if (!ta.foreignKeys.includes(fk)) out.push(`${table}: foreign key ${fk} only on ${bn}`);
  }
  return out;
}

/** Fails on a difference INTENDED does not list, and on a listed one that no longer occurs. */
function assertOnlyIntended(found: string[], where: string): void {
  const unexplained = found.filter((d) => !(d in INTENDED));
  assert.equal(unexplained, [], `${where}: differences between the dialects that are neither fixed nor listed in INTENDED with a reason:\n  ${unexplained.join("\n  ")}`);
  const stale = Object.keys(INTENDED).filter((d) => !found.includes(d));
  assert.equal(stale, [], `${where}: INTENDED lists differences that no longer occur (remove them):\n  ${stale.join("\n  ")}`);
}

const SQLITE_TABLES = Object.values(sqliteSchema).filter((v) => typeof v === "object" && v !== null) as SQLiteTable[];
const PREFIX = "dialects";

interface Ctx {
  dir: string;
  sqlite: Database.Database;
  pgDb: ThrowawayDatabase;
  pool: pg.Pool;
}

const t = suite<Ctx>("storage dialects");
t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-dialects-"));
  ctx.sqlite = new Database(join(ctx.dir, "dialects.db"));
  migrateSqlite(ctx.sqlite, sqliteMigrations);
  ctx.pgDb = await createThrowawayDatabase();
  ctx.pool = new pg.Pool({ connectionString: ctx.pgDb.url, max: 2 });
  await migratePg(ctx.pool, PREFIX, postgresMigrations);
});
t.after(async (ctx) => {
  ctx.sqlite?.close();
  await ctx.pool?.end();
  await ctx.pgDb?.drop();
  rmSync(ctx.dir, { recursive: true, force: true });
});

const drizzleSqlite = () => sqliteDrizzleShape(SQLITE_TABLES);
const drizzlePg = () => pgDrizzleShape(Object.values(pgTables(PREFIX)) as PgTable[], PREFIX);

t("the shape readers see real schemas (a guard against comparing two empty shapes)", async (ctx) => {
  const shapes = [drizzleSqlite(), drizzlePg(), sqliteDatabaseShape(ctx.sqlite), await pgDatabaseShape(ctx.pool, PREFIX)];
  for (const s of shapes) {
    assert.ok(Object.keys(s).length >= 11, Object.keys(s).join());
    assert.is(s.tokens?.columns.id_hash?.nullable, false);
    assert.is(s.tokens?.columns.auth?.nullable, true);
    assert.equal(s.kv?.primaryKey, ["namespace", "key"]);
    assert.equal(s.tokens?.indexes.expires_at, { columns: ["expires_at"], unique: false, where: "expires_at > 0" });
    assert.equal(s.tokens?.indexes.accessor, { columns: ["accessor"], unique: true, where: "" });
  }
});

t("SQLite: the migrations create exactly the drizzle schema", (ctx) => {
  const diffs = compare(drizzleSqlite(), sqliteDatabaseShape(ctx.sqlite), ["drizzle", "database"], (d, db) => SQLITE_DECLARED[d] === db);
  assert.equal(diffs, []);
});

t("PostgreSQL: the migrations create exactly the drizzle schema", async (ctx) => {
  const diffs = compare(drizzlePg(), await pgDatabaseShape(ctx.pool, PREFIX), ["drizzle", "database"], (d, db) => d === db);
  assert.equal(diffs, []);
});

t("drizzle schemas: the dialects differ only as INTENDED says", () => {
  const diffs = compare(drizzleSqlite(), drizzlePg(), ["sqlite", "postgresql"], (a, b) => SAME_VALUES.drizzle.has(`${a}|${b}`));
  assertOnlyIntended(diffs, "drizzle schemas");
});

t("migrated databases: the dialects differ only as INTENDED says", async (ctx) => {
  const diffs = compare(sqliteDatabaseShape(ctx.sqlite), await pgDatabaseShape(ctx.pool, PREFIX), ["sqlite", "postgresql"], (a, b) =>
    SAME_VALUES.database.has(`${a}|${b}`),
  );
  assertOnlyIntended(diffs, "migrated databases");
});

t("compare() reports every kind of difference (the check can fail)", () => {
  const base: SchemaShape = {
    x: {
      columns: { a: { type: "text", nullable: false }, b: { type: "integer", nullable: true } },
      primaryKey: ["a"],
      indexes: { b: { columns: ["b"], unique: false, where: "b > 0" } },
      foreignKeys: [],
    },
  };
  const other: SchemaShape = {
    x: {
      columns: { a: { type: "jsonb", nullable: true }, c: { type: "text", nullable: false } },
      primaryKey: ["a", "c"],
      indexes: { b: { columns: ["b"], unique: true, where: "" }, c: { columns: ["c"], unique: false, where: "" } },
      foreignKeys: ["a -> y(a) on delete cascade"],
    },
    y: { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] },
  };
  assert.equal(compare(base, other, ["sqlite", "postgresql"], (p, q) => p === q), [
    "x.a: type text on sqlite, jsonb on postgresql",
    "x.a: nullable only on postgresql",
    "x.b: only on sqlite",
    "x.c: only on postgresql",
    "x: primary key (a) on sqlite, (a, c) on postgresql",
    "x: index b is (b) where b > 0 on sqlite, unique (b) on postgresql",
    "x: index c only on postgresql",
    "x: foreign key a -> y(a) on delete cascade only on postgresql",
    "table y only on postgresql",
  ]);
});

t.run();

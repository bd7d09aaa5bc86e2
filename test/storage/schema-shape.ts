/**
 * The shape of a schema (tables, columns, types, nullability, primary keys, indexes, foreign keys) in
 * one dialect-neutral form, read four ways: from the drizzle schema of each dialect, and from a real
 * migrated database of each. test/storage/dialects.test.ts compares them. Not a test file itself.
 *
 * Names are logical: PostgreSQL's table prefix is stripped, and an index name loses its table's name
 * ("w_tokens_path" and "tokens_path" are both "path" on table "tokens"). Index predicates are
 * normalised (casts, parentheses, case and spacing), so "WHERE (entity_id <> ''::text)" and
 * "entity_id <> ''" compare equal.
 */
import type Database from "better-sqlite3";
import { type PgTable, PgDialect, getTableConfig as pgConfig } from "drizzle-orm/pg-core";
import { type SQLiteTable, SQLiteSyncDialect, getTableConfig as sqliteConfig } from "drizzle-orm/sqlite-core";
import type { SQL } from "drizzle-orm";
import type pg from "pg";

export interface ColumnShape {
  /** The dialect's own type name: see TYPE_PAIRS in the test for which ones correspond. */
  type: string;
  nullable: boolean;
}

export interface IndexShape {
  columns: string[];
  unique: boolean;
  /** Normalised predicate of a partial index; "" for a full one. */
  where: string;
}

export interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: string[];
  indexes: Record<string, IndexShape>;
  /** "parent_hash -> tokens(id_hash) on delete cascade" */
  foreignKeys: string[];
}

export type SchemaShape = Record<string, TableShape>;

/** Predicates compared as text: lower case, no casts, no parentheses, no quotes around numbers, single spaces. */
export function normalisePredicate(where: string | undefined | null): string {
  if (!where) return "";
  return where
    .toLowerCase()
    .replace(/::[a-z ]+/g, "")
    .replace(/[()]/g, "")
    .replace(/'(-?\d+)'/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

const localName = (table: string, index: string): string => (index.startsWith(`${table}_`) ? index.slice(table.length + 1) : index);
const stripPrefix = (prefix: string, name: string): string => (prefix && name.startsWith(`${prefix}_`) ? name.slice(prefix.length + 1) : name);

// ---------------------------------------------------------------- drizzle schemas

const SQLITE_KINDS: Record<string, string> = {
  SQLiteText: "text",
  SQLiteTextJson: "json",
  SQLiteInteger: "integer",
  SQLiteBoolean: "boolean",
  SQLiteBlobBuffer: "blob",
};

function rendered(dialect: { sqlToQuery(sql: SQL): { sql: string } }, where: SQL | undefined): string {
  return where ? normalisePredicate(dialect.sqlToQuery(where).sql) : "";
}

export function sqliteDrizzleShape(tables: SQLiteTable[]): SchemaShape {
  const dialect = new SQLiteSyncDialect();
  const out: SchemaShape = {};
  for (const table of tables) {
    const cfg = sqliteConfig(table);
    const shape: TableShape = { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
    for (const c of cfg.columns) {
      const type = SQLITE_KINDS[c.columnType];
      if (!type) throw new Error(`schema-shape: unknown SQLite column kind ${c.columnType} (${cfg.name}.${c.name})`);
      shape.columns[c.name] = { type, nullable: !(c.notNull || c.primary) };
      if (c.primary) shape.primaryKey = [c.name];
    }
    for (const pk of cfg.primaryKeys) shape.primaryKey = pk.columns.map((c) => c.name);
    for (const i of cfg.indexes) {
      shape.indexes[localName(cfg.name, i.config.name)] = {
        columns: i.config.columns.map((c) => (c as { name: string }).name),
        unique: i.config.unique,
        where: rendered(dialect, i.config.where),
      };
    }
    for (const fk of cfg.foreignKeys) shape.foreignKeys.push(describeDrizzleFk(fk.reference(), fk.onDelete, (t) => sqliteConfig(t as SQLiteTable).name, ""));
    out[cfg.name] = shape;
  }
  return out;
}

export function pgDrizzleShape(tables: PgTable[], prefix: string): SchemaShape {
  const dialect = new PgDialect();
  const out: SchemaShape = {};
  for (const table of tables) {
    const cfg = pgConfig(table);
    const name = stripPrefix(prefix, cfg.name);
    const shape: TableShape = { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
    for (const c of cfg.columns) {
      shape.columns[c.name] = { type: c.getSQLType(), nullable: !(c.notNull || c.primary) };
      if (c.primary) shape.primaryKey = [c.name];
    }
    for (const pk of cfg.primaryKeys) shape.primaryKey = pk.columns.map((c) => c.name);
    for (const i of cfg.indexes) {
      shape.indexes[localName(name, stripPrefix(prefix, i.config.name!))] = {
        columns: i.config.columns.map((c) => (c as { name: string }).name),
        unique: i.config.unique,
        where: rendered(dialect, i.config.where),
      };
    }
    for (const fk of cfg.foreignKeys) shape.foreignKeys.push(describeDrizzleFk(fk.reference(), fk.onDelete, (t) => pgConfig(t as PgTable).name, prefix));
    out[name] = shape;
  }
  return out;
}

interface FkReference {
  columns: Array<{ name: string }>;
  foreignTable: unknown;
  foreignColumns: Array<{ name: string }>;
}

function describeDrizzleFk(ref: FkReference, onDelete: string | undefined, tableName: (t: unknown) => string, prefix: string): string {
  return describeFk(
    ref.columns.map((c) => c.name),
    stripPrefix(prefix, tableName(ref.foreignTable)),
    ref.foreignColumns.map((c) => c.name),
    onDelete ?? "no action",
  );
}

function describeFk(columns: string[], table: string, foreignColumns: string[], onDelete: string): string {
  return `${columns.join(",")} -> ${table}(${foreignColumns.join(",")}) on delete ${onDelete.toLowerCase()}`;
}

// ---------------------------------------------------------------- migrated databases

/** Every table of an SQLite database but the migration bookkeeping. */
export function sqliteDatabaseShape(db: Database.Database): SchemaShape {
  const out: SchemaShape = {};
  const tables = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name`)
    .pluck()
    .all() as string[];
  for (const table of tables) {
    const shape: TableShape = { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
    const cols = db.prepare(`SELECT name, type, "notnull" AS nn, pk FROM pragma_table_info(?) ORDER BY cid`).all(table) as Array<{ name: string; type: string; nn: number; pk: number }>;
    for (const c of cols) shape.columns[c.name] = { type: c.type.toLowerCase(), nullable: c.nn === 0 && c.pk === 0 };
    shape.primaryKey = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const indexes = db.prepare(`SELECT name, "unique" AS u, origin FROM pragma_index_list(?)`).all(table) as Array<{ name: string; u: number; origin: string }>;
    for (const i of indexes) {
      if (i.origin === "pk") continue;
      const columns = (db.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).pluck().all(i.name) as string[]);
      const sql = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`).pluck().get(i.name) as string | null;
      const where = sql ? /\sWHERE\s([\s\S]*)$/i.exec(sql)?.[1] : undefined;
      shape.indexes[localName(table, i.name)] = { columns, unique: i.u === 1, where: normalisePredicate(where) };
    }
    const fks = db.prepare(`SELECT id, "table" AS t, "from" AS f, "to" AS c, on_delete AS d FROM pragma_foreign_key_list(?) ORDER BY id, seq`).all(table) as Array<{ id: number; t: string; f: string; c: string; d: string }>;
    for (const id of new Set(fks.map((f) => f.id))) {
      const parts = fks.filter((f) => f.id === id);
      shape.foreignKeys.push(describeFk(parts.map((p) => p.f), parts[0]!.t, parts.map((p) => p.c), parts[0]!.d));
    }
    out[table] = shape;
  }
  return out;
}

/** Every table of one prefix in a PostgreSQL database but the migration bookkeeping. */
export async function pgDatabaseShape(client: pg.Pool | pg.Client, prefix: string): Promise<SchemaShape> {
  const out: SchemaShape = {};
  const { rows: tables } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname = current_schema() AND c.relname LIKE $1 AND c.relname <> $2 ORDER BY 1`,
    [`${prefix}\\_%`, `${prefix}_schema_migrations`],
  );
  for (const { name: table } of tables) {
    const name = stripPrefix(prefix, table);
    const shape: TableShape = { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
    const { rows: cols } = await client.query<{ name: string; type: string; notnull: boolean }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull
         FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table],
    );
    for (const c of cols) shape.columns[c.name] = { type: c.type, nullable: !c.notnull };
    const { rows: indexes } = await client.query<{ name: string; unique: boolean; primary: boolean; columns: string[]; pred: string | null }>(
      `SELECT i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
              array(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
              pg_get_expr(x.indpred, x.indrelid) AS pred
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::regclass`,
      [table],
    );
    for (const i of indexes) {
      if (i.primary) shape.primaryKey = i.columns;
      else shape.indexes[localName(name, stripPrefix(prefix, i.name))] = { columns: i.columns, unique: i.unique, where: normalisePredicate(i.pred) };
    }
    const { rows: fks } = await client.query<{ columns: string[]; ftable: string; fcolumns: string[]; action: string }>(
      `SELECT array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
              f.relname AS ftable,
              array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o) AS fcolumns,
              CASE c.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' WHEN 'd' THEN 'set default' WHEN 'r' THEN 'restrict' ELSE 'no action' END AS action
         FROM pg_constraint c JOIN pg_class f ON f.oid = c.confrelid WHERE c.contype = 'f' AND c.conrelid = $1::regclass`,
      [table],
    );
    for (const fk of fks) shape.foreignKeys.push(describeFk(fk.columns, stripPrefix(prefix, fk.ftable), fk.fcolumns, fk.action));
    out[name] = shape;
  }
  return out;
}

/**
 * Small helpers for statements prepared once at open. Drizzle builds SQL per call unless a query is
 * prepared (measured 9x slower on a PK read), so every store prepares everything in its constructor
 * and only binds values afterwards.
 */
import { getTableColumns, sql, type Column, type Placeholder, type Table } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";

export type Db = BetterSQLite3Database;

export type Placeholders<T extends Table> = { [K in keyof T["$inferInsert"] & string]-?: Placeholder<K> };

/** One placeholder per column, named after the property, so a record binds as-is (no mapping code). */
export function placeholdersFor<T extends Table>(table: T): Placeholders<T> {
  const out: Record<string, Placeholder> = {};
  for (const key of Object.keys(getTableColumns(table))) out[key] = sql.placeholder(key);
  return out as Placeholders<T>;
}

/** Records are interfaces (no index signature); this is the one place they are viewed as bind values. */
export function bind(record: object): Record<string, unknown> {
  return record as Record<string, unknown>;
}

export const ph = <N extends string>(name: N) => sql.placeholder(name);

/**
 * Upper bound for "starts with": a TEXT compares below its prefix followed by byte 0xFF, which never
 * occurs in valid UTF-8. A range on the path index instead of LIKE, which treats `_`/`%` as wildcards and
 * folds ASCII case (so "auth/A/" would also revoke "auth/a/").
 */
export const startsWith = (column: Column, prefix: Placeholder) =>
  sql`${column} >= ${prefix} AND ${column} < (${prefix} || CAST(x'ff' AS TEXT))`;

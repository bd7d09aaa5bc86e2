/**
 * Small helpers for prepared statements. Drizzle builds SQL per call unless a query is prepared
 * (measured 9x slower on a PK read), so every store writes its statements as one table, prepared
 * each on its first use (statementsOnFirstUse), and afterwards only binds values.
 */
import { sql, type Column, type Placeholder } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";

export type Db = BetterSQLite3Database;

export { bind, ph, placeholdersFor, prepareAllStatements, statementsOnFirstUse, type Placeholders } from "../drizzle-helpers.js";

/**
 * Upper bound for "starts with": a TEXT compares below its prefix followed by byte 0xFF, which never
 * occurs in valid UTF-8. A range on the path index instead of LIKE, which treats `_`/`%` as wildcards and
 * folds ASCII case (so "auth/A/" would also revoke "auth/a/").
 */
export const startsWith = (column: Column, prefix: Placeholder) =>
  sql`${column} >= ${prefix} AND ${column} < (${prefix} || CAST(x'ff' AS TEXT))`;

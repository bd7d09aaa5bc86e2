/**
 * Helpers for prepared statements, each built on its first use (statementsOnFirstUse). Each is a NAMED
 * statement: node-postgres parses it once per pooled connection and afterwards only sends Bind/Execute,
 * and drizzle builds its SQL text once instead of per call. Names only need to be unique per pool, and
 * each Storage owns its pool.
 */
import { sql, type Column, type Placeholder } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";

export type Db = NodePgDatabase;

export { bind, ph, placeholdersFor, type Placeholders } from "../drizzle-helpers.js";
import { statementsOnFirstUse } from "../drizzle-helpers.js";

/**
 * "starts with" as an index range: column >= prefix AND column < successor(prefix), under the
 * columns' "C" collation (code point order). Unlike LIKE, `_`, `%` and case are literal. An empty
 * successor means "no upper bound" (the empty prefix, or one made only of U+10FFFF).
 */
export const startsWith = (column: Column, prefix: Placeholder, end: Placeholder) =>
  sql`(${column} >= ${prefix}::text AND (${end}::text = '' OR ${column} < ${end}::text))`;

/** The smallest string greater than every string that starts with `prefix` (code point order). */
export function prefixEnd(prefix: string): string {
  const cps = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (cps.length > 0) {
    const last = cps.pop()!;
    if (last < 0x10ffff) {
      // Surrogate code points cannot occur in text; step over them.
      cps.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
      return String.fromCodePoint(...cps);
    }
  }
  return "";
}

/** Rows affected by a statement without RETURNING (node-postgres QueryResult). */
export const affected = (r: { rowCount: number | null }) => r.rowCount ?? 0;

interface Executable {
  execute(...args: never[]): Promise<unknown>;
}

/**
 * drizzle wraps every driver error in one whose message carries the SQL text AND the bound values
 * (token hashes, plugin data). Errors travel to logs and, in places, to operators, so the statements
 * built here rethrow the driver's own error instead: its message names the failure, not the data,
 * and its SQLSTATE `code` stays for isStorageUnavailable / isUniqueViolation.
 */
export function withDriverErrors<T extends Record<string, Executable>>(db: Db, build: (db: Db) => T): T {
  // Each statement is built and named on its first use (statementsOnFirstUse), its errors unwrapped then.
  return statementsOnFirstUse(db, build, (statement) => {
    const st = statement as unknown as { execute: (...args: unknown[]) => Promise<unknown> };
    const execute = st.execute.bind(st);
    st.execute = (...args) =>
      execute(...args).catch(rethrowDriverError);
  });
}

export function rethrowDriverError(err: unknown): never {
  throw err instanceof Error && err.cause instanceof Error ? err.cause : err;
}

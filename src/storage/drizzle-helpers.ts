/**
 * Dialect-neutral helpers for statements prepared once at open (both adapters prepare everything in
 * their constructors and only bind values afterwards: drizzle builds SQL per call otherwise).
 */
import { getTableColumns, sql, type Placeholder, type Table } from "drizzle-orm";

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

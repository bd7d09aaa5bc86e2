/**
 * The few column kinds that differ between dialects. schema.ts is written only against these, so the
 * PostgreSQL adapter mirrors it by swapping this file (bigint/boolean/jsonb there) and keeping the
 * table shapes identical. Times are integer epoch ms everywhere, which sidesteps timestamp semantics.
 */
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export { index, primaryKey, uniqueIndex };
export const table = sqliteTable;

export const str = <N extends string>(name: N) => text(name);
/** Counters and seconds. PostgreSQL: integer. */
export const int = <N extends string>(name: N) => integer(name, { mode: "number" });
/** Epoch milliseconds; 0 = never. PostgreSQL: bigint in number mode (exceeds int4). */
export const epochMs = <N extends string>(name: N) => integer(name, { mode: "number" });
/** PostgreSQL: boolean. */
export const bool = <N extends string>(name: N) => integer(name, { mode: "boolean" });
/** JSON document; narrow with .$type<T>() at the column. PostgreSQL: jsonb. */
export const json = <N extends string>(name: N) => text(name, { mode: "json" });
/** Bytes (a Buffer). PostgreSQL: bytea. */
export const bytes = <N extends string>(name: N) => blob(name, { mode: "buffer" });

/**
 * The PostgreSQL side of the per-dialect column kinds (see ../sqlite/columns.ts): same helper names,
 * so schema.ts reads like the SQLite one. Times stay integer epoch ms (bigint here, because they exceed
 * int4), read back as JS numbers; booleans are real booleans; JSON is jsonb.
 */
import { bigint, boolean, customType, foreignKey, index, integer, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";

export { foreignKey, index, primaryKey, uniqueIndex };
export const table = pgTable;

export const str = <N extends string>(name: N) => text(name);
export const int = <N extends string>(name: N) => integer(name);
export const epochMs = <N extends string>(name: N) => bigint(name, { mode: "number" });
export const bool = <N extends string>(name: N) => boolean(name);

/**
 * jsonb whose read side does NOT parse again. node-postgres already turns jsonb into JS values, and
 * drizzle's own jsonb column re-parses any string it gets back, so a stored JSON string such as "42"
 * or "true" would come back as a number or a boolean. Writes are JSON text, so arrays are not
 * mistaken for PostgreSQL array literals by the driver.
 */
const jsonb = customType<{ data: unknown; driverData: unknown }>({
  dataType: () => "jsonb",
  toDriver: (value) => JSON.stringify(value),
  fromDriver: (value) => value,
});
export const json = <N extends string>(name: N) => jsonb(name);
/** Bytes (a Buffer both ways: node-postgres reads bytea as one and sends one as binary). SQLite: blob. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => "bytea",
});
export const bytes = <N extends string>(name: N) => bytea(name);

/**
 * Dialect-neutral helpers for prepared statements (drizzle builds SQL per call otherwise): each is
 * built and prepared once, on its first use (statementsOnFirstUse), and afterwards only binds values.
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

/** One call of a recorded drizzle chain: method name and arguments. */
type Step = readonly [name: PropertyKey, args: readonly unknown[]];

/** Chains recorded by `recorder`, by their proxy: a chain given as an argument (a subquery) replays too. */
const recorded = new WeakMap<object, readonly Step[]>();
/** A chain that ended in `.prepare(...)`: what a statement table holds until the statement is used. */
const PREPARED = Symbol("prepared on first use");
type RecordedStatement = { readonly [PREPARED]: readonly Step[] };

/** A stand-in for the database that only records the builder calls made on it (see statementsOnFirstUse). */
function recorder(steps: readonly Step[]): object {
  const proxy: object = new Proxy(Object.create(null) as object, {
    get(_target, name) {
      // Never a thenable: an awaited recorder would otherwise be called as one.
      if (name === "then") return undefined;
      if (name === "prepare") return (...args: unknown[]): RecordedStatement => ({ [PREPARED]: [...steps, [name, args]] });
      return (...args: unknown[]) => recorder([...steps, [name, args]]);
    },
  });
  recorded.set(proxy, steps);
  return proxy;
}

function replay(db: object, steps: readonly Step[]): unknown {
  let x = db as Record<PropertyKey, (...args: unknown[]) => unknown>;
  for (const [name, args] of steps) {
    x = x[name]!(...args.map((a) => (typeof a === "object" && a !== null && recorded.has(a) ? replay(db, recorded.get(a)!) : a))) as typeof x;
  }
  return x;
}

/** Every statement table's "prepare it now" calls, by the database they belong to (prepareAllStatements). */
const unprepared = new WeakMap<object, Array<() => unknown>>();

/**
 * A store's statement table, each statement prepared on its first use. `build` is written as if it
 * prepared everything at once (`{ get: db.select()...prepare(), ... }`), but is handed a recorder:
 * each chain is only noted, and the first read of that property replays it on the real database
 * (drizzle builds the query and its SQL text, the driver prepares it), once; later reads return the
 * same prepared statement. Building ~80 statements was most of opening the SQLite database, and most
 * serve rare paths; a statement's first use pays its ~0.1 ms once. `finish` is applied to each statement
 * once it is made (PostgreSQL: its driver errors unwrapped).
 */
export function statementsOnFirstUse<D extends object, T extends object>(db: D, build: (db: D) => T, finish?: (statement: T[keyof T]) => void): T {
  // The driver's connection (or pool): what prepareAllStatements is given.
  const key = (db as { $client?: object }).$client ?? db;
  const table = build(recorder([]) as D) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const thunks = unprepared.get(key) ?? [];
  unprepared.set(key, thunks);
  for (const [name, value] of Object.entries(table)) {
    const steps = typeof value === "object" && value !== null ? (value as Partial<RecordedStatement>)[PREPARED] : undefined;
    if (steps === undefined) {
      if (typeof value === "object" && value !== null && recorded.has(value)) throw new Error(`statement ${name}: a query chain that is never prepared`);
      out[name] = value;
      continue;
    }
    let statement: unknown;
    const get = (): unknown => {
      if (statement === undefined) {
        const made = replay(db, steps);
        finish?.(made as T[keyof T]);
        statement = made;
      }
      return statement;
    };
    Object.defineProperty(out, name, { get, enumerable: true });
    thunks.push(get);
  }
  return out as T;
}

/**
 * Prepares now every statement of the tables made on `client` (the driver's connection or pool), so
 * tests see each one's SQL accepted; returns how many there are.
 */
export function prepareAllStatements(client: object): number {
  const thunks = unprepared.get(client) ?? [];
  for (const prepare of thunks) prepare();
  return thunks.length;
}

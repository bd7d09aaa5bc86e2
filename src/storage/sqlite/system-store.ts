/** Small system records (init state, keys). putIfAbsent is one INSERT ... DO NOTHING: exactly one racer wins. */
import { eq, sql } from "drizzle-orm";
import type { SystemStore } from "../types.js";
import { ph, statementsOnFirstUse, type Db } from "./prepared.js";
import { system } from "./schema.js";
import type { WriteBatch } from "./write-batch.js";

function prepare(db: Db) {
  const row = { key: ph("key"), value: ph("value") };
  return {
    get: db.select({ value: system.value }).from(system).where(eq(system.key, ph("key"))).prepare(),
    put: db
      .insert(system)
      .values(row)
      .onConflictDoUpdate({ target: system.key, set: { value: sql`excluded.value` } })
      .prepare(),
    putIfAbsent: db.insert(system).values(row).onConflictDoNothing({ target: system.key }).prepare(),
    delete: db.delete(system).where(eq(system.key, ph("key"))).prepare(),
  };
}

export class SqliteSystemStore implements SystemStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(
    db: Db,
    private readonly batch: WriteBatch,
  ) {
    this.#q = statementsOnFirstUse(db, prepare);
  }

  async get(key: string): Promise<string | undefined> {
    return this.#q.get.get({ key })?.value;
  }

  put(key: string, value: string): Promise<void> {
    return this.batch.write(() => {
      this.#q.put.run({ key, value });
    });
  }

  putIfAbsent(key: string, value: string): Promise<boolean> {
    return this.batch.write(() => this.#q.putIfAbsent.run({ key, value }).changes > 0);
  }

  delete(key: string): Promise<void> {
    return this.batch.write(() => {
      this.#q.delete.run({ key });
    });
  }
}

/** Small system records (init state, keys). putIfAbsent is one INSERT ... DO NOTHING RETURNING: exactly one racer wins, on any node. */
import { eq, sql } from "drizzle-orm";
import type { SystemStore } from "../types.js";
import { type Db, ph, withDriverErrors } from "./prepared.js";
import type { PgTables } from "./schema.js";

function prepare(db: Db, { system }: PgTables) {
  const row = { key: ph("key"), value: ph("value") };
  return {
    get: db.select({ value: system.value }).from(system).where(eq(system.key, ph("key"))).prepare("sys_get"),
    put: db
      .insert(system)
      .values(row)
      .onConflictDoUpdate({ target: system.key, set: { value: sql`excluded.value` } })
      .prepare("sys_put"),
    putIfAbsent: db.insert(system).values(row).onConflictDoNothing({ target: system.key }).returning({ key: system.key }).prepare("sys_put_absent"),
    delete: db.delete(system).where(eq(system.key, ph("key"))).prepare("sys_delete"),
  };
}

export class PgSystemStore implements SystemStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(db: Db, tables: PgTables) {
    this.#q = withDriverErrors(db, (d) => prepare(d, tables));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#q.get.execute({ key }))[0]?.value;
  }

  async put(key: string, value: string): Promise<void> {
    await this.#q.put.execute({ key, value });
  }

  async putIfAbsent(key: string, value: string): Promise<boolean> {
    return (await this.#q.putIfAbsent.execute({ key, value })).length > 0;
  }

  async delete(key: string): Promise<void> {
    await this.#q.delete.execute({ key });
  }
}

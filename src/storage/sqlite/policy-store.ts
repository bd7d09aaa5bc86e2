/**
 * ACL policy sources. put is an upsert so create and update are one statement each; whether an API
 * write may replace a file-managed policy is decided inside that statement, not by a prior read.
 */
import { and, eq, ne, sql } from "drizzle-orm";
import type { PolicyRecord, PolicyStore } from "../types.js";
import { bind, ph, placeholdersFor, statementsOnFirstUse, type Db } from "./prepared.js";
import { policies } from "./schema.js";
import type { WriteBatch } from "./write-batch.js";

function prepare(db: Db) {
  return {
    list: db.select().from(policies).orderBy(policies.name).prepare(),
    get: db.select().from(policies).where(eq(policies.name, ph("name"))).prepare(),
    put: db
      .insert(policies)
      .values(placeholdersFor(policies))
      .onConflictDoUpdate({
        target: policies.name,
        set: { text: sql`excluded.text`, updatedAt: sql`excluded.updated_at`, managedBy: sql`excluded.managed_by` },
        setWhere: sql`${policies.managedBy} = '' OR excluded.managed_by <> ''`,
      })
      .prepare(),
    delete: db.delete(policies).where(and(eq(policies.name, ph("name")), eq(policies.managedBy, ""))).prepare(),
    release: db.update(policies).set({ managedBy: "" }).where(and(eq(policies.name, ph("name")), ne(policies.managedBy, ""))).prepare(),
  };
}

export class SqlitePolicyStore implements PolicyStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(
    db: Db,
    private readonly batch: WriteBatch,
  ) {
    this.#q = statementsOnFirstUse(db, prepare);
  }

  async list(): Promise<PolicyRecord[]> {
    return this.#q.list.all();
  }

  async get(name: string): Promise<PolicyRecord | undefined> {
    return this.#q.get.get({ name });
  }

  put(policy: PolicyRecord): Promise<boolean> {
    return this.batch.write(() => this.#q.put.run(bind(policy)).changes > 0);
  }

  delete(name: string): Promise<boolean> {
    return this.batch.write(() => this.#q.delete.run({ name }).changes > 0);
  }

  release(name: string): Promise<boolean> {
    return this.batch.write(() => this.#q.release.run({ name }).changes > 0);
  }
}

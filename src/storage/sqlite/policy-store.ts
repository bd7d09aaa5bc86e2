/** ACL policy sources. put is an upsert so create and update are one statement each. */
import { eq, sql } from "drizzle-orm";
import type { PolicyRecord, PolicyStore } from "../types.js";
import { bind, ph, placeholdersFor, type Db } from "./prepared.js";
import { policies } from "./schema.js";
import type { WriteBatch } from "./write-batch.js";

function prepare(db: Db) {
  return {
    list: db.select().from(policies).orderBy(policies.name).prepare(),
    get: db.select().from(policies).where(eq(policies.name, ph("name"))).prepare(),
    put: db
      .insert(policies)
      .values(placeholdersFor(policies))
      .onConflictDoUpdate({ target: policies.name, set: { text: sql`excluded.text`, updatedAt: sql`excluded.updated_at` } })
      .prepare(),
    delete: db.delete(policies).where(eq(policies.name, ph("name"))).prepare(),
  };
}

export class SqlitePolicyStore implements PolicyStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(
    db: Db,
    private readonly batch: WriteBatch,
  ) {
    this.#q = prepare(db);
  }

  async list(): Promise<PolicyRecord[]> {
    return this.#q.list.all();
  }

  async get(name: string): Promise<PolicyRecord | undefined> {
    return this.#q.get.get({ name });
  }

  put(policy: PolicyRecord): Promise<void> {
    return this.batch.write(() => {
      this.#q.put.run(bind(policy));
    });
  }

  delete(name: string): Promise<boolean> {
    return this.batch.write(() => this.#q.delete.run({ name }).changes > 0);
  }
}

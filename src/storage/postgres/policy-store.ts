/**
 * ACL policy sources. put is an upsert so create and update are one statement each; whether an API
 * write may replace a file-managed policy is decided inside that statement (on the latest row version
 * when two nodes collide), not by a prior read.
 */
import { and, eq, ne, sql } from "drizzle-orm";
import type { PolicyRecord, PolicyStore } from "../types.js";
import { affected, bind, type Db, ph, placeholdersFor, withDriverErrors } from "./prepared.js";
import type { PgTables } from "./schema.js";

function prepare(db: Db, { policies }: PgTables) {
  return {
    list: db.select().from(policies).orderBy(policies.name).prepare("pol_list"),
    get: db.select().from(policies).where(eq(policies.name, ph("name"))).prepare("pol_get"),
    put: db
      .insert(policies)
      .values(placeholdersFor(policies))
      .onConflictDoUpdate({
        target: policies.name,
        set: { text: sql`excluded.text`, updatedAt: sql`excluded.updated_at`, managedBy: sql`excluded.managed_by` },
        setWhere: sql`${policies.managedBy} = '' OR excluded.managed_by <> ''`,
      })
      .prepare("pol_put"),
    delete: db.delete(policies).where(and(eq(policies.name, ph("name")), eq(policies.managedBy, ""))).prepare("pol_delete"),
    release: db.update(policies).set({ managedBy: "" }).where(and(eq(policies.name, ph("name")), ne(policies.managedBy, ""))).prepare("pol_release"),
  };
}

export class PgPolicyStore implements PolicyStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(db: Db, tables: PgTables) {
    this.#q = withDriverErrors(db, (d) => prepare(d, tables));
  }

  async list(): Promise<PolicyRecord[]> {
    return this.#q.list.execute();
  }

  async get(name: string): Promise<PolicyRecord | undefined> {
    return (await this.#q.get.execute({ name }))[0];
  }

  async put(policy: PolicyRecord): Promise<boolean> {
    return affected(await this.#q.put.execute(bind(policy))) > 0;
  }

  async delete(name: string): Promise<boolean> {
    return affected(await this.#q.delete.execute({ name })) > 0;
  }

  async release(name: string): Promise<boolean> {
    return affected(await this.#q.release.execute({ name })) > 0;
  }
}

/**
 * The auth mount table. insert is INSERT ... ON CONFLICT DO NOTHING RETURNING: "path (or accessor)
 * taken" is an empty result instead of an exception, so concurrent enables of one path on any number
 * of nodes get exactly one true.
 */
import { eq, sql } from "drizzle-orm";
import type { MountRecord, MountStore } from "../types.js";
import { affected, bind, type Db, ph, placeholdersFor, withDriverErrors } from "./prepared.js";
import type { PgTables } from "./schema.js";

function prepare(db: Db, { mounts }: PgTables) {
  return {
    list: db.select().from(mounts).orderBy(mounts.path).prepare("mnt_list"),
    insert: db.insert(mounts).values(placeholdersFor(mounts)).onConflictDoNothing().returning({ path: mounts.path }).prepare("mnt_insert"),
    update: db
      .update(mounts)
      .set({
        type: sql`${ph("type")}::text`,
        accessor: sql`${ph("accessor")}::text`,
        uuid: sql`${ph("uuid")}::text`,
        description: sql`${ph("description")}::text`,
        config: sql`${ph("config")}::jsonb`,
        options: sql`${ph("options")}::jsonb`,
        createdAt: sql`${ph("createdAt")}::bigint`,
      })
      .where(eq(mounts.path, ph("path")))
      .prepare("mnt_update"),
    delete: db.delete(mounts).where(eq(mounts.path, ph("path"))).prepare("mnt_delete"),
  };
}

export class PgMountStore implements MountStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(db: Db, tables: PgTables) {
    this.#q = withDriverErrors(db, (d) => prepare(d, tables));
  }

  async list(): Promise<MountRecord[]> {
    return this.#q.list.execute();
  }

  async insert(mount: MountRecord): Promise<boolean> {
    return (await this.#q.insert.execute(bind(mount))).length > 0;
  }

  async update(mount: MountRecord): Promise<void> {
    // Placeholders inside raw sql`` carry no column encoder, so the JSON columns are encoded here.
    await this.#q.update.execute({ ...mount, config: JSON.stringify(mount.config), options: JSON.stringify(mount.options) });
  }

  async delete(path: string): Promise<boolean> {
    return affected(await this.#q.delete.execute({ path })) > 0;
  }
}

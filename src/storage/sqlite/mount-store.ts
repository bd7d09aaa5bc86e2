/** The auth mount table. Small and read at boot; writes go through the batch like every write. */
import { eq, sql } from "drizzle-orm";
import type { MountRecord, MountStore } from "../types.js";
import { bind, ph, placeholdersFor, statementsOnFirstUse, type Db } from "./prepared.js";
import { mounts } from "./schema.js";
import type { WriteBatch } from "./write-batch.js";

function prepare(db: Db) {
  return {
    list: db.select().from(mounts).orderBy(mounts.path).prepare(),
    // DO NOTHING turns "path (or accessor) taken" into changes = 0 instead of an exception, so two
    // concurrent enables of one path get exactly one true.
    insert: db.insert(mounts).values(placeholdersFor(mounts)).onConflictDoNothing().prepare(),
    update: db
      .update(mounts)
      .set({
        type: sql`${ph("type")}`,
        accessor: sql`${ph("accessor")}`,
        uuid: sql`${ph("uuid")}`,
        description: sql`${ph("description")}`,
        config: sql`${ph("config")}`,
        options: sql`${ph("options")}`,
        createdAt: sql`${ph("createdAt")}`,
      })
      .where(eq(mounts.path, ph("path")))
      .prepare(),
    delete: db.delete(mounts).where(eq(mounts.path, ph("path"))).prepare(),
  };
}

export class SqliteMountStore implements MountStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(
    db: Db,
    private readonly batch: WriteBatch,
  ) {
    this.#q = statementsOnFirstUse(db, prepare);
  }

  async list(): Promise<MountRecord[]> {
    return this.#q.list.all();
  }

  insert(mount: MountRecord): Promise<boolean> {
    return this.batch.write(() => this.#q.insert.run(bind(mount)).changes > 0);
  }

  update(mount: MountRecord): Promise<void> {
    // Placeholders inside raw sql`` carry no column encoder, so the JSON columns are encoded here.
    const values = { ...mount, config: JSON.stringify(mount.config), options: JSON.stringify(mount.options) };
    return this.batch.write(() => {
      this.#q.update.run(values);
    });
  }

  delete(path: string): Promise<boolean> {
    return this.batch.write(() => this.#q.delete.run({ path }).changes > 0);
  }
}

/**
 * rewriteAll on SQLite: every update in one savepoint of one write batch (all or nothing, durable
 * when the promise settles), then VACUUM and a truncating WAL checkpoint, so neither the main file's
 * free pages nor the WAL keep a copy of the rows as they were.
 */
import { type SQL, and, eq } from "drizzle-orm";
import type Database from "better-sqlite3";
import { REWRITE_KEYS, withoutKeys } from "../rewrite-rows.js";
import { RewriteKeyExists, type RewriteTable, type RowRewrite } from "../types.js";
import type { Db } from "./prepared.js";
import * as schema from "./schema.js";
import type { WriteBatch } from "./write-batch.js";
import { checkpointTruncate } from "./checkpointer.js";

export async function sqliteRewriteAll(db: Db, batch: WriteBatch, conn: Database.Database, r: RowRewrite): Promise<number> {
  const count = await batch.writeAtomic(() => {
    for (const row of r.insertSystem ?? []) {
      if (db.insert(schema.system).values(row).onConflictDoNothing().run().changes === 0) throw new RewriteKeyExists(row.key);
    }
    let n = 0;
    for (const [name, rewrite] of Object.entries(r.rows) as Array<[RewriteTable, NonNullable<RowRewrite["rows"][RewriteTable]>]>) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table is chosen by name
      const t = schema[name] as any;
      for (const row of db.select().from(t).all() as Array<Record<string, unknown>>) {
        const changed = rewrite(row);
        if (!changed) continue;
        const where: SQL[] = REWRITE_KEYS[name].map((k) => eq(t[k], row[k]));
        db.update(t).set(withoutKeys(name, changed)).where(and(...where)).run();
        n++;
      }
    }
    return n;
  });
  if (count > 0) {
    batch.outside(() => {
      conn.exec("VACUUM");
      checkpointTruncate(conn);
    });
  }
  return count;
}

/**
 * rewriteAll on PostgreSQL: one transaction. The old row versions stay in the table files until
 * VACUUM reclaims them: that is the operator's (README, "Initialising and unsealing").
 */
import { type SQL, and, eq } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { REWRITE_KEYS, withoutKeys } from "../rewrite-rows.js";
import { RewriteKeyExists, type RewriteTable, type RowRewrite } from "../types.js";
import type { PgTables } from "./schema.js";

export function pgRewriteAll(db: NodePgDatabase, tables: PgTables, r: RowRewrite): Promise<number> {
  return db.transaction(async (tx) => {
    for (const row of r.insertSystem ?? []) {
      const inserted = await tx.insert(tables.system).values(row).onConflictDoNothing().returning({ key: tables.system.key });
      if (inserted.length === 0) throw new RewriteKeyExists(row.key);
    }
    let n = 0;
    for (const [name, rewrite] of Object.entries(r.rows) as Array<[RewriteTable, NonNullable<RowRewrite["rows"][RewriteTable]>]>) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table is chosen by name
      const t = tables[name] as any;
      // Rows are locked as they are read: a node of an older release writing meanwhile waits for the commit.
      for (const row of (await tx.select().from(t).for("update")) as Array<Record<string, unknown>>) {
        const changed = rewrite(row);
        if (!changed) continue;
        const where: SQL[] = REWRITE_KEYS[name].map((k) => eq(t[k], row[k]));
        await tx.update(t).set(withoutKeys(name, changed)).where(and(...where));
        n++;
      }
    }
    return n;
  });
}

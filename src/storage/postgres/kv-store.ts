/**
 * Plugin key/value space, the replay cache, limited-use values and windowed counters. Each operation
 * that must be exact across nodes is one statement:
 * - claimOnce: an upsert whose UPDATE branch only fires when the existing claim has expired, so a row
 *   comes back exactly when this call inserted or replaced an expired claim. PostgreSQL locks the
 *   conflicting row and re-checks the WHERE, so concurrent claims of one key never both win.
 * - takeCounted: UPDATE ... RETURNING on a live entry (same re-check as token use).
 * - bumpCounter: an upsert that restarts the count when the window has passed.
 */
import { and, eq, gte, or, sql } from "drizzle-orm";
import type { KvStore } from "../types.js";
import { affected, type Db, ph, prefixEnd, startsWith, withDriverErrors } from "./prepared.js";
import type { PgTables } from "./schema.js";

function prepare(db: Db, { kv, claims, counted, counters }: PgTables) {
  const kvKey = and(eq(kv.namespace, ph("namespace")), eq(kv.key, ph("key")));
  const countedKey = and(eq(counted.namespace, ph("namespace")), eq(counted.key, ph("key")));
  // Live = not used up and not expired (0 = never expires).
  const countedLive = and(
    countedKey,
    gte(counted.uses, 0),
    or(eq(counted.expiresAt, 0), sql`${counted.expiresAt} > ${ph("now")}::bigint`),
  );
  const ns = (t: typeof claims | typeof counted | typeof counters) => sql`DELETE FROM ${t} WHERE namespace = ${ph("namespace")}::text`;
  const one = { one: sql<number>`1` };

  return {
    get: db.select({ value: kv.value }).from(kv).where(kvKey).prepare("kv_get"),
    put: db
      .insert(kv)
      .values({ namespace: ph("namespace"), key: ph("key"), value: ph("value") })
      .onConflictDoUpdate({ target: [kv.namespace, kv.key], set: { value: sql`excluded.value` } })
      .prepare("kv_put"),
    putIfAbsent: db
      .insert(kv)
      .values({ namespace: ph("namespace"), key: ph("key"), value: ph("value") })
      .onConflictDoNothing({ target: [kv.namespace, kv.key] })
      .prepare("kv_put_if_absent"),
    delete: db.delete(kv).where(kvKey).prepare("kv_delete"),
    listKeys: db
      .select({ key: kv.key })
      .from(kv)
      .where(and(eq(kv.namespace, ph("namespace")), startsWith(kv.key, ph("prefix"), ph("end"))))
      .orderBy(kv.key)
      .prepare("kv_list"),
    // One statement over the four tables of a namespace: an unmount leaves nothing half-deleted.
    deleteNamespace: db
      .with(
        db.$with("c1", one).as(ns(claims)),
        db.$with("c2", one).as(ns(counted)),
        db.$with("c3", one).as(ns(counters)),
      )
      .delete(kv)
      .where(eq(kv.namespace, ph("namespace")))
      .prepare("kv_delete_ns"),
    claimOnce: db
      .insert(claims)
      .values({ namespace: ph("namespace"), key: ph("key"), expiresAt: ph("expiresAt") })
      .onConflictDoUpdate({
        target: [claims.namespace, claims.key],
        set: { expiresAt: sql`excluded.expires_at` },
        setWhere: sql`${claims.expiresAt} > 0 AND ${claims.expiresAt} <= ${ph("now")}::bigint`,
      })
      .returning({ key: claims.key })
      .prepare("kv_claim"),
    pruneClaims: db
      .delete(claims)
      .where(
        sql`(${claims.namespace}, ${claims.key}) IN (SELECT namespace, key FROM ${claims} WHERE expires_at > 0 AND expires_at <= ${ph("now")}::bigint LIMIT ${ph("limit")}::bigint)`,
      )
      .prepare("kv_prune_claims"),
    putCounted: db
      .insert(counted)
      .values({ namespace: ph("namespace"), key: ph("key"), value: ph("value"), uses: ph("uses"), expiresAt: ph("expiresAt") })
      .onConflictDoUpdate({
        target: [counted.namespace, counted.key],
        set: { value: sql`excluded.value`, uses: sql`excluded.uses`, expiresAt: sql`excluded.expires_at` },
      })
      .prepare("cnt_put"),
    takeCounted: db
      .update(counted)
      .set({ uses: sql`CASE WHEN ${counted.uses} = 0 THEN 0 WHEN ${counted.uses} = 1 THEN -1 ELSE ${counted.uses} - 1 END` })
      .where(countedLive)
      .returning({ value: counted.value, usesLeft: counted.uses })
      .prepare("cnt_take"),
    peekCounted: db
      .select({ value: counted.value, usesLeft: counted.uses, expiresAt: counted.expiresAt })
      .from(counted)
      .where(countedLive)
      .prepare("cnt_peek"),
    deleteCounted: db.delete(counted).where(countedKey).prepare("cnt_delete"),
    listCounted: db
      .select({ key: counted.key })
      .from(counted)
      .where(and(eq(counted.namespace, ph("namespace")), startsWith(counted.key, ph("prefix"), ph("end"))))
      .orderBy(counted.key)
      .prepare("cnt_list"),
    pruneCounted: db
      .delete(counted)
      .where(
        sql`(${counted.namespace}, ${counted.key}) IN (SELECT namespace, key FROM ${counted} WHERE (expires_at > 0 AND expires_at <= ${ph("now")}::bigint) OR uses = -1 LIMIT ${ph("limit")}::bigint)`,
      )
      .prepare("cnt_prune"),
    bumpCounter: db
      .insert(counters)
      .values({ namespace: ph("namespace"), key: ph("key"), count: 1, windowEnd: ph("windowEnd") })
      .onConflictDoUpdate({
        target: [counters.namespace, counters.key],
        set: {
          count: sql`CASE WHEN ${counters.windowEnd} <= ${ph("now")}::bigint THEN 1 ELSE ${counters.count} + 1 END`,
          windowEnd: sql`CASE WHEN ${counters.windowEnd} <= ${ph("now")}::bigint THEN excluded.window_end ELSE ${counters.windowEnd} END`,
        },
      })
      .returning({ count: counters.count })
      .prepare("ctr_bump"),
    // A kv value and a live counter's count in one statement (login lockout: the lock and the failures).
    getWithCounter: db
      .select({
        value: sql<unknown>`(SELECT ${kv.value} FROM ${kv} WHERE ${kv.namespace} = ${ph("namespace")}::text AND ${kv.key} = ${ph("key")}::text)`,
        count: sql<number | string | null>`(SELECT ${counters.count} FROM ${counters} WHERE ${counters.namespace} = ${ph("namespace")}::text AND ${counters.key} = ${ph("counterKey")}::text AND ${counters.windowEnd} > ${ph("now")}::bigint)`,
      })
      .from(sql`(SELECT 1) AS one`)
      .prepare("kv_get_with_counter"),
    peekCounter: db
      .select({ count: counters.count })
      .from(counters)
      .where(and(eq(counters.namespace, ph("namespace")), eq(counters.key, ph("key")), sql`${counters.windowEnd} > ${ph("now")}::bigint`))
      .prepare("ctr_peek"),
    resetCounter: db
      .delete(counters)
      .where(and(eq(counters.namespace, ph("namespace")), eq(counters.key, ph("key"))))
      .prepare("ctr_reset"),
  };
}

export class PgKvStore implements KvStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(db: Db, tables: PgTables) {
    this.#q = withDriverErrors(db, (d) => prepare(d, tables));
  }

  async get(namespace: string, key: string): Promise<unknown | undefined> {
    return (await this.#q.get.execute({ namespace, key }))[0]?.value;
  }

  async put(namespace: string, key: string, value: unknown): Promise<void> {
    // undefined has no JSON form and would read back as "absent".
    if (value === undefined) throw new TypeError("kv.put: value must not be undefined");
    await this.#q.put.execute({ namespace, key, value });
  }

  async putIfAbsent(namespace: string, key: string, value: unknown): Promise<boolean> {
    if (value === undefined) throw new TypeError("kv.putIfAbsent: value must not be undefined");
    return affected(await this.#q.putIfAbsent.execute({ namespace, key, value })) > 0;
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    return affected(await this.#q.delete.execute({ namespace, key })) > 0;
  }

  async listKeys(namespace: string, prefix: string): Promise<string[]> {
    return (await this.#q.listKeys.execute({ namespace, prefix, end: prefixEnd(prefix) })).map((r) => r.key);
  }

  async deleteNamespace(namespace: string): Promise<void> {
    await this.#q.deleteNamespace.execute({ namespace });
  }

  async claimOnce(namespace: string, key: string, expiresAt: number, now: number): Promise<boolean> {
    return (await this.#q.claimOnce.execute({ namespace, key, expiresAt, now })).length > 0;
  }

  async pruneClaims(now: number, limit: number): Promise<number> {
    return affected(await this.#q.pruneClaims.execute({ now, limit }));
  }

  async putCounted(namespace: string, key: string, value: unknown, uses: number, expiresAt: number): Promise<void> {
    if (value === undefined) throw new TypeError("kv.putCounted: value must not be undefined");
    await this.#q.putCounted.execute({ namespace, key, value, uses, expiresAt });
  }

  async takeCounted(namespace: string, key: string, now: number): Promise<{ value: unknown; usesLeft: number } | undefined> {
    return (await this.#q.takeCounted.execute({ namespace, key, now }))[0];
  }

  async peekCounted(namespace: string, key: string, now: number): Promise<{ value: unknown; usesLeft: number; expiresAt: number } | undefined> {
    return (await this.#q.peekCounted.execute({ namespace, key, now }))[0];
  }

  async deleteCounted(namespace: string, key: string): Promise<boolean> {
    return affected(await this.#q.deleteCounted.execute({ namespace, key })) > 0;
  }

  async listCounted(namespace: string, prefix: string): Promise<string[]> {
    return (await this.#q.listCounted.execute({ namespace, prefix, end: prefixEnd(prefix) })).map((r) => r.key);
  }

  async pruneCounted(now: number, limit: number): Promise<number> {
    return affected(await this.#q.pruneCounted.execute({ now, limit }));
  }

  async bumpCounter(namespace: string, key: string, windowMs: number, now: number): Promise<number> {
    const rows = await this.#q.bumpCounter.execute({ namespace, key, now, windowEnd: now + windowMs });
    return rows[0]!.count;
  }

  async peekCounter(namespace: string, key: string, now: number): Promise<number> {
    const rows = await this.#q.peekCounter.execute({ namespace, key, now });
    return rows[0] ? Number(rows[0].count) : 0;
  }

  async getWithCounter(namespace: string, key: string, counterKey: string, now: number): Promise<{ value: unknown | undefined; count: number }> {
    const row = (await this.#q.getWithCounter.execute({ namespace, key, counterKey, now }))[0]!;
    return { value: row.value ?? undefined, count: row.count === null ? 0 : Number(row.count) };
  }

  async resetCounter(namespace: string, key: string): Promise<void> {
    await this.#q.resetCounter.execute({ namespace, key });
  }
}

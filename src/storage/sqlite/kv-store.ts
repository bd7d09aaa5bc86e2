/**
 * Plugin key/value space and the replay cache. claimOnce is a single upsert whose UPDATE branch only
 * fires when the existing claim has expired, so "inserted or replaced an expired one" is exactly
 * "changes = 1" and concurrent claims of one key can never both win.
 */
import { and, eq, sql } from "drizzle-orm";
import type { KvStore } from "../types.js";
import { startsWith, ph, type Db } from "./prepared.js";
import { claims, kv } from "./schema.js";
import type { WriteBatch } from "./write-batch.js";

function prepare(db: Db) {
  const key = and(eq(kv.namespace, ph("namespace")), eq(kv.key, ph("key")));
  return {
    get: db.select({ value: kv.value }).from(kv).where(key).prepare(),
    put: db
      .insert(kv)
      .values({ namespace: ph("namespace"), key: ph("key"), value: ph("value") })
      .onConflictDoUpdate({ target: [kv.namespace, kv.key], set: { value: sql`excluded.value` } })
      .prepare(),
    delete: db.delete(kv).where(key).prepare(),
    listKeys: db
      .select({ key: kv.key })
      .from(kv)
      .where(and(eq(kv.namespace, ph("namespace")), startsWith(kv.key, ph("prefix"))))
      .orderBy(kv.key)
      .prepare(),
    deleteNamespace: db.delete(kv).where(eq(kv.namespace, ph("namespace"))).prepare(),
    deleteNamespaceClaims: db.delete(claims).where(eq(claims.namespace, ph("namespace"))).prepare(),
    // expires_at 0 means a claim that never expires, so it is never replaced or pruned.
    claimOnce: db
      .insert(claims)
      .values({ namespace: ph("namespace"), key: ph("key"), expiresAt: ph("expiresAt") })
      .onConflictDoUpdate({
        target: [claims.namespace, claims.key],
        set: { expiresAt: sql`excluded.expires_at` },
        setWhere: sql`${claims.expiresAt} > 0 AND ${claims.expiresAt} <= ${ph("now")}`,
      })
      .prepare(),
    pruneClaims: db
      .delete(claims)
      .where(
        // The table is WITHOUT ROWID, so the bounded batch is picked by its primary key.
        sql`(${claims.namespace}, ${claims.key}) IN (SELECT namespace, key FROM ${claims} WHERE expires_at > 0 AND expires_at <= ${ph("now")} LIMIT ${ph("limit")})`,
      )
      .prepare(),
  };
}

export class SqliteKvStore implements KvStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(
    db: Db,
    private readonly batch: WriteBatch,
    private readonly now: () => number = Date.now,
  ) {
    this.#q = prepare(db);
  }

  async get(namespace: string, key: string): Promise<unknown | undefined> {
    return this.#q.get.get({ namespace, key })?.value;
  }

  put(namespace: string, key: string, value: unknown): Promise<void> {
    // undefined has no JSON form and would read back as "absent".
    if (value === undefined) return Promise.reject(new TypeError("kv.put: value must not be undefined"));
    return this.batch.write(() => {
      this.#q.put.run({ namespace, key, value });
    });
  }

  delete(namespace: string, key: string): Promise<boolean> {
    return this.batch.write(() => this.#q.delete.run({ namespace, key }).changes > 0);
  }

  async listKeys(namespace: string, prefix: string): Promise<string[]> {
    return this.#q.listKeys.all({ namespace, prefix }).map((r) => r.key);
  }

  deleteNamespace(namespace: string): Promise<void> {
    return this.batch.writeAtomic(() => {
      this.#q.deleteNamespace.run({ namespace });
      this.#q.deleteNamespaceClaims.run({ namespace });
    });
  }

  claimOnce(namespace: string, key: string, expiresAt: number): Promise<boolean> {
    return this.batch.write(() => this.#q.claimOnce.run({ namespace, key, expiresAt, now: this.now() }).changes > 0);
  }

  pruneClaims(now: number, limit: number): Promise<number> {
    return this.batch.write(() => this.#q.pruneClaims.run({ now, limit }).changes);
  }
}

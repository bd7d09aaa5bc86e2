/**
 * Plugin key/value space and the replay cache. claimOnce is a single upsert whose UPDATE branch only
 * fires when the existing claim has expired, so "inserted or replaced an expired one" is exactly
 * "changes = 1" and concurrent claims of one key can never both win.
 *
 * Counted entries and counters follow the same rule: takeCounted is one UPDATE ... RETURNING that
 * only matches a live entry, and bumpCounter one upsert ... RETURNING, so no two callers can take the
 * same use or see the same count.
 */
import { and, eq, sql } from "drizzle-orm";
import type Database from "better-sqlite3";
import type { ClaimOptions, KvStore } from "../types.js";
import { startsWith, ph, statementsOnFirstUse, type Db } from "./prepared.js";
import { claims, counted, counters, kv } from "./schema.js";
import type { WriteBatch } from "./write-batch.js";

function prepare(db: Db) {
  const key = and(eq(kv.namespace, ph("namespace")), eq(kv.key, ph("key")));
  const countedKey = and(eq(counted.namespace, ph("namespace")), eq(counted.key, ph("key")));
  // Live: not used up (-1) and not expired (expires_at 0 = never).
  const countedLive = sql`${counted.uses} >= 0 AND (${counted.expiresAt} = 0 OR ${counted.expiresAt} > ${ph("now")})`;
  return {
    get: db.select({ value: kv.value }).from(kv).where(key).prepare(),
    put: db
      .insert(kv)
      .values({ namespace: ph("namespace"), key: ph("key"), value: ph("value") })
      .onConflictDoUpdate({ target: [kv.namespace, kv.key], set: { value: sql`excluded.value` } })
      .prepare(),
    putIfAbsent: db
      .insert(kv)
      .values({ namespace: ph("namespace"), key: ph("key"), value: ph("value") })
      .onConflictDoNothing({ target: [kv.namespace, kv.key] })
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
    deleteNamespaceCounted: db.delete(counted).where(eq(counted.namespace, ph("namespace"))).prepare(),
    deleteNamespaceCounters: db.delete(counters).where(eq(counters.namespace, ph("namespace"))).prepare(),
    pruneClaims: db
      .delete(claims)
      .where(
        // The table is WITHOUT ROWID, so the bounded batch is picked by its primary key.
        sql`(${claims.namespace}, ${claims.key}) IN (SELECT namespace, key FROM ${claims} WHERE expires_at > 0 AND expires_at <= ${ph("now")} LIMIT ${ph("limit")})`,
      )
      .prepare(),
    putCounted: db
      .insert(counted)
      .values({ namespace: ph("namespace"), key: ph("key"), value: ph("value"), uses: ph("uses"), expiresAt: ph("expiresAt") })
      .onConflictDoUpdate({
        target: [counted.namespace, counted.key],
        set: { value: sql`excluded.value`, uses: sql`excluded.uses`, expiresAt: sql`excluded.expires_at` },
      })
      .prepare(),
    // uses 0 (unlimited) stays 0; 1 becomes -1 (this was the last use); more counts down.
    takeCounted: db
      .update(counted)
      .set({
        uses: sql`CASE WHEN ${counted.uses} = 0 THEN 0 WHEN ${counted.uses} = 1 THEN -1 ELSE ${counted.uses} - 1 END`,
      })
      .where(and(countedKey, countedLive))
      .returning({ value: counted.value, uses: counted.uses })
      .prepare(),
    deleteCounted: db.delete(counted).where(countedKey).prepare(),
    listCounted: db
      .select({ key: counted.key })
      .from(counted)
      .where(and(eq(counted.namespace, ph("namespace")), startsWith(counted.key, ph("prefix"))))
      .orderBy(counted.key)
      .prepare(),
    // Each UNION branch reads its partial index (UNION also drops rows both expired and used up); the
    // compound is wrapped in a derived table so the outer delete goes by primary key instead of a scan.
    pruneCounted: db
      .delete(counted)
      .where(
        sql`(${counted.namespace}, ${counted.key}) IN (SELECT namespace, key FROM (SELECT namespace, key FROM ${counted} WHERE expires_at > 0 AND expires_at <= ${ph("now")} UNION SELECT namespace, key FROM ${counted} WHERE uses = -1 LIMIT ${ph("limit")}))`,
      )
      .prepare(),
    // A window that has ended (window_end <= now) restarts at 1 with a new window; SET expressions
    // all read the row as it was before the update.
    bumpCounter: db
      .insert(counters)
      .values({ namespace: ph("namespace"), key: ph("key"), count: 1, windowEnd: ph("windowEnd") })
      .onConflictDoUpdate({
        target: [counters.namespace, counters.key],
        set: {
          count: sql`CASE WHEN ${counters.windowEnd} <= ${ph("now")} THEN 1 ELSE ${counters.count} + 1 END`,
          windowEnd: sql`CASE WHEN ${counters.windowEnd} <= ${ph("now")} THEN excluded.window_end ELSE ${counters.windowEnd} END`,
        },
      })
      .returning({ count: counters.count })
      .prepare(),
    peekCounter: db
      .select({ count: counters.count })
      .from(counters)
      .where(and(eq(counters.namespace, ph("namespace")), eq(counters.key, ph("key")), sql`${counters.windowEnd} > ${ph("now")}`))
      .prepare(),
    resetCounter: db
      .delete(counters)
      .where(and(eq(counters.namespace, ph("namespace")), eq(counters.key, ph("key"))))
      .prepare(),
  };
}

/**
 * A kv value (JSON text, or NULL) and a live counter's count (or NULL), in one statement: the lockout
 * read of every login, so bound positionally (named parameters are looked up in an object per call).
 */
function prepareGetWithCounter(conn: Database.Database) {
  return conn
    .prepare<[string, string, string, string, number]>(
      `SELECT (SELECT value FROM kv WHERE namespace = ? AND key = ?),
              (SELECT count FROM counters WHERE namespace = ? AND key = ? AND window_end > ?)`,
    )
    .raw(true);
}

/**
 * A live counted entry (not used up, not expired): the secret-id peek of every AppRole login, so a raw
 * statement bound positionally, rows as arrays (drizzle's placeholder filling and row mapping cost
 * more than the primary-key read).
 */
function preparePeekCounted(conn: Database.Database) {
  return conn
    .prepare<[string, string, number]>(
      `SELECT value, uses, expires_at FROM counted
       WHERE namespace = ? AND key = ? AND uses >= 0 AND (expires_at = 0 OR expires_at > ?)`,
    )
    .raw(true);
}

/**
 * The replay claim, on every signed login: a raw statement bound positionally (drizzle's placeholder
 * filling and query logging cost a login ~1 µs more). expires_at 0 means a claim that never expires,
 * so it is never replaced or pruned; an existing claim is replaced only once it has expired, so
 * "inserted or replaced an expired one" is exactly "changes = 1".
 */
function prepareClaimOnce(conn: Database.Database) {
  return conn.prepare<[string, string, number, number]>(
    `INSERT INTO claims (namespace, key, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (namespace, key) DO UPDATE SET expires_at = excluded.expires_at
     WHERE claims.expires_at > 0 AND claims.expires_at <= ?`,
  );
}

export class SqliteKvStore implements KvStore {
  readonly #q: ReturnType<typeof prepare>;
  readonly #getWithCounter: ReturnType<typeof prepareGetWithCounter>;
  readonly #claimOnce: ReturnType<typeof prepareClaimOnce>;
  readonly #peekCounted: ReturnType<typeof preparePeekCounted>;

  constructor(
    db: Db,
    private readonly batch: WriteBatch,
    conn: Database.Database,
  ) {
    this.#q = statementsOnFirstUse(db, prepare);
    this.#getWithCounter = prepareGetWithCounter(conn);
    this.#claimOnce = prepareClaimOnce(conn);
    this.#peekCounted = preparePeekCounted(conn);
  }

  async get(namespace: string, key: string): Promise<unknown | undefined> {
    return this.batch.read(() => this.#q.get.get({ namespace, key }))?.value;
  }

  put(namespace: string, key: string, value: unknown): Promise<void> {
    // undefined has no JSON form and would read back as "absent".
    if (value === undefined) return Promise.reject(new TypeError("kv.put: value must not be undefined"));
    return this.batch.write(() => {
      this.#q.put.run({ namespace, key, value });
    });
  }

  putIfAbsent(namespace: string, key: string, value: unknown): Promise<boolean> {
    if (value === undefined) return Promise.reject(new TypeError("kv.putIfAbsent: value must not be undefined"));
    return this.batch.write(() => this.#q.putIfAbsent.run({ namespace, key, value }).changes > 0);
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
      this.#q.deleteNamespaceCounted.run({ namespace });
      this.#q.deleteNamespaceCounters.run({ namespace });
    });
  }

  /**
   * Answered before the commit (writeEager): the claim is one atomic statement, seen at once by every
   * later claim, and a login that follows it writes its token later, so the token never outlives a
   * lost claim. Saves one fsync wait on every signed login.
   */
  claimOnce(namespace: string, key: string, expiresAt: number, now: number, options?: ClaimOptions): Promise<boolean> {
    const run = (): boolean => this.#claimOnce.run(namespace, key, expiresAt, now).changes > 0;
    // withNextWrite (a login's claim): committed by the token's write that follows, not on its own.
    return options?.withNextWrite ? this.batch.writeDeferred(run) : this.batch.writeEager(run);
  }

  pruneClaims(now: number, limit: number): Promise<number> {
    return this.batch.write(() => this.#q.pruneClaims.run({ now, limit }).changes);
  }

  putCounted(namespace: string, key: string, value: unknown, uses: number, expiresAt: number): Promise<void> {
    if (value === undefined) return Promise.reject(new TypeError("kv.putCounted: value must not be undefined"));
    // -1 is the stored "used up" marker, not something to put.
    if (!Number.isSafeInteger(uses) || uses < 0) return Promise.reject(new RangeError(`kv.putCounted: uses must be an integer >= 0, got ${uses}`));
    return this.batch.write(() => {
      this.#q.putCounted.run({ namespace, key, value, uses, expiresAt });
    });
  }

  /** Answered before the commit, like claimOnce: the token a login mints after it commits after it. */
  takeCounted(namespace: string, key: string, now: number): Promise<{ value: unknown; usesLeft: number } | undefined> {
    return this.batch.writeEager(() => {
      const row = this.#q.takeCounted.get({ namespace, key, now });
      return row && { value: row.value, usesLeft: row.uses };
    });
  }

  async peekCounted(namespace: string, key: string, now: number): Promise<{ value: unknown; usesLeft: number; expiresAt: number } | undefined> {
    const row = this.batch.read(() => this.#peekCounted.get(namespace, key, now)) as [string, number, number] | undefined;
    return row && { value: JSON.parse(row[0]) as unknown, usesLeft: row[1], expiresAt: row[2] };
  }

  deleteCounted(namespace: string, key: string): Promise<boolean> {
    return this.batch.write(() => this.#q.deleteCounted.run({ namespace, key }).changes > 0);
  }

  async listCounted(namespace: string, prefix: string): Promise<string[]> {
    return this.#q.listCounted.all({ namespace, prefix }).map((r) => r.key);
  }

  pruneCounted(now: number, limit: number): Promise<number> {
    return this.batch.write(() => this.#q.pruneCounted.run({ now, limit }).changes);
  }

  bumpCounter(namespace: string, key: string, windowMs: number, now: number): Promise<number> {
    return this.batch.write(() => {
      const row = this.#q.bumpCounter.get({ namespace, key, now, windowEnd: now + windowMs });
      if (!row) throw new Error("kv.bumpCounter: upsert returned no row");
      return row.count;
    });
  }

  async peekCounter(namespace: string, key: string, now: number): Promise<number> {
    return this.#q.peekCounter.get({ namespace, key, now })?.count ?? 0;
  }

  async getWithCounter(namespace: string, key: string, counterKey: string, now: number): Promise<{ value: unknown | undefined; count: number }> {
    const [value, count] = this.batch.read(() => this.#getWithCounter.get(namespace, key, namespace, counterKey, now)) as [string | null, number | null];
    return { value: value === null ? undefined : (JSON.parse(value) as unknown), count: count ?? 0 };
  }

  resetCounter(namespace: string, key: string): Promise<void> {
    return this.batch.write(() => {
      this.#q.resetCounter.run({ namespace, key });
    });
  }
}

/**
 * Tokens. Every method is one prepared statement (revokeOrphan: two, under a SAVEPOINT), so use
 * counts and revocations are exact under any interleaving of callers: there is no read-then-write in
 * JavaScript. Deletes walk the parent_hash tree inside SQLite with a recursive CTE.
 */
import { and, count, eq, getTableColumns, gt, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type Database from "better-sqlite3";
import { MAX_TOKEN_DEPTH, frozenTokenRecord, type TokenCap, type TokenRecord, type TokenRenewal, type TokenStore } from "../types.js";
import { startsWith, ph, statementsOnFirstUse, type Db } from "./prepared.js";
import { tokens } from "./schema.js";
import type { WriteBatch } from "./write-batch.js";

/**
 * The earliest expiry among a token's ancestors (NULL when none expires), as a correlated scalar
 * subquery over the row whose parent column is `parentHash`: a child of an expired parent is refused
 * at its next request, not when the sweeper reaches the parent. Orphans (most tokens) skip the walk.
 * UNION ALL with a depth counter instead of UNION: no dedup table per read (several times cheaper);
 * a chain deeper than MAX_TOKEN_DEPTH (or a corrupt cycle) ends the walk and counts as expired.
 */
const ancestorExpiry = (parentHash: string) =>
  `CASE WHEN ${parentHash} IS NULL THEN NULL ELSE (
     WITH RECURSIVE up(h, e, d) AS (
       SELECT p.parent_hash, p.expires_at, 1 FROM tokens p WHERE p.id_hash = ${parentHash}
       UNION ALL SELECT a.parent_hash, a.expires_at, up.d + 1 FROM tokens a JOIN up ON a.id_hash = up.h WHERE up.d < ${MAX_TOKEN_DEPTH})
     SELECT CASE WHEN MAX(d) >= ${MAX_TOKEN_DEPTH} THEN 1 ELSE MIN(NULLIF(e, 0)) END FROM up) END`;

function prepare(db: Db) {
  const root = alias(tokens, "root");
  const child = alias(tokens, "child");
  // The set of ids reachable from `seed` through parent_hash. UNION (not UNION ALL) so even a corrupt
  // cycle terminates.
  const withDescendants = (seed: SQL) =>
    sql`${tokens.idHash} IN (WITH RECURSIVE tree(h) AS (${seed} UNION SELECT ${child.idHash} FROM ${tokens} AS ${child} JOIN tree ON ${child.parentHash} = tree.h) SELECT h FROM tree)`;

  return {
    parentExists: db.select({ one: sql<number>`1` }).from(tokens).where(eq(tokens.idHash, ph("idHash"))).prepare(),
    getByAccessor: db
      .select({ ...getTableColumns(tokens), ancestorExpiresAt: sql<number | null>`${sql.raw(ancestorExpiry('"tokens"."parent_hash"'))}` })
      .from(tokens)
      .where(eq(tokens.accessor, ph("accessor")))
      .prepare(),
    use: db
      .update(tokens)
      .set({ numUses: sql`CASE WHEN ${tokens.numUses} = 1 THEN -1 ELSE ${tokens.numUses} - 1 END` })
      .where(and(eq(tokens.idHash, ph("idHash")), gt(tokens.numUses, 0)))
      .returning({ numUses: tokens.numUses })
      .prepare(),
    renew: db
      .update(tokens)
      .set({ ttl: sql`${ph("ttl")}`, expiresAt: sql`${ph("expiresAt")}`, lastRenewalAt: sql`${ph("lastRenewalAt")}` })
      .where(eq(tokens.idHash, ph("idHash")))
      .prepare(),
    revokeTree: db.delete(tokens).where(withDescendants(sql`SELECT ${ph("idHash")}`)).prepare(),
    orphanChildren: db.update(tokens).set({ parentHash: null }).where(eq(tokens.parentHash, ph("idHash"))).prepare(),
    deleteOne: db.delete(tokens).where(eq(tokens.idHash, ph("idHash"))).prepare(),
    revokeByPathPrefix: db
      .delete(tokens)
      .where(withDescendants(sql`SELECT ${root.idHash} FROM ${tokens} AS ${root} WHERE ${startsWith(root.path, ph("prefix"))}`))
      .prepare(),
    // `expires_at > 0` is spelled out so the planner can use the partial index; the inner LIMIT bounds
    // the roots, the walk then takes their whole subtrees.
    revokeExpired: db
      .delete(tokens)
      .where(
        withDescendants(
          sql`SELECT h FROM (SELECT ${root.idHash} AS h FROM ${tokens} AS ${root} WHERE ${root.expiresAt} > 0 AND ${root.expiresAt} <= ${ph("now")} ORDER BY ${root.expiresAt} LIMIT ${ph("limit")})`,
        ),
      )
      .prepare(),
    // '' is "no entity" (root and orphan tokens), never an entity to revoke by.
    revokeByEntity: db
      .delete(tokens)
      .where(
        withDescendants(
          sql`SELECT ${root.idHash} FROM ${tokens} AS ${root} WHERE ${root.entityId} = ${ph("entityId")} AND ${root.entityId} <> ''`,
        ),
      )
      .prepare(),
    listAccessors: db.select({ accessor: tokens.accessor }).from(tokens).orderBy(tokens.accessor).prepare(),
    count: db.select({ n: count() }).from(tokens).prepare(),
  };
}

/** The row of the hot read, as better-sqlite3 returns it in array mode (column order of the SELECT). */
type TokenRow = [string, string, string | null, string, string, string, string, string, number, number, number, number, number, number, number, number, number, string, string, string, string | null, string, number | null, number | null, Buffer | string | null];

/** The earliest expiry of a token's ancestors (NULL for none): the hot read's column, and part of peek's row version. */
const ANCESTOR_EXPIRY = `CASE WHEN t.parent_hash IS NULL OR p.id_hash IS NULL THEN NULL
                   WHEN p.parent_hash IS NULL THEN NULLIF(p.expires_at, 0)
                   ELSE ${ancestorExpiry("t.parent_hash")} END`;

/**
 * lookup-self and every authenticated request read one token row. Drizzle's generic row mapping
 * (a type check and a decoder per column) cost more than the read itself in a profile, so this one
 * statement is a raw prepared statement in array mode with a hand-written mapper. A test holds it
 * equal to the drizzle-mapped read by accessor. The entity's disabled flag comes with it (a LEFT JOIN on the primary
 * key), so a disabled entity stops its tokens without a second statement; so does the earliest expiry
 * of its ancestors, so a child of an expired parent stops at once. A child whose parent is an orphan
 * (a token created by a login token or root: the usual child) takes the parent's expiry from a join on
 * the primary key; only deeper chains run the recursive walk, which costs ~5 µs more per read (a CTE
 * set up per row). Both give what ancestorExpiry gives: NULL for no parent or a parent that is gone.
 * Exported for bench/lookup-floor.mjs (the floor: a bare server making this same read).
 */
const hotReadColumns = (sealed: string) => `t.id_hash, t.accessor, t.parent_hash, t.policies, t.path, t.mount_accessor, t.meta, t.display_name, t.num_uses,
              t.created_at, t.ttl, t.expires_at, t.explicit_max_ttl, t.max_ttl, t.period, t.renewable, t.last_renewal_at,
              t.entity_id, t.bound_cidrs, t.role, t.auth, t.login_role, e.disabled,
              ${ANCESTOR_EXPIRY}, ${sealed}`;
const HOT_READ_FROM = `FROM tokens t LEFT JOIN entities e ON e.id = t.entity_id LEFT JOIN tokens p ON p.id_hash = t.parent_hash
        WHERE t.id_hash = ?`;
export const HOT_READ_SQL = `SELECT ${hotReadColumns("t.sealed")}
         ${HOT_READ_FROM}`;

/**
 * A row's version, as peek compares it: everything that can change on a token's row once it is written
 * (uses taken, a renewal, the parent column when orphaned, its entity's flag, its ancestors' expiry),
 * the accessor (a custom id revoked and created again is another row with another accessor), and the
 * sealed blob's GCM tag (its last 16 bytes: every seal draws a fresh IV, so a blob rewritten in any way
 * has another tag). Nothing else in a row is ever updated; a generic rewrite or a snapshot restore
 * makes the store forget every kept row anyway (forgetPeeked).
 */
const ROW_VERSION = `json_array(t.accessor, t.num_uses, t.ttl, t.expires_at, t.last_renewal_at, t.parent_hash, e.disabled,
              ${ANCESTOR_EXPIRY}, hex(substr(t.sealed, -16)))`;

/**
 * peek's form of the hot read, given the version of the row it already holds (first parameter, NULL
 * for none): NULL when the row still has that version, else the row as one text, a JSON array of its
 * version (as a string) then the hot read's columns in the same order; no row when there is no token.
 * An unchanged row, every lookup of a live token but the first, costs the version's few columns and
 * no string for JavaScript at all (~1.3 µs in a micro-benchmark where the whole row as text cost
 * ~1.9 µs and as 25 JS values ~5). JSON holds no blob: the sealed bytes come as hex (NULL when the row
 * has none).
 */
export const PEEK_READ_SQL = `SELECT CASE WHEN ${ROW_VERSION} IS ? THEN NULL
              ELSE json_array(${ROW_VERSION} || '', ${hotReadColumns("CASE WHEN t.sealed IS NULL THEN NULL ELSE hex(t.sealed) END")}) END
         ${HOT_READ_FROM}`;

function prepareHotRead(conn: Database.Database) {
  return conn.prepare(HOT_READ_SQL).raw(true);
}

function preparePeekRead(conn: Database.Database) {
  return conn.prepare<[string | null, string], string | null>(PEEK_READ_SQL).pluck(true);
}

/**
 * Every login and token create inserts one row. Drizzle's insert maps each of the 22 placeholders
 * through its column's driver mapping (~9 µs of a login's CPU in a profile), so, like the hot read,
 * it is a raw prepared statement bound positionally by toRow; the contract tests read every inserted
 * field back through both reads.
 */
function prepareInsert(conn: Database.Database) {
  return conn.prepare(
    `INSERT INTO tokens (id_hash, accessor, parent_hash, policies, path, mount_accessor, meta, display_name, num_uses, created_at, ttl,
                         expires_at, explicit_max_ttl, max_ttl, period, renewable, last_renewal_at, entity_id, bound_cidrs, role, auth, login_role, sealed)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
}

/** A record as the insert's values, in its column order (JSON columns as text, booleans as 0/1). */
function toRow(t: TokenRecord): unknown[] {
  return [
    t.idHash,
    t.accessor,
    t.parentHash,
    JSON.stringify(t.policies),
    t.path,
    t.mountAccessor,
    JSON.stringify(t.meta),
    t.displayName,
    t.numUses,
    t.createdAt,
    t.ttl,
    t.expiresAt,
    t.explicitMaxTtl,
    t.maxTtl,
    t.period,
    t.renewable ? 1 : 0,
    t.lastRenewalAt,
    t.entityId,
    JSON.stringify(t.boundCidrs),
    t.role,
    t.auth === null ? null : JSON.stringify(t.auth),
    t.loginRole,
    t.sealed ?? null,
  ];
}

function fromRow(r: TokenRow): TokenRecord {
  const record: TokenRecord = {
    idHash: r[0],
    accessor: r[1],
    parentHash: r[2],
    policies: JSON.parse(r[3]) as string[],
    path: r[4],
    mountAccessor: r[5],
    meta: JSON.parse(r[6]) as Record<string, string>,
    displayName: r[7],
    numUses: r[8],
    createdAt: r[9],
    ttl: r[10],
    expiresAt: r[11],
    explicitMaxTtl: r[12],
    maxTtl: r[13],
    period: r[14],
    renewable: r[15] !== 0,
    lastRenewalAt: r[16],
    entityId: r[17],
    boundCidrs: JSON.parse(r[18]) as string[],
    role: r[19],
    auth: r[20] === null ? null : (JSON.parse(r[20]) as TokenRecord["auth"]),
    loginRole: r[21],
  };
  if (r[22] === 1) record.entityDisabled = true;
  if (r[23] !== null) record.ancestorExpiresAt = r[23];
  const sealed = r[24];
  if (sealed !== null) record.sealed = typeof sealed === "string" ? Buffer.from(sealed, "hex") : sealed;
  return record;
}

/** Rows peek keeps to give back the same record while a row is unchanged (~1-2 kB each). */
const PEEKED_MAX = 5_000;


export class SqliteTokenStore implements TokenStore {
  readonly #q: ReturnType<typeof prepare>;
  readonly #hotRead: ReturnType<typeof prepareHotRead>;
  readonly #insert: ReturnType<typeof prepareInsert>;
  readonly #countLive: Database.Statement<[{ path: string; exact: number; role: string | null; now: number }], { n: number }>;
  readonly #peekRead: ReturnType<typeof preparePeekRead>;
  /**
   * peek's last row version and record per id hash (never the token itself): the version given to each
   * read, and the batch's generation it was read under.
   */
  readonly #peeked = new Map<string, { version: string; record: TokenRecord; generation: number }>();

  constructor(
    db: Db,
    private readonly batch: WriteBatch,
    conn: Database.Database,
  ) {
    this.#q = statementsOnFirstUse(db, prepare);
    this.#hotRead = prepareHotRead(conn);
    this.#peekRead = preparePeekRead(conn);
    this.#insert = prepareInsert(conn);
    // Live tokens under a lease-count quota's path (tokens_path index; the range spells "starts with"),
    // of its login role when it has one.
    this.#countLive = conn.prepare(
      `SELECT count(*) AS n FROM tokens WHERE (expires_at = 0 OR expires_at > @now)
         AND (@path = '' OR (@exact = 1 AND path = @path) OR (@exact = 0 AND path >= @path AND path < (@path || CAST(x'ff' AS TEXT))))
         AND (@role IS NULL OR login_role = @role)`,
    );
  }

  /**
   * The parent check and the insert run in one synchronous step of the one writer connection, inside
   * the batch's transaction: nothing interleaves. Only the insert writes, and a failed statement is
   * undone by SQLite itself, so no savepoint is needed (it cost two statements per token).
   */
  insert(token: TokenRecord): Promise<boolean> {
    return this.batch.write(() => {
      if (token.parentHash !== null && this.#q.parentExists.get({ idHash: token.parentHash }) === undefined) return false;
      this.#insert.run(toRow(token));
      return true;
    });
  }

  /** The count, the parent check and the insert: one synchronous step of the one writer, as insert. */
  insertCapped(token: TokenRecord, cap: TokenCap): Promise<boolean | "full"> {
    return this.batch.write(() => {
      const live = this.#countLive.get({ path: cap.path, exact: cap.exact ? 1 : 0, role: cap.role ?? null, now: cap.now })!.n;
      if (live >= cap.max) return "full" as const;
      if (token.parentHash !== null && this.#q.parentExists.get({ idHash: token.parentHash }) === undefined) return false;
      this.#insert.run(toRow(token));
      return true;
    });
  }

  async get(idHash: string): Promise<TokenRecord | undefined> {
    const row = this.batch.read(() => this.#hotRead.get(idHash)) as TokenRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /**
   * The same read as get (PEEK_READ_SQL), synchronous, and the same (frozen) record as this id's
   * previous peek while the row's version is the same: the database compares the version and sends
   * nothing back, instead of 24 JS values and the mapping's JSON parses, and what the layers above
   * derive from the record (the barrier's opened record, the lookup-self answer) is kept by its
   * identity. A row gone or changed is seen on the read that follows the write.
   *
   * No read at all while the connection's generation is the one the record was read under (the same
   * snapshot, nothing written since: WriteBatch.generation): the read would see the same database and
   * answer the same. A lookup-self load on a store nothing writes to then reads each token once per
   * snapshot (renewed every 250 ms, when other connections' commits become visible, as for any read).
   */
  peek(idHash: string): TokenRecord | undefined {
    return this.batch.read(() => {
      const generation = this.batch.generation;
      const known = this.#peeked.get(idHash);
      if (known !== undefined && known.generation === generation) return known.record;
      const row = this.#peekRead.get(known === undefined ? null : known.version, idHash);
      if (row === undefined) {
        if (known !== undefined) this.#peeked.delete(idHash);
        return undefined;
      }
      // NULL only ever answers a version given: the row is unchanged.
      if (row === null) {
        known!.generation = generation;
        return known!.record;
      }
      const [version, ...columns] = JSON.parse(row) as [string, ...TokenRow];
      const record = frozenTokenRecord(fromRow(columns as TokenRow));
      if (known === undefined && this.#peeked.size >= PEEKED_MAX) this.#peeked.delete(this.#peeked.keys().next().value!);
      this.#peeked.set(idHash, { version, record, generation });
      return record;
    });
  }

  /** Drops every row peek keeps: after a change no version shows (a generic rewrite, a snapshot restore). */
  forgetPeeked(): void {
    this.#peeked.clear();
  }

  async getByAccessor(accessor: string): Promise<TokenRecord | undefined> {
    const row = this.#q.getByAccessor.get({ accessor });
    if (!row) return undefined;
    const { ancestorExpiresAt, sealed, ...rest } = row;
    // As the hot read: no sealed member when the row has no blob.
    const record: TokenRecord = sealed === null ? rest : { ...rest, sealed };
    return ancestorExpiresAt === null ? record : { ...record, ancestorExpiresAt };
  }

  use(idHash: string): Promise<number | undefined> {
    return this.batch.write(() => this.#q.use.get({ idHash })?.numUses);
  }

  renew(idHash: string, r: TokenRenewal): Promise<boolean> {
    return this.batch.write(
      () => this.#q.renew.run({ idHash, ttl: r.ttl, expiresAt: r.expiresAt, lastRenewalAt: r.lastRenewalAt }).changes > 0,
    );
  }

  revokeTree(idHash: string): Promise<number> {
    return this.batch.write(() => this.#q.revokeTree.run({ idHash }).changes);
  }

  revokeOrphan(idHash: string): Promise<number> {
    return this.batch.writeAtomic(() => {
      this.#q.orphanChildren.run({ idHash });
      return this.#q.deleteOne.run({ idHash }).changes;
    });
  }

  revokeByPathPrefix(pathPrefix: string): Promise<number> {
    return this.batch.write(() => this.#q.revokeByPathPrefix.run({ prefix: pathPrefix }).changes);
  }

  revokeExpired(now: number, limit: number): Promise<number> {
    return this.batch.write(() => this.#q.revokeExpired.run({ now, limit }).changes);
  }

  revokeByEntity(entityId: string): Promise<number> {
    return this.batch.write(() => this.#q.revokeByEntity.run({ entityId }).changes);
  }

  async listAccessors(): Promise<string[]> {
    return this.#q.listAccessors.all().map((r) => r.accessor);
  }

  async count(): Promise<number> {
    return this.#q.count.get()?.n ?? 0;
  }
}

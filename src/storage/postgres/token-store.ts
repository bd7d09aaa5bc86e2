/**
 * Tokens. Every method is ONE prepared statement, atomic on its own, so use counts and revocations are
 * exact across any number of nodes sharing the database: `use` is an UPDATE ... RETURNING whose WHERE
 * is re-checked by PostgreSQL on the latest row version when two updates collide; revocations are one
 * DELETE over a recursive CTE of the parent_hash tree; revokeOrphan un-parents the children and deletes
 * the token in one statement with a data-modifying CTE.
 */
import { and, count, eq, gt, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { MAX_TOKEN_DEPTH, type TokenCap, type TokenRecord, type TokenRenewal, type TokenStore } from "../types.js";
import { affected, bind, type Db, ph, placeholdersFor, prefixEnd, startsWith, withDriverErrors } from "./prepared.js";
import { isForeignKeyViolation } from "./errors.js";
import type { PgTables } from "./schema.js";

function prepare(db: Db, { tokens, entities }: PgTables) {
  const root = alias(tokens, "root");
  const child = alias(tokens, "child");
  const anc = alias(tokens, "anc");
  // The earliest expiry among the row's ancestors (NULL when none expires), read with the token so a
  // child of an expired parent is refused at once on every node, before the sweeper reaches the parent.
  // Same walk as the SQLite adapter's: orphans skip it; a chain deeper than MAX_TOKEN_DEPTH (or a
  // corrupt cycle) ends it and counts as expired.
  // Spelled with its table: drizzle leaves columns of a single-table select unqualified, and inside the
  // subquery a bare "parent_hash" would name the inner row's.
  const parentHash = sql`${tokens}.${sql.identifier("parent_hash")}`;
  const ancestorExpiresAt = sql<number | null>`CASE WHEN ${parentHash} IS NULL THEN NULL ELSE (
    WITH RECURSIVE up(h, e, d) AS (
      SELECT ${anc.parentHash}, ${anc.expiresAt}, 1 FROM ${tokens} AS ${anc} WHERE ${anc.idHash} = ${parentHash}
      UNION ALL SELECT ${anc.parentHash}, ${anc.expiresAt}, up.d + 1 FROM ${tokens} AS ${anc} JOIN up ON ${anc.idHash} = up.h WHERE up.d < ${sql.raw(String(MAX_TOKEN_DEPTH))})
    SELECT CASE WHEN MAX(d) >= ${sql.raw(String(MAX_TOKEN_DEPTH))} THEN 1 ELSE MIN(NULLIF(e, 0)) END FROM up) END`.mapWith(Number);
  // Ids reachable from `seed` through parent_hash; UNION (not UNION ALL) so a corrupt cycle terminates.
  // A seed that is a bare parameter must say COLLATE "C": both terms of the CTE need one collation.
  const withDescendants = (seed: SQL) =>
    sql`${tokens.idHash} IN (WITH RECURSIVE tree(h) AS (${seed} UNION SELECT ${child.idHash} FROM ${tokens} AS ${child} JOIN tree ON ${child.parentHash} = tree.h) SELECT h FROM tree)`;

  return {
    insert: db.insert(tokens).values(placeholdersFor(tokens)).prepare("tok_insert"),
    // The entity's disabled flag comes in the same statement: a disable on any node counts at once.
    get: db
      .select({ token: tokens, entityDisabled: entities.disabled, ancestorExpiresAt })
      .from(tokens)
      .leftJoin(entities, eq(entities.id, tokens.entityId))
      .where(eq(tokens.idHash, ph("idHash")))
      .prepare("tok_get"),
    getByAccessor: db.select({ token: tokens, ancestorExpiresAt }).from(tokens).where(eq(tokens.accessor, ph("accessor"))).prepare("tok_get_acc"),
    use: db
      .update(tokens)
      .set({ numUses: sql`CASE WHEN ${tokens.numUses} = 1 THEN -1 ELSE ${tokens.numUses} - 1 END` })
      .where(and(eq(tokens.idHash, ph("idHash")), gt(tokens.numUses, 0)))
      .returning({ numUses: tokens.numUses })
      .prepare("tok_use"),
    renew: db
      .update(tokens)
      .set({
        ttl: sql`${ph("ttl")}::integer`,
        expiresAt: sql`${ph("expiresAt")}::bigint`,
        lastRenewalAt: sql`${ph("lastRenewalAt")}::bigint`,
      })
      .where(eq(tokens.idHash, ph("idHash")))
      .prepare("tok_renew"),
    revokeTree: db
      .delete(tokens)
      .where(withDescendants(sql`SELECT ${ph("idHash")}::text COLLATE "C"`))
      .prepare("tok_revoke_tree"),
    // Both parts see the same snapshot and commit together: no moment where the children point at a
    // deleted parent, and no second round trip.
    revokeOrphan: db
      .with(
        db
          .$with("orphaned", { one: sql<number>`1` })
          .as(sql`UPDATE ${tokens} SET parent_hash = NULL WHERE parent_hash = ${ph("idHash")}::text RETURNING 1`),
      )
      .delete(tokens)
      .where(eq(tokens.idHash, ph("idHash")))
      .prepare("tok_revoke_orphan"),
    revokeByPathPrefix: db
      .delete(tokens)
      .where(withDescendants(sql`SELECT ${root.idHash} FROM ${tokens} AS ${root} WHERE ${startsWith(root.path, ph("prefix"), ph("end"))}`))
      .prepare("tok_revoke_prefix"),
    // The inner LIMIT bounds the roots (oldest first, via the partial index); the walk takes their subtrees.
    revokeExpired: db
      .delete(tokens)
      .where(
        withDescendants(
          sql`SELECT h FROM (SELECT ${root.idHash} AS h FROM ${tokens} AS ${root} WHERE ${root.expiresAt} > 0 AND ${root.expiresAt} <= ${ph("now")}::bigint ORDER BY ${root.expiresAt} LIMIT ${ph("limit")}::bigint) expired`,
        ),
      )
      .prepare("tok_revoke_expired"),
    revokeByEntity: db
      .delete(tokens)
      .where(withDescendants(sql`SELECT ${root.idHash} FROM ${tokens} AS ${root} WHERE ${root.entityId} = ${ph("entityId")}::text AND ${root.entityId} <> ''`))
      .prepare("tok_revoke_entity"),
    listAccessors: db.select({ accessor: tokens.accessor }).from(tokens).orderBy(tokens.accessor).prepare("tok_list_acc"),
    count: db.select({ n: count() }).from(tokens).prepare("tok_count"),
  };
}

export class PgTokenStore implements TokenStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(
    private readonly db: Db,
    private readonly tables: PgTables,
  ) {
    this.#q = withDriverErrors(db, (d) => prepare(d, tables));
  }

  /**
   * Exact across nodes: a transaction-scoped advisory lock on the quota serialises its logins; the
   * count is a statement taken after the lock (READ COMMITTED: it sees every insert committed before),
   * and the insert commits before the lock is released.
   */
  async insertCapped(token: TokenRecord, cap: TokenCap): Promise<boolean | "full"> {
    const { tokens } = this.tables;
    const end = prefixEnd(cap.path);
    const under =
      cap.path === ""
        ? sql`TRUE`
        : cap.exact
          ? sql`${tokens.path} = ${cap.path}`
          : sql`(${tokens.path} >= ${cap.path}::text AND (${end}::text = '' OR ${tokens.path} < ${end}::text))`;
    try {
      return await this.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`warden:lease-quota:${cap.key}`}, 0))`);
        const [row] = await tx
          .select({ n: count() })
          .from(tokens)
          .where(and(sql`(${tokens.expiresAt} = 0 OR ${tokens.expiresAt} > ${cap.now})`, under, cap.role === undefined ? undefined : eq(tokens.loginRole, cap.role)));
        if (Number(row?.n ?? 0) >= cap.max) return "full" as const;
        await tx.insert(tokens).values(token);
        return true;
      });
    } catch (err) {
      // Driver errors bare (see withDriverErrors): never the SQL text with its bound values.
      const bare = err instanceof Error && err.cause instanceof Error ? err.cause : err;
      if (isForeignKeyViolation(bare)) return false;
      throw bare;
    }
  }

  /**
   * The parent check is the foreign key (migration 0002, ON DELETE CASCADE): PostgreSQL locks the parent
   * row for the insert, so a concurrent revocation either sees the child (and deletes it) or makes the
   * insert fail — never a child that outlives its parent.
   */
  async insert(token: TokenRecord): Promise<boolean> {
    try {
      // Every placeholder needs a value: NULL for a token without a blob (below the barrier, tests).
      await this.#q.insert.execute(bind(token.sealed === undefined ? { ...token, sealed: null } : token));
      return true;
    } catch (err) {
      if (isForeignKeyViolation(err)) return false;
      throw err;
    }
  }

  async get(idHash: string): Promise<TokenRecord | undefined> {
    const row = (await this.#q.get.execute({ idHash }))[0];
    if (!row) return undefined;
    const record = withAncestorExpiry(row.token as TokenRecord, row.ancestorExpiresAt);
    return row.entityDisabled === true ? { ...record, entityDisabled: true } : record;
  }

  async getByAccessor(accessor: string): Promise<TokenRecord | undefined> {
    const row = (await this.#q.getByAccessor.execute({ accessor }))[0];
    return row ? withAncestorExpiry(row.token as TokenRecord, row.ancestorExpiresAt) : undefined;
  }

  async use(idHash: string): Promise<number | undefined> {
    return (await this.#q.use.execute({ idHash }))[0]?.numUses;
  }

  async renew(idHash: string, r: TokenRenewal): Promise<boolean> {
    return affected(await this.#q.renew.execute({ idHash, ttl: r.ttl, expiresAt: r.expiresAt, lastRenewalAt: r.lastRenewalAt })) > 0;
  }

  async revokeTree(idHash: string): Promise<number> {
    return affected(await this.#q.revokeTree.execute({ idHash }));
  }

  async revokeOrphan(idHash: string): Promise<number> {
    return affected(await this.#q.revokeOrphan.execute({ idHash }));
  }

  async revokeByPathPrefix(pathPrefix: string): Promise<number> {
    return affected(await this.#q.revokeByPathPrefix.execute({ prefix: pathPrefix, end: prefixEnd(pathPrefix) }));
  }

  async revokeExpired(now: number, limit: number): Promise<number> {
    return affected(await this.#q.revokeExpired.execute({ now, limit }));
  }

  async revokeByEntity(entityId: string): Promise<number> {
    return affected(await this.#q.revokeByEntity.execute({ entityId }));
  }

  async listAccessors(): Promise<string[]> {
    return (await this.#q.listAccessors.execute()).map((r) => r.accessor);
  }

  async count(): Promise<number> {
    return (await this.#q.count.execute())[0]?.n ?? 0;
  }
}

/** The row as a record: its ancestors' expiry when any, and no sealed member when the row has no blob. */
function withAncestorExpiry(row: TokenRecord, ancestorExpiresAt: number | null): TokenRecord {
  let record = row;
  if (record.sealed === null) {
    const { sealed: _none, ...rest } = record;
    record = rest;
  }
  return ancestorExpiresAt === null ? record : { ...record, ancestorExpiresAt };
}

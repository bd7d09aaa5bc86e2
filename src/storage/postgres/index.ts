/**
 * The PostgreSQL adapter: a pg Pool, every query prepared (named) once here at open, every exact
 * operation one atomic statement, so any number of warden nodes can share one database. Opening
 * connects, applies pending migrations under an advisory lock and prepares the stores; nothing scans
 * the token table, so start-up time does not grow with the number of tokens.
 */
import { randomUUID } from "node:crypto";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import type { Logger } from "../../sdk/plugin.js";
import { postgresMigrations } from "../migrations/postgres/index.js";
import { soleLeader } from "../local-cluster.js";
import { announceWrites } from "../notifying.js";
import type { Storage } from "../types.js";
import { pgChangeFeed } from "./change-feed.js";
import { PgIdentityStore } from "./identity-store.js";
import { PgKvStore } from "./kv-store.js";
import { migrate } from "./migrate.js";
import { PgMountStore } from "./mount-store.js";
import { PgPolicyStore } from "./policy-store.js";
import { pgLeaderElection } from "./leader.js";
import { createPool, DEFAULT_CONNECT_TIMEOUT_MS } from "./pool.js";
import { pgTables } from "./schema.js";
import { pgRewriteAll } from "./rewrite.js";
import { PgSystemStore } from "./system-store.js";
import { PgTokenStore } from "./token-store.js";

export { isStorageUnavailable } from "./errors.js";

export interface PostgresStorageOptions {
  connectionUrl: string;
  /** Table name prefix ("warden" -> warden_tokens, ...); a plain lower-case identifier. */
  tablePrefix: string;
  maxConnections: number;
  /** Give up connecting after this long (default 5 s). */
  connectTimeoutMs?: number;
  /** Give up on any query after this long (default 15 s). */
  queryTimeoutMs?: number;
  /** ping() answers false after this long (default 2 s). */
  pingTimeoutMs?: number;
  /** Elect one leader among the nodes for periodic work; false: every node does it (default false). */
  haEnabled?: boolean;
  log?: Pick<Logger, "info" | "warn">;
}

export interface PostgresStorage extends Storage {
  readonly kind: "postgresql";
  /** The pool, for diagnostics and tests; production code goes through the stores. */
  readonly pool: pg.Pool;
  readonly tablePrefix: string;
}

// Checked again here (the config parser checks too): the prefix is spliced into DDL and table names.
const PREFIX = /^[a-z_][a-z0-9_]{0,40}$/;

export async function openPostgresStorage(opts: PostgresStorageOptions): Promise<PostgresStorage> {
  if (!PREFIX.test(opts.tablePrefix)) throw new Error(`postgresql: table prefix ${JSON.stringify(opts.tablePrefix)} must match ${PREFIX}`);
  const pool = createPool(opts);
  let feed: ReturnType<typeof pgChangeFeed> | undefined;
  try {
    const { from, to } = await migrate(pool, opts.tablePrefix, postgresMigrations);
    if (from !== to) opts.log?.info("postgresql schema migrated", { prefix: opts.tablePrefix, from, to });
    const db = drizzle({ client: pool });
    const tables = pgTables(opts.tablePrefix);
    const pingTimeout = opts.pingTimeoutMs ?? 2_000;
    let closed = false;
    const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const changes = pgChangeFeed({ connectionUrl: opts.connectionUrl, tablePrefix: opts.tablePrefix, pool, connectTimeoutMs, log: opts.log });
    feed = changes;
    // Listening before anything is read into a cache: a write made after boot cannot be missed.
    await changes.ready();
    const ha = opts.haEnabled
      ? pgLeaderElection({ connectionUrl: opts.connectionUrl, tablePrefix: opts.tablePrefix, pool, connectTimeoutMs, nodeId: randomUUID(), log: opts.log })
      : soleLeader();
    const stores = announceWrites(
      {
        identity: new PgIdentityStore(db, tables),
        mounts: new PgMountStore(db, tables),
        policies: new PgPolicyStore(db, tables),
        kv: new PgKvStore(db, tables),
        system: new PgSystemStore(db, tables),
      },
      changes,
    );
    return {
      kind: "postgresql",
      pool,
      tablePrefix: opts.tablePrefix,
      tokens: new PgTokenStore(db, tables),
      ...stores,
      changes,
      ha,
      async ping() {
        if (closed) return false;
        let timer: NodeJS.Timeout | undefined;
        // The pool's own timeouts are longer; health checks need an answer quickly either way.
        const timeout = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), pingTimeout);
        });
        const probe = pool.query({ text: "SELECT 1 AS ok", query_timeout: pingTimeout } as pg.QueryConfig).then(
          (r) => r.rows[0]?.ok === 1,
          () => false,
        );
        try {
          return await Promise.race([probe, timeout]);
        } finally {
          clearTimeout(timer);
        }
      },
      rewriteAll: (r) => pgRewriteAll(db, tables, r),
      async close() {
        if (closed) return;
        closed = true;
        await ha.stop();
        await changes.close();
        await pool.end();
      },
    };
  } catch (err) {
    await feed?.close();
    await pool.end().catch(() => undefined);
    throw err;
  }
}

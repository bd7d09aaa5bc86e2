/**
 * The connection pool, configured so that a lost or slow database turns into prompt rejections rather
 * than requests that hang: connecting gives up after connectTimeoutMs, every query after
 * queryTimeoutMs on the client side (the socket may be dead without a FIN) and statement_timeout on
 * the server side (a lock wait cannot hold a connection forever). A later layer maps these errors to
 * 503 (see errors.ts).
 */
import pg from "pg";
import type { Logger } from "../../sdk/plugin.js";

export interface PoolOptions {
  connectionUrl: string;
  maxConnections: number;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  log?: Pick<Logger, "info" | "warn">;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;

export function createPool(opts: PoolOptions): pg.Pool {
  const queryTimeout = opts.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: opts.connectionUrl,
    max: opts.maxConnections,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    query_timeout: queryTimeout,
    // The server gives up a little before the client does, so the usual timeout carries its SQLSTATE.
    statement_timeout: Math.max(1, queryTimeout - 500),
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: "warden",
  });
  // An idle client whose connection drops emits 'error' on the pool; unhandled, that kills the process.
  // The client is discarded by the pool; the next checkout connects afresh.
  pool.on("error", (err) => opts.log?.warn("postgresql idle connection lost", { error: err.message }));
  return pool;
}

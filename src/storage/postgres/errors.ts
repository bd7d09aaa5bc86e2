/**
 * Which PostgreSQL failures mean "storage unavailable" (the request may succeed later, answer 503)
 * rather than a bug or a constraint violation. Kept here, next to the driver, so the HTTP layer only
 * asks a yes/no question.
 */

/** SQLSTATE classes/codes that are about the connection or the server's state, not the statement. */
const UNAVAILABLE_CODES = new Set([
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, recovery)
  "57014", // query_canceled (statement_timeout)
  "53300", // too_many_connections
  "53400", // configuration_limit_exceeded
  "55P03", // lock_not_available
  "25006", // read_only_sql_transaction (a standby after failover)
]);

const NETWORK_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EPIPE", "EAI_AGAIN"]);

/** node-postgres reports pool/client-side timeouts and dropped sockets only by message. */
const DRIVER_MESSAGES = [
  "timeout exceeded when trying to connect",
  "Connection terminated",
  "Query read timeout",
  "Client has encountered a connection error",
  "Client was closed and is not queryable",
  "Connection timed out",
];

/** drizzle wraps driver errors (DrizzleQueryError) and keeps the original as `cause`. */
function driverError(err: unknown): (Error & { code?: unknown }) | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    if (typeof (e as { code?: unknown }).code === "string" || !(e.cause instanceof Error)) return e as Error & { code?: unknown };
    e = e.cause;
  }
  return e instanceof Error ? e : undefined;
}

export function isStorageUnavailable(err: unknown): boolean {
  const e = driverError(err);
  if (!e) return false;
  const code = typeof e.code === "string" ? e.code : "";
  if (code.startsWith("08")) return true; // connection_exception class
  if (UNAVAILABLE_CODES.has(code) || NETWORK_ERRNOS.has(code)) return true;
  return DRIVER_MESSAGES.some((m) => e.message.includes(m));
}

/** A unique_violation: the row a write would create or rename to already exists. */
export function isForeignKeyViolation(err: unknown): boolean {
  return driverError(err)?.code === "23503";
}

export function isUniqueViolation(err: unknown): boolean {
  return driverError(err)?.code === "23505";
}

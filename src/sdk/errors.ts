/**
 * The one error type of warden. Core and plugins throw it; the HTTP layer turns it into
 * Vault's `{"errors": [...]}` body with the status it carries. Anything else that escapes a
 * handler is an internal error: logged, and answered with a generic 500.
 */
export class WardenError extends Error {
  readonly status: number;
  readonly errors: string[];
  /** Extra headers for the response (e.g. Retry-After). */
  readonly headers?: Record<string, string>;
  /** A wrong credential (not malformed input): counts towards the login lockout. */
  countsAsFailedLogin = false;

  constructor(status: number, errors: string | string[], headers?: Record<string, string>) {
    const list = typeof errors === "string" ? [errors] : errors;
    super(list.join("; ") || `status ${status}`);
    this.name = "WardenError";
    this.status = status;
    this.errors = list;
    this.headers = headers;
  }
}

export const badRequest = (message: string): WardenError => new WardenError(400, message);

/** Vault answers every authentication and authorization failure with 403 "permission denied". */
export const permissionDenied = (message = "permission denied"): WardenError => new WardenError(403, message);

export const notFound = (message?: string): WardenError => new WardenError(404, message === undefined ? [] : [message]);

export const unsupportedPath = (): WardenError => new WardenError(404, "unsupported path");

export const unsupportedOperation = (): WardenError => new WardenError(405, "unsupported operation");

/** An upstream identity provider failed or could not be reached; the detail stays in our logs. */
export const upstreamUnavailable = (message = "upstream identity service unavailable"): WardenError =>
  new WardenError(503, message);

/**
 * A login whose credential is wrong (unknown id, bad secret): the answer is deliberately the same for
 * every such case, and the core counts it for lockout.
 */
export function invalidCredentials(message: string): WardenError {
  const e = new WardenError(400, message);
  e.countsAsFailedLogin = true;
  return e;
}

export const isWardenError = (e: unknown): e is WardenError => e instanceof WardenError;

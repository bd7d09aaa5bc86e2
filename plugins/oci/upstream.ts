/**
 * Reading OCI's answers. Only status, the error `code` and `opc-request-id` (identifier-shaped) ever
 * reach a log; OCI's `message` can echo client-supplied values, so it is never read, and nothing of
 * an upstream body ever reaches a reply.
 */
import { permissionDenied, upstreamUnavailable, type Logger, type OutboundResponse, type WardenError } from "warden/sdk";

const LOGGABLE = /^[A-Za-z0-9._:/-]{1,128}$/;

export type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A 200 with a JSON object body, or the error the caller should see. */
export function readJsonObject(res: OutboundResponse, log: Logger, what: string, denyOn: readonly number[]): Json {
  if (res.status !== 200) throw errorFor(res, log, what, denyOn);
  if (res.contentType.split(";")[0]!.trim().toLowerCase() !== "application/json") {
    log.warn(`oci: ${what} answered 200 without a JSON content type`);
    throw upstreamUnavailable();
  }
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString("utf8"));
  } catch {
    body = undefined;
  }
  if (!isObject(body)) {
    log.warn(`oci: ${what} answered 200 with a body that is not a JSON object`);
    throw upstreamUnavailable();
  }
  return body;
}

/** Statuses in `denyOn` mean "OCI refused the client's proof": 403. Anything else is our outage: 503. */
function errorFor(res: OutboundResponse, log: Logger, what: string, denyOn: readonly number[]): WardenError {
  let code: string | undefined;
  try {
    const b: unknown = JSON.parse(res.body.toString("utf8"));
    if (isObject(b) && typeof b.code === "string" && LOGGABLE.test(b.code)) code = b.code;
  } catch {
    // an unreadable error body is simply "no code"
  }
  log.warn(`oci: ${what} refused`, { status: res.status, code });
  return denyOn.includes(res.status) ? permissionDenied() : upstreamUnavailable();
}

export function str(o: Json, key: string): string | undefined {
  const v = o[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

export { isObject };

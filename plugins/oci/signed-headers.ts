/**
 * The checks on a login's `request_headers` that need no network (oci-auth.md §3.2, §3.5): one value
 * per header, the Authorization header parsed, the signed list holding what OCI requires, every
 * listed header present, and the signed date within the skew window. What comes out is the signed
 * subset only: nothing the client sent outside the signature is ever forwarded.
 */
import { badRequest, parseHeaderMap, permissionDenied } from "warden/sdk";
import { parseAuthorization, type KeyId } from "./authorization.js";

/** OCI refuses signatures more than 5 minutes off; warden holds the same line. */
export const DATE_WINDOW_SECONDS = 300;

export interface SignedHeaders {
  keyId: KeyId;
  signature: string;
  /** Lower-cased name -> value, for `authorization` and each signed header (incl. (request-target) if sent). */
  values: Map<string, string>;
  signedNames: string[];
  /** The signed (request-target), or undefined when the client did not send the pseudo-header. */
  requestTarget: string | undefined;
  host: string;
  dateMs: number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** RFC 7231 IMF-fixdate (what Go's http.TimeFormat and JS toUTCString emit) to epoch ms, or undefined. */
export function parseHttpDate(value: string): number | undefined {
  const m = IMF_FIXDATE.exec(value);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[3]!);
  if (month < 0) return undefined;
  const [d, y, hh, mm, ss] = [m[2], m[4], m[5], m[6], m[7]].map((x) => Number(x)) as [number, number, number, number, number];
  const ms = Date.UTC(y, month, d, hh, mm, ss);
  const date = new Date(ms);
  // Reject rollovers (Feb 31) and a weekday that does not match the date.
  if (date.getUTCDate() !== d || date.getUTCHours() !== hh || DAYS[date.getUTCDay()] !== m[1]) return undefined;
  return ms;
}

const PSEUDO = "(request-target)";
const SIGNABLE = new Set([PSEUDO, "host", "date", "x-date", "accept", "content-type", "user-agent", "opc-request-id"]);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The login's `request_headers` as a header map. The SDK's `header` field type refuses
 * `(request-target)` (not an HTTP token), yet Vault's CLI sends it, so the field is taken as a plain
 * map: the pseudo-header is lifted out here and everything else goes through the SDK's parser
 * (lower-casing, case-variant duplicates refused, control characters and size capped).
 */
export function headerMapFromInput(input: Record<string, unknown>): Record<string, string[]> {
  const rest: Record<string, unknown> = {};
  let target: string[] | undefined;
  for (const [k, v] of Object.entries(input)) {
    if (k.toLowerCase() !== PSEUDO) {
      rest[k] = v;
      continue;
    }
    if (target !== undefined) throw badRequest(`request_headers repeats the header ${PSEUDO}`);
    const values = Array.isArray(v) ? v : [v];
    if (values.some((x) => typeof x !== "string" || x.length > 2048 || CONTROL.test(x))) throw badRequest(`request_headers has an invalid value for ${PSEUDO}`);
    target = values as string[];
  }
  const map = parseHeaderMap(rest, "request_headers");
  if (target !== undefined) map[PSEUDO] = target;
  return map;
}

function single(map: Record<string, string[]>, name: string): string | undefined {
  const v = map[name];
  if (v === undefined) return undefined;
  if (v.length !== 1) throw badRequest(`request_headers must carry exactly one ${name} value`);
  return v[0];
}

/**
 * Validates the header map. Malformed input is a 400 naming the problem; a date outside the window
 * is a 403 like every other refusal of a well-formed login.
 */
export function readSignedHeaders(map: Record<string, string[]>, now: number): SignedHeaders {
  const authorization = single(map, "authorization");
  if (authorization === undefined) throw badRequest("request_headers lacks authorization");
  const parsed = parseAuthorization(authorization);
  if (typeof parsed === "string") throw badRequest(parsed);
  const names = parsed.headers;
  for (const required of ["(request-target)", "host"]) {
    if (!names.includes(required)) throw badRequest(`the signature must cover ${required}`);
  }
  if (!names.includes("date") && !names.includes("x-date")) throw badRequest("the signature must cover date or x-date");
  // Logins are signed GETs: a signed body or hop-by-hop header (content-length, transfer-encoding,
  // connection) would change how the replayed request is framed, so only these may be signed.
  if (names.some((n) => !SIGNABLE.has(n))) throw badRequest("the signature covers a header a login may not carry");
  const values = new Map<string, string>([["authorization", authorization]]);
  for (const name of names) {
    const v = single(map, name);
    if (v === undefined) {
      if (name === "(request-target)") continue; // get_user clients need not send the pseudo-header
      throw badRequest(`request_headers lacks the signed header ${name}`);
    }
    values.set(name, v);
  }
  // x-date wins when both are signed (oracle/oci-java-sdk PR #555): OCI builds the string from it.
  const dateName = names.includes("x-date") ? "x-date" : "date";
  const dateMs = parseHttpDate(values.get(dateName)!);
  if (dateMs === undefined) throw badRequest(`${dateName} is not an HTTP date`);
  if (Math.abs(now - dateMs) > DATE_WINDOW_SECONDS * 1000) throw permissionDenied();
  return {
    keyId: parsed.keyId,
    signature: parsed.signature,
    values,
    signedNames: names,
    requestTarget: values.get("(request-target)"),
    host: values.get("host")!,
    dateMs,
  };
}

/**
 * The client's signed GetCallerIdentity URL: decoded, checked against a closed grammar, and rebuilt.
 *
 * We never send what the client sent. We take its signed parameters, admit only the twelve that a
 * GetCallerIdentity signature can contain, pin every value that decides what STS does (action,
 * version, response format, signature scheme), and build a fresh request to a server-chosen origin.
 * Host, path and headers are not covered by the RPC v1 signature, so choosing them ourselves costs the
 * client nothing and takes the whole SSRF / request-smuggling surface away (CVE-2020-16250's class).
 */
import { badRequest, decodeBase64Strict, type OutboundRequest } from "warden/sdk";
import { UNRESERVED, encodeQuery, percentEncode } from "./rpc-encoding.js";

/** Parameters every GetCallerIdentity request must carry (signed, exactly once). */
const REQUIRED_PARAMS = [
  "Action",
  "Version",
  "Format",
  "AccessKeyId",
  "SignatureMethod",
  "SignatureVersion",
  "SignatureNonce",
  "Signature",
  "Timestamp",
] as const;

/** The closed set a request may carry: the required ones plus the optional STS token and region. */
export const ALLOWED_PARAMS = new Set<string>([...REQUIRED_PARAMS, "SecurityToken", "RegionId", "SignatureType"]);

/** How far the signed Timestamp may be from our clock: STS's own window. */
export const TIMESTAMP_WINDOW_SECONDS = 15 * 60;

/**
 * Region ids start with a known geography (cn, ap, us, eu, me, na, sa, af, rus). A generic
 * "letters-dashes" rule would admit `oss-cn-hangzhou`, making `sts.oss-cn-hangzhou.aliyuncs.com` (the
 * virtual host of an OSS bucket named "sts", serving attacker JSON) an allowed STS host.
 */
export const REGION_ID = /^(?:cn|ap|us|eu|me|na|sa|af|rus)(?:-[a-z0-9]+){1,4}$/;

const PUBLIC_HOST = /^sts\.([a-z0-9-]{1,48})\.aliyuncs\.com$/;
const VPC_HOST = /^sts-vpc\.([a-z0-9-]{1,48})\.aliyuncs\.com$/;
const GLOBAL_HOST = "sts.aliyuncs.com";

const ACCESS_KEY_ID = /^[A-Za-z0-9._-]{1,128}$/;
const NONCE = /^[A-Za-z0-9._~-]{1,128}$/;
const SIGNATURE = /^[A-Za-z0-9+/]{27}=$/;
const SECURITY_TOKEN = /^[A-Za-z0-9+/=._-]{1,8192}$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?Z$/;
// Printable ASCII without space or backslash: the WHATWG parser silently drops tabs and newlines,
// maps fullwidth letters and treats "\" as "/", so any of those means the string is not what it seems.
const URL_CHARS = /^[\x21-\x5b\x5d-\x7e]+$/;
const MAX_URL_LENGTH = 16 * 1024;

export interface ValidatedStsRequest {
  /** One of the allow-listed STS host names. */
  host: string;
  /** The region named by the host; undefined for the global endpoint. */
  region: string | undefined;
  /** The admitted signed parameters (decoded), Signature included. */
  params: Readonly<Record<string, string>>;
  accessKeyId: string;
  nonce: string;
}

/**
 * Decodes `identity_request_url` and validates it completely; every failure is a 400.
 *
 * No URL parser is involved: the accepted form is so narrow that it is checked as text. The authority
 * as written must itself be one of the three STS host shapes (lower-case letters, digits, "-" and
 * "."), so there is nothing a parser could normalise in it (userinfo, ports, percent-encoding, IDNA,
 * IP literals, a trailing dot are all outside that alphabet or those shapes), and the path must be
 * exactly "/" followed by the query.
 */
export function parseIdentityRequestUrl(encoded: string, now: Date = new Date()): ValidatedStsRequest {
  if (encoded.length === 0) throw badRequest("missing identity_request_url");
  if (encoded.length > MAX_URL_LENGTH * 2) throw badRequest("identity_request_url is too long");
  const raw = decodeBase64Strict(encoded, "identity_request_url").toString("utf8");
  if (raw.length > MAX_URL_LENGTH || !URL_CHARS.test(raw)) {
    throw badRequest("identity_request_url contains characters a signed STS URL cannot contain");
  }
  // Lower-case "https://" literally: rules out "http:", "HTTPS:", "https:host" and "https:/host" forms
  // a lenient parser would normalise.
  if (!raw.startsWith("https://")) throw badRequest("identity_request_url must be an https:// URL");
  if (raw.includes("#")) throw badRequest("identity_request_url must not have a fragment");
  const host = checkAuthorityAndPath(raw);
  const region = regionOfHost(host);
  const params = splitQuery(raw.slice(host.length + SCHEME.length + 2));
  checkParams(params, region, now, "identity_request_url ");
  return { host, region, params, accessKeyId: params.AccessKeyId!, nonce: params.SignatureNonce! };
}

/**
 * The signed parameters sent as top-level body fields (Infisical's AliCloud login body), which name
 * no host: they are checked exactly as the URL form's query (same closed set, same pinned values, same
 * timestamp window) and addressed to the global endpoint `sts.aliyuncs.com`, where Infisical's server
 * sends them. Only the parameters GetCallerIdentity can carry get here: the caller picks them out of
 * the declared fields, and anything else in the body is never forwarded.
 */
export function parseIdentityRequestParams(given: Readonly<Record<string, string | undefined>>, now: Date = new Date()): ValidatedStsRequest {
  const params: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined) continue;
    if (!ALLOWED_PARAMS.has(k)) throw badRequest(`${k} is not a GetCallerIdentity parameter`);
    params[k] = v;
  }
  checkParams(params, undefined, now, "login body ");
  return { host: GLOBAL_HOST, region: undefined, params, accessKeyId: params.AccessKeyId!, nonce: params.SignatureNonce! };
}

const SCHEME = "https://";
/** What an authority that is a plain host name is made of; anything else is refused before the host shapes are tried. */
const HOST_CHARS = /^[a-z0-9.-]+$/;

/**
 * The authority as written: a plain lower-case host name (no userinfo, no port, nothing encoded),
 * followed by exactly "/?" (the path "/" and a query). Returns the host; which host shapes are STS's
 * is regionOfHost's question.
 */
function checkAuthorityAndPath(raw: string): string {
  let end = SCHEME.length;
  for (; end < raw.length; end++) {
    const c = raw.charCodeAt(end);
    if (c === 0x2f /* / */ || c === 0x3f /* ? */) break;
  }
  const authority = raw.slice(SCHEME.length, end);
  if (authority.includes("@") || authority.includes(":")) {
    throw badRequest("identity_request_url must be https with no credentials or port");
  }
  if (!HOST_CHARS.test(authority)) throw badRequest("identity_request_url host must be a plain STS host name");
  if (!raw.startsWith("/?", end)) throw badRequest('identity_request_url must have the path "/" and a query');
  return authority;
}

/** sts.aliyuncs.com, sts.<region>.aliyuncs.com or sts-vpc.<region>.aliyuncs.com: the mount's outbound allow-list. */
export function isStsHost(host: string): boolean {
  if (host === GLOBAL_HOST) return true;
  const m = PUBLIC_HOST.exec(host) ?? VPC_HOST.exec(host);
  return !!m && REGION_ID.test(m[1]!);
}

/** The region a host names, after checking the host is one of the three STS host shapes. */
function regionOfHost(host: string): string | undefined {
  if (host === GLOBAL_HOST) return undefined;
  const m = PUBLIC_HOST.exec(host) ?? VPC_HOST.exec(host);
  if (!m || !REGION_ID.test(m[1]!)) {
    throw badRequest("identity_request_url host is not an Alibaba Cloud STS endpoint");
  }
  return m[1]!;
}

/**
 * A strict application/x-www-form-urlencoded splitter: no empty pieces, every piece `key=value`, keys
 * from the allow-list only, each key at most once ("first value wins" parsers let a second Action
 * reach STS unchecked). "+" decodes to a space as Go's url.Values encoder produces it.
 */
export function splitQuery(query: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (query === "") throw badRequest("identity_request_url has no query parameters");
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf("&", start);
    if (end === -1) end = query.length;
    const eq = query.indexOf("=", start);
    if (eq <= start || eq >= end) throw badRequest("identity_request_url has a malformed query parameter");
    // An allowed name is unreserved, hence its own decoding (and found without slicing a new string
    // out of the query); anything else is decoded first, so an encoded spelling of an allowed name is
    // still seen as that name.
    const key = allowedNameAt(query, start, eq) ?? formDecode(query.slice(start, eq));
    if (key === "") throw badRequest("identity_request_url has an empty query parameter name");
    if (!ALLOWED_PARAMS.has(key)) throw badRequest("identity_request_url has a query parameter GetCallerIdentity does not use");
    if (out[key] !== undefined) throw badRequest(`identity_request_url repeats the query parameter ${key}`);
    out[key] = formDecode(query.slice(eq + 1, end));
    start = end + 1;
  }
  return out;
}

const ALLOWED_LIST = [...ALLOWED_PARAMS];

/** The allowed parameter name spelled exactly by query[start, end), if any. */
function allowedNameAt(query: string, start: number, end: number): string | undefined {
  for (const name of ALLOWED_LIST) {
    if (name.length === end - start && query.startsWith(name, start)) return name;
  }
  return undefined;
}

function formDecode(s: string): string {
  // Most pieces of a signed query have nothing to decode.
  if (UNRESERVED.test(s)) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    throw badRequest("identity_request_url has a badly percent-encoded query parameter");
  }
}

/** Pins what STS will do and how it answers; refuses stale or future-dated signatures locally. */
function checkParams(p: Record<string, string>, hostRegion: string | undefined, now: Date, where: string): void {
  for (const k of REQUIRED_PARAMS) {
    if (p[k] === undefined || p[k] === "") throw badRequest(`${where}is missing the ${k} parameter`);
  }
  if (p.Action !== "GetCallerIdentity") throw badRequest(`${where}Action must be GetCallerIdentity`);
  if (p.Version !== "2015-04-01") throw badRequest(`${where}Version must be 2015-04-01`);
  // The V2 Node SDK sends "json"; XML would need a second parser, and the format is signed, so we
  // refuse rather than override it.
  if (p.Format!.toLowerCase() !== "json") throw badRequest(`${where}Format must be JSON`);
  if (p.SignatureMethod !== "HMAC-SHA1") throw badRequest(`${where}SignatureMethod must be HMAC-SHA1`);
  if (p.SignatureVersion !== "1.0") throw badRequest(`${where}SignatureVersion must be 1.0`);
  // Non-empty SignatureType selects bearer-token auth, which is not an access-key signature.
  if (p.SignatureType !== undefined && p.SignatureType !== "") {
    throw badRequest(`${where}SignatureType must be empty`);
  }
  if (!ACCESS_KEY_ID.test(p.AccessKeyId!)) throw badRequest(`${where}AccessKeyId is malformed`);
  if (!NONCE.test(p.SignatureNonce!)) throw badRequest(`${where}SignatureNonce is malformed`);
  if (!SIGNATURE.test(p.Signature!)) throw badRequest(`${where}Signature is malformed`);
  if (p.SecurityToken !== undefined && !SECURITY_TOKEN.test(p.SecurityToken)) {
    throw badRequest(`${where}SecurityToken is malformed`);
  }
  if (p.RegionId !== undefined) {
    if (!REGION_ID.test(p.RegionId)) throw badRequest(`${where}RegionId is not a region id`);
    // The global host serves every region (the Go SDK maps some regions to it), so only a regional
    // host constrains RegionId.
    if (hostRegion !== undefined && p.RegionId !== hostRegion) {
      throw badRequest(`${where}RegionId does not match the host's region`);
    }
  }
  checkTimestamp(p.Timestamp!, now, where);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A real calendar date and time of day: Date.parse would roll "02-30" into March and "24:00" into tomorrow. */
function isCalendarTime(m: RegExpExecArray): boolean {
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return days !== undefined && day >= 1 && day <= days && Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6]) <= 59;
}

function checkTimestamp(ts: string, now: Date, where: string): void {
  const m = TIMESTAMP.exec(ts);
  const ms = m && isCalendarTime(m) ? Date.parse(ts) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw badRequest(`${where}Timestamp must be UTC ISO 8601 (YYYY-MM-DDThh:mm:ssZ)`);
  }
  if (Math.abs(now.getTime() - ms) > TIMESTAMP_WINDOW_SECONDS * 1000) {
    throw badRequest(`${where}Timestamp is outside the allowed 15 minute window`);
  }
}

export interface RebuildOptions {
  /** An operator-configured origin (emulator, private cloud); default https://<validated host>. */
  endpoint?: string;
  method: "POST" | "GET";
  userAgent: string;
  timeoutMs?: number;
}

/**
 * The outbound request: our origin, path "/", the validated parameters re-encoded (values unchanged,
 * so the signature holds), the client's signed method, and only our own two headers. POST keeps the
 * parameters in the query with an empty body, exactly as the Go SDK (and so the Vault CLI) sends it.
 */
export function rebuildStsRequest(v: ValidatedStsRequest, opts: RebuildOptions): OutboundRequest {
  const origin = opts.endpoint ?? `https://${v.host}`;
  return {
    method: opts.method,
    url: `${origin}/?${encodeAllowed(v.params)}`,
    headers: { accept: "application/json", "user-agent": opts.userAgent },
    // Without an explicit timeout the SDK client's own (10 s by default) applies.
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    maxResponseBytes: 64 * 1024,
  };
}

/** The allowed names in code-unit order (encodeQuery's order); each is unreserved, its own encoding. */
const SORTED_ALLOWED = [...ALLOWED_PARAMS].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * encodeQuery for validated parameters, whose names all come from the allow-list: the list is walked
 * in its sorted order instead of sorting the keys per login. Anything else falls back to encodeQuery.
 */
function encodeAllowed(params: Readonly<Record<string, string>>): string {
  let out = "";
  let count = 0;
  for (const k of SORTED_ALLOWED) {
    const value = params[k];
    if (value === undefined) continue;
    out += `${count === 0 ? "" : "&"}${k}=${percentEncode(value)}`;
    count++;
  }
  return count === Object.keys(params).length ? out : encodeQuery(params);
}

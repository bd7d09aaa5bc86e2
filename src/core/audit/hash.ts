/**
 * Vault's audit hashing (internal/audit/hashstructure.go), re-done for JS values.
 *
 * Every string leaf of request/response data becomes "hmac-sha256:<hex>" under the device key, except
 * strings that parse as RFC3339 timestamps (Vault keeps times readable). Numbers and booleans stay
 * as they are — except under keys that carry signed or secret material (signature, secret_id,
 * identity_request_url, ...), where a timestamp-looking string or a number could itself be the
 * secret (a nonce, a PIN), so every scalar but a boolean is hashed there.
 *
 * The walker is also the entry's serialisation guard: JSON.stringify throws RangeError on very deep
 * input and on cycles/BigInt, and an audit write that throws is an audit write that did not happen.
 * So content below MAX_AUDIT_DEPTH is replaced by a marker, cycles by another, and exotic values are
 * turned into plain JSON before anything is serialised.
 */
import { createHmac } from "node:crypto";

export const HASH_PREFIX = "hmac-sha256:";

/** Containers nested deeper than this are replaced by DEPTH_MARKER (security.md §5.2: depth ≤ 32). */
export const MAX_AUDIT_DEPTH = 32;
export const DEPTH_MARKER = "[audit: nesting deeper than 32 levels removed]";
export const CIRCULAR_MARKER = "[audit: circular reference removed]";

/** "hmac-sha256:" + hex(HMAC-SHA256(key, value)). */
export function hmacValue(key: Uint8Array, value: string): string {
  return HASH_PREFIX + createHmac("sha256", key).update(value, "utf8").digest("hex");
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Go's time.Parse(time.RFC3339, s) acceptance: exact layout, fractional seconds optional, fields in
 * range (no leap second, real calendar days). Only such strings escape hashing, so the check is strict:
 * anything looser would let a secret that merely resembles a date be written in clear.
 */
export function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  if (day > days) return false;
  if (m[8] !== "Z" && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

/** Exact names (normalised: lower case, letters and digits only) whose values are secrets or signed material. */
const SENSITIVE_EXACT = new Set([
  "token", "jwt", "accessor", "hmac", "nonce", "otp", "pin",
  "secretid", "roleid", "password", "passphrase", "signature", "signaturenonce",
  "accesskey", "accesskeyid", "secretkey", "secretaccesskey",
  "identityrequesturl", "identityrequestheaders", "identityrequestbody", "requestheaders", "authorization",
  "privatekey", "credential", "credentials", "cookie", "setcookie", "xamzsecuritytoken",
]);
/** Fragments that mark a key as sensitive wherever they appear in it (client_token, SecurityToken, x-acs-signature...). */
const SENSITIVE_FRAGMENTS = ["secret", "password", "signature", "authorization", "privatekey", "securitytoken", "accesskey", "jwt", "cookie"];

/**
 * True for keys whose whole subtree is treated as secret (numbers and date-like strings hashed too).
 * "…token" suffixes (client_token, id_token, SecurityToken) are sensitive; "token_ttl" or
 * "token_policies" are not, so ordinary token metadata stays readable as in Vault.
 */
export function isSensitiveKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (SENSITIVE_EXACT.has(k)) return true;
  if (k.endsWith("token") || k.endsWith("accessor")) return true;
  return SENSITIVE_FRAGMENTS.some((f) => k.includes(f));
}

export interface WalkOptions {
  /** null: copy only (log_raw, or non-data parts of an entry); otherwise hash string leaves with this key. */
  key: Uint8Array | null;
}

/**
 * Returns a JSON-safe copy of `value` with string leaves hashed (when `key` is set). Never throws on
 * depth, cycles or exotic values. Output maps have a null prototype so a "__proto__" key in request
 * data stays an ordinary key instead of re-parenting the copy.
 */
export function auditCopy(value: unknown, opts: WalkOptions): unknown {
  return walk(value, opts, 0, false, new Set());
}

function walk(value: unknown, opts: WalkOptions, depth: number, sensitive: boolean, stack: Set<object>): unknown {
  switch (typeof value) {
    case "string":
      if (opts.key === null) return value;
      if (!sensitive && isRfc3339(value)) return value;
      return hmacValue(opts.key, value);
    case "number":
      if (!Number.isFinite(value)) return null; // what JSON.stringify would write
      return sensitive && opts.key !== null ? hmacValue(opts.key, String(value)) : value;
    case "bigint": {
      // JSON.stringify throws on BigInt; keep the digits, treated as a number would be.
      const digits = value.toString();
      return sensitive && opts.key !== null ? hmacValue(opts.key, digits) : digits;
    }
    case "boolean":
      return value;
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  // Vault leaves time.Time readable; a JS Date is its analogue.
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  // Binary data is a string of bytes to Vault's walker: hash its base64 form.
  if (ArrayBuffer.isView(obj)) return walk(Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString("base64"), opts, depth, sensitive, stack);
  if (depth >= MAX_AUDIT_DEPTH) return DEPTH_MARKER;
  if (stack.has(obj)) return CIRCULAR_MARKER;
  stack.add(obj);
  try {
    // URL and similar objects serialise through toJSON (a URL's href may carry a signature): walk that result.
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") return walk(toJSON.call(obj), opts, depth, sensitive, stack);
    if (Array.isArray(obj) || obj instanceof Set) {
      const out: unknown[] = [];
      for (const item of obj) {
        const v = walk(item, opts, depth + 1, sensitive, stack);
        out.push(v === undefined ? null : v);
      }
      return out;
    }
    const out: Record<string, unknown> = Object.create(null);
    const entries: Iterable<[unknown, unknown]> = obj instanceof Map ? obj.entries() : Object.entries(obj);
    for (const [k, item] of entries) {
      const name = String(k);
      const v = walk(item, opts, depth + 1, sensitive || isSensitiveKey(name), stack);
      if (v !== undefined) out[name] = v;
    }
    return out;
  } finally {
    stack.delete(obj);
  }
}

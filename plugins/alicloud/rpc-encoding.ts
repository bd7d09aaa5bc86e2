/**
 * Alibaba Cloud RPC signature v1 (HMAC-SHA1 over the sorted, percent-encoded query).
 *
 * The plugin never holds a secret, so it does not need to verify signatures; it needs the encoding so
 * that the request it rebuilds from validated parameters carries exactly the bytes the client signed
 * (STS recomputes the signature over the decoded values, so any faithful re-encoding keeps it valid).
 * `signRpc` exists for the CLI helper, which signs on the client side.
 */
import { createHmac } from "node:crypto";

/** Strings made only of these are their own encoding, and their own form-decoding. */
export const UNRESERVED = /^[A-Za-z0-9_.~-]*$/;
const SUB_DELIMS = /[!'()*]/g;

/**
 * RFC 3986 over UTF-8: only A-Z a-z 0-9 - _ . ~ stay literal, space is %20 (never "+").
 * encodeURIComponent leaves those plus !'()* alone, so the five extras are escaped by hand. Most
 * values of a signed request are unreserved already and come back as they are (every login
 * re-encodes a dozen of them).
 */
export function percentEncode(value: string): string {
  if (UNRESERVED.test(value)) return value;
  return encodeURIComponent(value).replace(SUB_DELIMS, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Code-unit order: the API's parameter names are ASCII, so this is the byte order STS sorts by. */
function sortedKeys(params: Readonly<Record<string, string>>): string[] {
  return Object.keys(params).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `k=v&...` sorted, every key and value percent-encoded. Includes every key it is given. */
export function encodeQuery(params: Readonly<Record<string, string>>): string {
  return sortedKeys(params)
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k] ?? "")}`)
    .join("&");
}

/** The canonicalized query string: every parameter except Signature itself. */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  const unsigned: Record<string, string> = Object.create(null);
  for (const k of Object.keys(params)) if (k !== "Signature") unsigned[k] = params[k]!;
  return encodeQuery(unsigned);
}

/** METHOD&%2F&enc(canonical): the method is signed; host, path, scheme and headers are not. */
export function stringToSign(method: string, params: Readonly<Record<string, string>>): string {
  return `${method}&${percentEncode("/")}&${percentEncode(canonicalQuery(params))}`;
}

/** Base64(HMAC-SHA1(key = secret + "&", stringToSign)). */
export function signRpc(method: string, params: Readonly<Record<string, string>>, accessKeySecret: string): string {
  return createHmac("sha1", `${accessKeySecret}&`).update(stringToSign(method, params), "utf8").digest("base64");
}

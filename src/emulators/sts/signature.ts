// Alibaba Cloud RPC signature v1 (HMAC-SHA1), as the STS gateway computes it.
// Kept free of any HTTP concerns so the test vectors can exercise it directly.
import { createHmac, timingSafeEqual } from "node:crypto";

/** RFC 3986 percent-encoding over UTF-8: only A-Z a-z 0-9 - _ . ~ stay literal; space is %20, never "+". */
export function percentEncode(value: string): string {
  // encodeURIComponent already leaves exactly the unreserved set plus !'()* alone; those five must be escaped too.
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"),
  );
}

/**
 * The canonicalized query string over every parameter except Signature.
 * Keys are sorted by UTF-16 code unit, which is byte order for the ASCII names the API uses.
 */
export function canonicalQueryString(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((k) => k !== "Signature")
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k] ?? "")}`)
    .join("&");
}

/** METHOD & enc("/") & enc(canonical): the HTTP method is signed, host, path and headers are not. */
export function stringToSign(method: string, params: Readonly<Record<string, string>>): string {
  return `${method}&${percentEncode("/")}&${percentEncode(canonicalQueryString(params))}`;
}

/** Base64(HMAC-SHA1(secret + "&", stringToSign)). */
export function signStringToSign(toSign: string, accessKeySecret: string): string {
  return createHmac("sha1", `${accessKeySecret}&`).update(toSign, "utf8").digest("base64");
}

export function signRpcParams(method: string, params: Readonly<Record<string, string>>, accessKeySecret: string): string {
  return signStringToSign(stringToSign(method, params), accessKeySecret);
}

/** A v1 signature is Base64 of a 20-byte SHA-1 MAC: 28 characters ending in one "=". */
export function isWellFormedSignature(signature: string): boolean {
  return /^[A-Za-z0-9+/]{27}=$/.test(signature);
}

/**
 * Constant-time string comparison for signatures and security tokens. Signatures are public-length
 * (28 chars) when well formed, so the early exit on a length difference reveals nothing secret.
 */
export function constantTimeEqual(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

import { hash } from "node:crypto";

const BLOCK = 64;

/**
 * HMAC-SHA256 under one fixed key, as lower-case hex: `hmacSha256Hex(key)` returns the function that
 * hashes a text (UTF-8). The padded inner and outer keys are computed once, so each call is two
 * one-shot SHA-256 digests instead of a new Hmac object and a key import: for secrets hashed on every
 * request or login (token ids, AppRole secret ids). Same output as createHmac("sha256", key).
 */
export function hmacSha256Hex(key: Buffer): (text: string) => string {
  // As in RFC 2104: a key longer than the block is replaced by its hash.
  const k = key.length > BLOCK ? (hash("sha256", key, "buffer") as unknown as Buffer) : key;
  const inner = Buffer.alloc(BLOCK, 0x36);
  const outer = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < k.length; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  return (text) => {
    const innerDigest = hash("sha256", Buffer.concat([inner, Buffer.from(text, "utf8")]), "buffer") as unknown as Buffer;
    return hash("sha256", Buffer.concat([outer, innerDigest]), "hex");
  };
}

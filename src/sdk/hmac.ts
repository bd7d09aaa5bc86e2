import { hash } from "node:crypto";

const BLOCK = 64;
/** Room for the text after the inner key block (token ids are at most 256 ASCII characters; secret ids 64). */
const SCRATCH_BYTES = 1024;

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
  // It runs on every request: the key's padded halves sit at the start of two reused buffers, the text
  // (and the inner digest) are written after them, no concatenation per call (~1.2 µs less per hash).
  const innerScratch = Buffer.allocUnsafe(BLOCK + SCRATCH_BYTES);
  inner.copy(innerScratch);
  const outerScratch = Buffer.allocUnsafe(BLOCK + 32);
  outer.copy(outerScratch);
  // The inner input's view per length (a new Buffer object per call cost ~0.2 µs; lengths are few).
  const views: Buffer[] = [];
  return (text) => {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a text this short always fits the buffer.
    if (text.length > SCRATCH_BYTES / 3) {
      (hash("sha256", Buffer.concat([inner, Buffer.from(text, "utf8")]), "buffer") as unknown as Buffer).copy(outerScratch, BLOCK);
      return hash("sha256", outerScratch, "hex");
    }
    const n = BLOCK + innerScratch.write(text, BLOCK, "utf8");
    const innerInput = (views[n] ??= innerScratch.subarray(0, n));
    // The inner digest as a "binary" (latin1) string, one char per byte, instead of a Buffer: a Buffer result
    // costs ~0.4 µs more per digest to allocate than the 32-character string.
    outerScratch.write(hash("sha256", innerInput, "binary"), BLOCK, "binary");
    return hash("sha256", outerScratch, "hex");
  };
}

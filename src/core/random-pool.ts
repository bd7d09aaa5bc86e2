import { randomFillSync } from "node:crypto";

/**
 * Cryptographically random bytes for the hot paths (token ids and accessors, AES-GCM nonces), drawn
 * from a pool refilled 4 KiB at a time: node's randomBytes costs ~2 µs a call whatever the size, and
 * a login makes several (the same batching node does for randomUUID). The bytes are the same CSPRNG's;
 * each is handed out once.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/** `n` fresh random bytes (n <= 4096), in a Buffer of their own. */
export function pooledRandomBytes(n: number): Buffer {
  if (n > POOL_SIZE) throw new RangeError(`pooledRandomBytes: at most ${POOL_SIZE} bytes`);
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  // Handed out once: the pool's copy is not kept.
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}

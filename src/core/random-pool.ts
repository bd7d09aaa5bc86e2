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
  const out = Buffer.allocUnsafe(n);
  take(out, 0, n);
  return out;
}

/** `n` fresh random bytes (n <= 4096) written into `target` at `at` (an AES-GCM nonce into its blob). */
export function pooledRandomFill(target: Buffer, at: number, n: number): void {
  if (n > POOL_SIZE) throw new RangeError(`pooledRandomFill: at most ${POOL_SIZE} bytes`);
  if (!(at >= 0 && at + n <= target.length)) throw new RangeError("pooledRandomFill: outside the target");
  take(target, at, n);
}

function take(target: Buffer, at: number, n: number): void {
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  pool.copy(target, at, offset, offset + n);
  // Handed out once: the pool's copy is not kept.
  pool.fill(0, offset, offset + n);
  offset += n;
}

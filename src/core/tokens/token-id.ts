import { pooledRandomBytes } from "../random-pool.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Random base62 text. Rejection sampling keeps every character uniform (a plain `% 62` would
 * favour the first 8 characters).
 */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of pooledRandomBytes(Math.min((length - out.length) * 2, 1024))) {
      if (b < 248) out += BASE62[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Service tokens: "hvs." + 32 base62 characters (about 190 bits of randomness). */
export const newServiceToken = (): string => `hvs.${randomBase62(32)}`;

/** Fixed-width base62 of a non-negative integer; BASE62 is in ASCII order, so the text sorts as the number. */
function base62Fixed(n: number, width: number): string {
  let out = "";
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/**
 * Accessors: 24 base62 characters, like Vault's: the creation time in milliseconds (8 characters,
 * sorting in time order until the year 8800) then 16 random ones (about 95 bits). An accessor is a
 * handle, not a secret (it neither authenticates nor can be turned into its token), and the time it
 * carries is the token's creation_time, which any lookup shows. Why time first: accessors are a unique
 * index of the token table, and random ones put every login's index entry on a different page, one
 * more page written to the WAL and synced per login; new accessors in time order all go to the index's
 * last pages, which a group commit writes once.
 */
export const newAccessor = (now = Date.now()): string => base62Fixed(now, 8) + randomBase62(16);

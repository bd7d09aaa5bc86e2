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

/** Accessors: 24 base62 characters (about 143 bits), like Vault's. */
export const newAccessor = (): string => randomBase62(24);

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

/**
 * Service tokens: "hvs." + the creation time in milliseconds (8 base62 characters, as in accessors)
 * + 28 random base62 characters (about 166 bits). The time lets the token's storage key start with it
 * (tokenKey), for the same reason as the accessor's: the stored key is an HMAC, random, and every login
 * wrote one random page of the primary-key index; time first, new keys go to the index's last pages.
 */
export const newServiceToken = (now = Date.now()): string => `hvs.${base62Fixed(now, 8)}${randomBase62(28)}`;

/** A token of newServiceToken's shape ("hvs." + 36 characters; warden's before this shape had 32). */
export const isTimeFirst = (token: string): boolean => token.length === 40 && token.startsWith("hvs.");

/**
 * The key a token is stored and looked up under, given the HMAC of the whole token: a token of
 * newServiceToken's shape is keyed by its 8 time characters then the HMAC (new rows sort last); any
 * other (a custom id, a token of an earlier release) by the HMAC alone. The time is the row's
 * created_at, stored in clear anyway; the key still binds the whole token through the HMAC.
 */
export const tokenKey = (token: string, hmacHex: string): string => (isTimeFirst(token) ? token.slice(4, 12) + hmacHex : hmacHex);

/**
 * Version 6: no change of schema. From this version a token's sealed blob is a compact JSON array
 * (src/core/barrier/barrier-storage.ts, tokenPlaintext) that builds before it cannot open. Recording
 * the version makes such a build refuse to start on the database ("schema version 6 is newer than
 * this build") instead of failing on every token a newer node minted: the nodes on one database run
 * one release (README, "Several nodes on one database"). Never edited once released.
 */
export const version = 6;
export const name = "token_blob_compact";

export function sql(_prefix: string): string {
  return `SELECT 1 -- no DDL: a data-format version (see above)`;
}

/**
 * Version 6: no change of schema. From this version a token's sealed blob is a compact JSON array
 * (src/core/barrier/barrier-storage.ts, tokenPlaintext) that builds before it cannot open. Recording
 * the version makes such a build refuse to open the database ("schema version 6 is newer than this
 * build") instead of failing on every token a newer node minted. This build still opens the object
 * blobs older builds wrote. Never edited once released; see 0001_init.ts.
 */
export const version = 6;
export const name = "token_blob_compact";
export const sql = "SELECT 1; -- no DDL: a data-format version (see above)";

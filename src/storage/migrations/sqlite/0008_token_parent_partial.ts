/**
 * Version 8: the parent_hash index holds only tokens that have a parent. A login's token has none, and
 * every login paid an index insert for a NULL no query ever looks up (revocation walks children by
 * `parent_hash = ?`, which implies NOT NULL, so it keeps the index). Never edited once released; see
 * 0001_init.ts.
 */
export const version = 8;
export const name = "token_parent_partial";
export const sql = `
DROP INDEX tokens_parent_hash;
CREATE INDEX tokens_parent_hash ON tokens (parent_hash) WHERE parent_hash IS NOT NULL;
`;

/**
 * Version 8: the parent_hash index holds only tokens that have a parent (a login's token has none; see
 * the SQLite migration of the same version). The foreign key's cascade looks children up by
 * `parent_hash = $1`, which implies NOT NULL, so it keeps using the index. Never edited once released.
 */
export const version = 8;
export const name = "token_parent_partial";

export function sql(p: string): string {
  return `
DROP INDEX ${p}_tokens_parent_hash;
CREATE INDEX ${p}_tokens_parent_hash ON ${p}_tokens (parent_hash) WHERE parent_hash IS NOT NULL;
`;
}

/**
 * A child token cannot outlive its parent: the parent link becomes a foreign key that cascades on
 * delete. With it PostgreSQL serialises "insert a child" against "revoke the parent" on the parent
 * row, which a recursive delete alone cannot do across nodes. NOT VALID: rows from before are not
 * re-checked (a dangling one is simply never matched again); every new row is.
 */
export const version = 2;
export const name = "token_parent_fk";

export function sql(p: string): string {
  return `
ALTER TABLE ${p}_tokens
  ADD CONSTRAINT ${p}_tokens_parent_fk FOREIGN KEY (parent_hash) REFERENCES ${p}_tokens (id_hash) ON DELETE CASCADE NOT VALID;
`;
}

/**
 * Version 7: a token's encrypted blob (the barrier's, src/core/barrier/barrier-storage.ts sealToken) in
 * a binary column of its own instead of base64 text inside the auth column's JSON: a sealed token row
 * is ~150 bytes shorter, and every login writes one. NULL on rows written before (their blob stays where
 * it was and still opens) and below the barrier. Never edited once released.
 */
export const version = 7;
export const name = "token_sealed_column";

export function sql(p: string): string {
  return `
ALTER TABLE ${p}_tokens ADD COLUMN sealed bytea;
`;
}

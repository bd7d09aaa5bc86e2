/**
 * Version 5: the role a login named, kept with its token ('' for every other token and for tokens
 * minted before this version), so a lease-count quota with a role counts that role's live tokens under
 * the quota's advisory lock, in the same transaction as the insert. Never edited once released.
 */
export const version = 5;
export const name = "token_login_role";

export function sql(p: string): string {
  return `
ALTER TABLE ${p}_tokens ADD COLUMN login_role TEXT COLLATE "C" NOT NULL DEFAULT '';
`;
}

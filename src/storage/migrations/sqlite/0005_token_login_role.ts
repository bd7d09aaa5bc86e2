/**
 * Version 5: the role a login named, kept with its token ('' for every other token and for tokens
 * minted before this version), so a lease-count quota with a role counts that role's live tokens in
 * the same serialised step as the insert. Never edited once released; see 0001_init.ts.
 */
export const version = 5;
export const name = "token_login_role";
export const sql = `
ALTER TABLE tokens ADD COLUMN login_role TEXT NOT NULL DEFAULT '';
`;

/**
 * Version 3: which file in the policy directory manages a policy ("policies/<file>", '' for policies
 * written through the API). Stored, not derived, so every node refuses an API write to a file-managed
 * policy, whatever its own policy directory holds. Never edited once released; see 0001_init.ts.
 */
export const version = 3;
export const name = "policy_managed_by";
export const sql = `
ALTER TABLE policies ADD COLUMN managed_by TEXT NOT NULL DEFAULT '';
`;

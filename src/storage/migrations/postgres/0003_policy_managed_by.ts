/**
 * Which file in the policy directory manages a policy ("policies/<file>", '' for policies written
 * through the API). Stored, not derived, so every node refuses an API write to a file-managed policy,
 * whatever its own policy directory holds.
 */
export const version = 3;
export const name = "policy_managed_by";

export function sql(p: string): string {
  return `
ALTER TABLE ${p}_policies ADD COLUMN managed_by TEXT COLLATE "C" NOT NULL DEFAULT '';
`;
}

/**
 * A warden role of this method: the RAM role it trusts and the token settings it grants. Stored at
 * `role/<lower-cased name>`; the name is canonicalised once, at the edge, and only that form is ever
 * used as a key (so "Dev" and "dev" can never be two roles or two replay/lockout keys).
 */
import { canonicalRoleName, roleStore, type TokenParams } from "warden/sdk";

export interface RoleEntry {
  /** The bound ARN as the operator wrote it: acs:ram::<account>:role/<name>. */
  arn: string;
  token: TokenParams;
}

const roles = roleStore<RoleEntry>((v): v is RoleEntry => {
  const e = v as RoleEntry | undefined;
  return typeof e === "object" && e !== null && typeof e.arn === "string" && typeof e.token === "object";
});

export { canonicalRoleName };
export const getRole = roles.get;
export const putRole = roles.put;
export const deleteRole = roles.delete;
export const listRoles = roles.list;
export const roleForLogin = roles.forLogin;

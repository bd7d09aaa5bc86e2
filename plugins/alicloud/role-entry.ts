/**
 * A warden role of this method: the RAM role it trusts and the token settings it grants. Stored at
 * `role/<lower-cased name>`; the name is canonicalised once, at the edge, and only that form is ever
 * used as a key (so "Dev" and "dev" can never be two roles or two replay/lockout keys).
 */
import { canonicalRoleName, roleStore as defineRoleStore, type TokenParams } from "warden/sdk";

export interface RoleEntry {
  /** The bound ARN as the operator wrote it: acs:ram::<account>:role/<name>. */
  arn: string;
  token: TokenParams;
}

export const roleStore = defineRoleStore<RoleEntry>((v): v is RoleEntry => {
  const e = v as RoleEntry | undefined;
  return typeof e === "object" && e !== null && typeof e.arn === "string" && typeof e.token === "object";
});

export { canonicalRoleName };
export const getRole = roleStore.get;
export const putRole = roleStore.put;
export const deleteRole = roleStore.delete;
export const listRoles = roleStore.list;
export const roleForLogin = roleStore.forLogin;

/**
 * A role of this method: which principals may take it (group / dynamic-group OCIDs for
 * authenticate_client mode; user OCIDs and names for get_user mode) and the token settings it
 * grants. Stored at `role/<lower-cased name>`: the name is canonicalised once, at the edge.
 */
import { canonicalRoleName, roleStore as defineRoleStore, type TokenParams } from "warden/sdk";

export interface RoleEntry {
  ocid_list: string[];
  allowed_user_ocids: string[];
  allowed_usernames: string[];
  token: TokenParams;
}

/** Vault's MaxOCIDsPerRole. */
export const MAX_OCIDS = 100;

export const roleStore = defineRoleStore<RoleEntry>((v): v is RoleEntry => {
  const e = v as RoleEntry | undefined;
  return typeof e === "object" && e !== null && Array.isArray(e.ocid_list) && typeof e.token === "object";
});

export { canonicalRoleName };
export const getRole = roleStore.get;
export const putRole = roleStore.put;
export const deleteRole = roleStore.delete;
export const listRoles = roleStore.list;
export const roleForLogin = roleStore.forLogin;

/** get_user mode: empty allow-lists admit any user of the home tenancy; otherwise either list may match. */
export function userAllowed(role: RoleEntry, userOcid: string, userName: string): boolean {
  if (role.allowed_user_ocids.length === 0 && role.allowed_usernames.length === 0) return true;
  return role.allowed_user_ocids.includes(userOcid) || role.allowed_usernames.includes(userName);
}

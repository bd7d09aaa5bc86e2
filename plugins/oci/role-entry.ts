/**
 * A role of this method: which principals may take it (group / dynamic-group OCIDs for
 * authenticate_client mode; user OCIDs and names for get_user mode) and the token settings it
 * grants. Stored at `role/<lower-cased name>`: the name is canonicalised once, at the edge.
 */
import { permissionDenied, type StorageView, type TokenParams } from "warden/sdk";

export interface RoleEntry {
  ocid_list: string[];
  allowed_user_ocids: string[];
  allowed_usernames: string[];
  token: TokenParams;
}

/** Vault's MaxOCIDsPerRole. */
export const MAX_OCIDS = 100;

// Vault's GenericNameRegex, ASCII only (no /i or /u: "K" and "ſ" must not fold into k and s).
const ROLE_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,126}[A-Za-z0-9_])?$/;

export function canonicalRoleName(input: string): string | undefined {
  return ROLE_NAME.test(input) ? input.toLowerCase() : undefined;
}

const key = (name: string): string => `role/${name}`;

export async function getRole(storage: StorageView, name: string): Promise<RoleEntry | undefined> {
  const e = await storage.get<RoleEntry>(key(name));
  return e && Array.isArray(e.ocid_list) && e.token ? e : undefined;
}

export async function putRole(storage: StorageView, name: string, entry: RoleEntry): Promise<void> {
  await storage.put(key(name), entry);
}

export async function deleteRole(storage: StorageView, name: string): Promise<void> {
  await storage.delete(key(name));
}

export async function listRoles(storage: StorageView): Promise<string[]> {
  return (await storage.list("role/")).filter((k) => !k.endsWith("/")).sort();
}

/** The role for a login, or the same 403 a refused principal gets (no role enumeration). */
export async function roleForLogin(storage: StorageView, input: string): Promise<{ name: string; role: RoleEntry }> {
  const name = canonicalRoleName(input);
  const role = name === undefined ? undefined : await getRole(storage, name);
  if (name === undefined || role === undefined) throw permissionDenied();
  return { name, role };
}

/** get_user mode: empty allow-lists admit any user of the home tenancy; otherwise either list may match. */
export function userAllowed(role: RoleEntry, userOcid: string, userName: string): boolean {
  if (role.allowed_user_ocids.length === 0 && role.allowed_usernames.length === 0) return true;
  return role.allowed_user_ocids.includes(userOcid) || role.allowed_usernames.includes(userName);
}

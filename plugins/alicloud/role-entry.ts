/**
 * A warden role of this method: the RAM role it trusts and the token settings it grants. Stored at
 * `role/<lower-cased name>`; the name is canonicalised once, at the edge, and only that form is ever
 * used as a key (so "Dev" and "dev" can never be two roles or two replay/lockout keys).
 */
import { permissionDenied, type StorageView, type TokenParams } from "warden/sdk";

export interface RoleEntry {
  /** The bound ARN as the operator wrote it: acs:ram::<account>:role/<name>. */
  arn: string;
  token: TokenParams;
}

// Vault's GenericNameRegex, ASCII only (no /i or /u: "K" and "ſ" must not fold into k and s).
const ROLE_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,126}[A-Za-z0-9_])?$/;

/** The canonical role name, or undefined when the input cannot be a role name at all. */
export function canonicalRoleName(input: string): string | undefined {
  return ROLE_NAME.test(input) ? input.toLowerCase() : undefined;
}

const key = (name: string): string => `role/${name}`;

export async function getRole(storage: StorageView, name: string): Promise<RoleEntry | undefined> {
  const entry = await storage.get<RoleEntry>(key(name));
  return entry && typeof entry.arn === "string" && entry.token ? entry : undefined;
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

/**
 * The role for a login, or the same 403 an unbound principal gets: an unknown or malformed role name
 * must not be distinguishable from a refused one (no role enumeration from the login endpoint).
 */
export async function roleForLogin(storage: StorageView, input: string): Promise<{ name: string; role: RoleEntry }> {
  const name = canonicalRoleName(input);
  const role = name === undefined ? undefined : await getRole(storage, name);
  if (name === undefined || role === undefined) throw permissionDenied();
  return { name, role };
}

/**
 * An AppRole role as stored: its public role_id, the per-role HMAC key that secret ids are stored
 * under, the secret-id constraints and the token settings. Kept at `role/<lower-cased name>`, with a
 * second key `role-id/<sha256(role_id)>` -> name, so a login finds its role in one read.
 *
 * `keyId` names the role's namespace for secret ids and accessors. It is random per role
 * *incarnation*: deleting a role and creating one with the same name gives a new keyId, so no old
 * secret id, accessor or token renewal can ever carry over to the new role.
 */
import { hash, randomBytes, randomUUID } from "node:crypto";
import { badRequest, type StorageView, type TokenParams } from "warden/sdk";

export interface RoleEntry {
  name: string;
  roleId: string;
  /** Base64 of 32 random bytes: HMAC-SHA256 key for this role's secret ids. */
  hmacKey: string;
  /** Hex of 16 random bytes: prefix of this role's secret-id and accessor keys. */
  keyId: string;
  bindSecretId: boolean;
  secretIdBoundCidrs: string[];
  /** 0 = unlimited. */
  secretIdNumUses: number;
  /** Seconds; 0 = never expires. */
  secretIdTtl: number;
  localSecretIds: boolean;
  /** The deprecated `bound_cidr_list` was used, so reads echo it. */
  legacyBoundCidrList?: boolean;
  token: TokenParams;
}

/**
 * The role name captured from the URL (`role/:role_name/...`). Role names are case-insensitive, as
 * in Vault since 0.9.1 (new roles are stored lower-cased): the `lowercase` flag makes the router fold
 * the segment before the ACL runs, so a policy on `role/admin/*` also governs `role/ADMIN/...`, and
 * the handler, the ACL and the audit log see the same name.
 */
export const roleNameField = {
  role_name: { type: "string", required: true, lowercase: true, description: "Name of the role (case-insensitive)" },
} as const;

// Vault's GenericNameRegex, ASCII only, so no Unicode case folding can merge two names.
const ROLE_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,510}[A-Za-z0-9_])?$/;

/** The one canonical form of a role name (lower-cased), or a 400. */
export function canonicalRoleName(input: string | undefined): string {
  if (input === undefined || !ROLE_NAME.test(input)) throw badRequest("invalid role name");
  return input.toLowerCase();
}

export function newRoleKeys(): Pick<RoleEntry, "hmacKey" | "keyId"> {
  return { hmacKey: randomBytes(32).toString("base64"), keyId: randomBytes(16).toString("hex") };
}

export const newRoleId = (): string => randomUUID();

const roleKey = (name: string): string => `role/${name}`;
/**
 * role_id -> its index key, for role ids the index knows: every login hashes its role_id, and a
 * deployment has few. Made-up role ids are never remembered, so a flood of them cannot evict the real
 * ones (it costs only their hashing). Bounded.
 */
const knownRoleIdKeys = new Map<string, string>();
const MAX_ROLE_ID_KEYS = 1024;

// role_id can be any operator-chosen text (slashes included): hashing makes it a safe key.
const roleIdKey = (roleId: string): string => knownRoleIdKeys.get(roleId) ?? `role-id/${hash("sha256", roleId, "hex")}`;

function rememberRoleIdKey(roleId: string, key: string): void {
  if (knownRoleIdKeys.has(roleId)) return;
  if (knownRoleIdKeys.size >= MAX_ROLE_ID_KEYS) knownRoleIdKeys.delete(knownRoleIdKeys.keys().next().value!);
  knownRoleIdKeys.set(roleId, key);
}

export async function getRole(storage: StorageView, name: string): Promise<RoleEntry | undefined> {
  const entry = await storage.get<RoleEntry>(roleKey(name));
  return entry && typeof entry.roleId === "string" && typeof entry.keyId === "string" && entry.token ? entry : undefined;
}

/** The name the role_id index gives `roleId`: one read, the role itself not read (see getRoleByRoleId). */
export async function roleNameByRoleId(storage: StorageView, roleId: string): Promise<string | undefined> {
  const key = roleIdKey(roleId);
  const idx = await storage.get<{ name: string }>(key);
  if (!idx || typeof idx.name !== "string") return undefined;
  rememberRoleIdKey(roleId, key);
  return idx.name;
}

/** The role a role_id belongs to; the index is re-checked against the role so a stale one is ignored. */
export async function getRoleByRoleId(storage: StorageView, roleId: string): Promise<RoleEntry | undefined> {
  const name = await roleNameByRoleId(storage, roleId);
  if (name === undefined) return undefined;
  const role = await getRole(storage, name);
  return role && role.roleId === roleId ? role : undefined;
}

/**
 * Reserves `roleId` for the role `name`: a free id is taken in one atomic insert, so two roles written at
 * once with the same custom role_id cannot both get it. An index entry that its role no longer backs
 * (left by an interrupted write) is taken over. False when another role holds the id.
 */
export async function claimRoleId(storage: StorageView, roleId: string, name: string): Promise<boolean> {
  if (await storage.putIfAbsent(roleIdKey(roleId), { name })) return true;
  const idx = await storage.get<{ name: string }>(roleIdKey(roleId));
  if (idx?.name === name) return true;
  const holder = idx && typeof idx.name === "string" ? await getRole(storage, idx.name) : undefined;
  if (holder && holder.roleId === roleId) return false;
  await storage.put(roleIdKey(roleId), { name });
  return true;
}

/** Stores the role (its role_id already claimed) and drops the index of a role_id it gave up. */
export async function putRole(storage: StorageView, entry: RoleEntry, previousRoleId?: string): Promise<void> {
  await storage.put(roleKey(entry.name), entry);
  if (previousRoleId !== undefined && previousRoleId !== entry.roleId) await storage.delete(roleIdKey(previousRoleId));
}

export async function deleteRoleEntry(storage: StorageView, entry: RoleEntry): Promise<void> {
  await storage.delete(roleKey(entry.name));
  const idx = await storage.get<{ name: string }>(roleIdKey(entry.roleId));
  if (idx?.name === entry.name) await storage.delete(roleIdKey(entry.roleId));
}

export async function listRoles(storage: StorageView): Promise<string[]> {
  return (await storage.list("role/")).filter((k) => !k.endsWith("/")).sort();
}

/** The role named in the URL of a write that needs it to exist. */
export async function requireRole(storage: StorageView, rawName: string | undefined): Promise<RoleEntry> {
  const name = canonicalRoleName(rawName);
  const role = await getRole(storage, name);
  if (!role) throw badRequest(`role "${name}" does not exist`);
  return role;
}

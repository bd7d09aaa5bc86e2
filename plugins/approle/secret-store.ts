/**
 * Secret ids at rest. A secret id is never stored: only HMAC-SHA256(role key, secret id) is, as the
 * key of a counted entry `secret/<keyId>/<hmac>` whose uses and lifetime the store enforces in one
 * atomic statement (so a k-use secret logs in exactly k times, whatever the concurrency). The
 * accessor (a public handle for operators) maps to the HMAC through `accessor/<keyId>/<accessor>`.
 * Both live under the role's keyId, so an accessor or secret of one role can never be reached
 * through another role's paths (CVE-2023-24999).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { badRequest, hmacSha256Hex, type StorageView } from "warden/sdk";
import type { RoleEntry } from "./role-entry.js";

export interface SecretRecord {
  accessor: string;
  metadata: Record<string, string>;
  cidrList: string[];
  tokenBoundCidrs: string[];
  /** Uses granted at creation (0 = unlimited); the store keeps the count left. */
  numUses: number;
  /** Seconds granted at creation (0 = never expires). */
  ttl: number;
  /** Epoch ms. */
  createdAt: number;
}

/**
 * 32 CSPRNG bytes as 64 lower-case hex characters: 256 bits (Vault's UUIDs carry 122), and only
 * [0-9a-f], so it survives shells, `k=v` CLI arguments, URLs, files and case-insensitive handling.
 */
export const newSecretId = (): string => randomBytes(32).toString("hex");

export const newAccessor = (): string => randomUUID();

const ACCESSOR = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Keyed hashers by role key (base64), so a login neither decodes the key nor builds an Hmac object:
 * the role entry itself is a fresh copy on every read. Bounded; a role's key never changes (a new
 * incarnation has a new key), so an entry is never stale, only unused.
 */
const hashers = new Map<string, (secretId: string) => string>();
const MAX_HASHERS = 1024;

export function secretHmac(role: Pick<RoleEntry, "hmacKey">, secretId: string): string {
  let h = hashers.get(role.hmacKey);
  if (h === undefined) {
    if (hashers.size >= MAX_HASHERS) hashers.delete(hashers.keys().next().value!);
    h = hmacSha256Hex(Buffer.from(role.hmacKey, "base64"));
    hashers.set(role.hmacKey, h);
  }
  return h(secretId);
}

export const secretKey = (role: RoleEntry, hmac: string): string => `secret/${role.keyId}/${hmac}`;
const accessorKey = (role: RoleEntry, accessor: string): string => `accessor/${role.keyId}/${accessor}`;

/** Stores a new secret id; a value already registered for this role is refused (custom ids). */
export async function storeSecret(storage: StorageView, role: RoleEntry, secretId: string, rec: SecretRecord): Promise<void> {
  const hmac = secretHmac(role, secretId);
  if (await storage.peekCounted(secretKey(role, hmac))) throw badRequest("SecretID is already registered");
  await storage.put(accessorKey(role, rec.accessor), { hmac });
  await storage.putCounted(secretKey(role, hmac), rec, { uses: rec.numUses, ttlSeconds: rec.ttl });
}

export interface LiveSecret {
  hmac: string;
  record: SecretRecord;
  /** 0 = unlimited, else the uses left. */
  usesLeft: number;
  /** Epoch ms; 0 = never. */
  expiresAt: number;
}

export async function peekSecret(storage: StorageView, role: RoleEntry, hmac: string): Promise<LiveSecret | undefined> {
  const p = await storage.peekCounted<SecretRecord>(secretKey(role, hmac));
  return p ? { hmac, record: p.value, usesLeft: p.usesLeft, expiresAt: p.expiresAt } : undefined;
}

/** The live secret behind an accessor of *this* role, or undefined (unknown, other role, expired). */
export async function secretByAccessor(storage: StorageView, role: RoleEntry, accessor: string): Promise<LiveSecret | undefined> {
  const hmac = await hmacForAccessor(storage, role, accessor);
  const live = hmac === undefined ? undefined : await peekSecret(storage, role, hmac);
  return live && live.record.accessor === accessor ? live : undefined;
}

/** The HMAC an accessor of *this* role points at, live or not (destroy also clears expired ones). */
export async function hmacForAccessor(storage: StorageView, role: RoleEntry, accessor: string): Promise<string | undefined> {
  if (!ACCESSOR.test(accessor)) return undefined;
  const idx = await storage.get<{ hmac: string }>(accessorKey(role, accessor));
  return idx && typeof idx.hmac === "string" && /^[0-9a-f]{64}$/.test(idx.hmac) ? idx.hmac : undefined;
}

/** Removes a secret id and its accessor entry; true when the secret entry existed. */
export async function destroySecret(storage: StorageView, role: RoleEntry, hmac: string, accessor: string): Promise<boolean> {
  const existed = await storage.deleteCounted(secretKey(role, hmac));
  await deleteAccessorEntry(storage, role, accessor);
  return existed;
}

export async function deleteAccessorEntry(storage: StorageView, role: RoleEntry, accessor: string): Promise<void> {
  await storage.delete(accessorKey(role, accessor));
}

/** Accessors of the role's secret ids (expired ones stay listed until tidy, as in Vault). */
export async function listAccessors(storage: StorageView, role: RoleEntry): Promise<string[]> {
  return (await storage.list(`accessor/${role.keyId}/`)).filter((k) => !k.endsWith("/"));
}

/** Every secret and accessor of a role: role deletion. */
export async function deleteAllSecrets(storage: StorageView, role: RoleEntry): Promise<void> {
  for (const key of await storage.listCounted(`secret/${role.keyId}/`)) await storage.deleteCounted(key);
  for (const a of await listAccessors(storage, role)) await storage.delete(accessorKey(role, a));
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
// Go's zero time, which Vault prints for a secret id that never expires.
const ZERO_TIME = "0001-01-01T00:00:00Z";

/** What lookups show: never the secret, never its HMAC. */
export function lookupData(live: LiveSecret): Record<string, unknown> {
  const r = live.record;
  return {
    secret_id_accessor: r.accessor,
    secret_id_num_uses: live.usesLeft,
    secret_id_ttl: r.ttl,
    creation_time: iso(r.createdAt),
    last_updated_time: iso(r.createdAt),
    expiration_time: live.expiresAt > 0 ? iso(live.expiresAt) : ZERO_TIME,
    metadata: { ...r.metadata },
    cidr_list: r.cidrList,
    token_bound_cidrs: r.tokenBoundCidrs,
  };
}

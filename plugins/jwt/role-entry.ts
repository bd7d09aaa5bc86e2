/**
 * A role of the jwt method: which tokens it accepts (audiences, subject, claims), how the identity
 * is read from them (user_claim, groups_claim, claim_mappings), the time leeways, and the token
 * settings it grants. Stored at `role/<lower-cased name>`; names are canonicalised once, at the edge.
 */
import type { StorageView, TokenParams } from "warden/sdk";

export interface RoleEntry {
  role_type: "jwt";
  bound_audiences: string[];
  bound_subject: string;
  /** Claim (name or JSON pointer) -> accepted value(s), as strings; the shape given is kept for reads. */
  bound_claims: Record<string, string | string[]>;
  bound_claims_type: "string" | "glob";
  user_claim: string;
  user_claim_json_pointer: boolean;
  groups_claim: string;
  /** Claim (name or JSON pointer) -> metadata key. */
  claim_mappings: Record<string, string>;
  /** Seconds; 0 = the default below, -1 = no leeway (Vault's convention). */
  clock_skew_leeway: number;
  expiration_leeway: number;
  not_before_leeway: number;
  /** warden extension: refuse tokens whose exp is further than this in the future (0 = no bound). */
  max_jwt_lifetime: number;
  token: TokenParams;
}

/** Vault's (cap/jwt's) defaults. */
export const DEFAULT_CLOCK_SKEW = 60;
export const DEFAULT_EXPIRATION_LEEWAY = 150;
export const DEFAULT_NOT_BEFORE_LEEWAY = 150;

/** The leeway in effect for a stored value: 0 means the default, a negative value means none. */
export const effectiveLeeway = (stored: number, dflt: number): number => (stored < 0 ? 0 : stored === 0 ? dflt : stored);

// Vault's GenericNameRegex, ASCII only, so no Unicode case folding can make two names one.
const ROLE_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,126}[A-Za-z0-9_])?$/;

export function canonicalRoleName(input: string): string | undefined {
  return ROLE_NAME.test(input) ? input.toLowerCase() : undefined;
}

const key = (name: string): string => `role/${name}`;

export async function getRole(storage: StorageView, name: string): Promise<RoleEntry | undefined> {
  const entry = await storage.get<RoleEntry>(key(name));
  return entry && entry.role_type === "jwt" && typeof entry.user_claim === "string" && entry.token ? entry : undefined;
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

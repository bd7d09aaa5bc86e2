/**
 * A role of the jwt method: which tokens it accepts (audiences, subject, claims), how the identity
 * is read from them (user_claim, groups_claim, claim_mappings), the time leeways, and the token
 * settings it grants. Stored by the SDK's roleStore at `role/<lower-cased name>`.
 */
import { roleStore as sdkRoleStore, type TokenParams } from "warden/sdk";

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

const isRoleEntry = (v: unknown): v is RoleEntry => {
  const e = v as Partial<RoleEntry> | undefined;
  return !!e && typeof e === "object" && e.role_type === "jwt" && typeof e.user_claim === "string" && !!e.token;
};

/** The SDK's role storage (role/<canonical name>), guarded so a foreign value reads as no role. */
export const roleStore = sdkRoleStore(isRoleEntry);

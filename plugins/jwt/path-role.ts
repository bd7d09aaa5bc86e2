/**
 * `role/:role` (create/read/update/delete) and `role/?` (list), via the SDK's roleCrudPaths; role_type
 * "jwt". An update keeps every field it does not name (Vault's GetOk semantics); the whole role is
 * then validated as one: a user_claim, and at least one bound constraint, so a role can never accept
 * every token any client of the issuer holds.
 */
import { badRequest, emptyTokenParams, parseDurationSeconds, roleCrudPaths, type FieldValues, type TokenParams } from "warden/sdk";
import { scalarString } from "./claims.js";
import {
  DEFAULT_CLOCK_SKEW,
  DEFAULT_EXPIRATION_LEEWAY,
  DEFAULT_NOT_BEFORE_LEEWAY,
  roleStore,
  type RoleEntry,
} from "./role-entry.js";

const roleFields = {
  role_type: { type: "string", description: 'Only "jwt" (machine logins); "oidc" is not supported' },
  bound_audiences: { type: "comma_string_slice", description: "The aud claim must hold at least one of these" },
  bound_subject: { type: "string", description: "The sub claim must equal this" },
  bound_claims: { type: "map", description: "Claim (or /json/pointer) -> value or list of values" },
  bound_claims_type: { type: "string", allowedValues: ["string", "glob"], description: '"string" (exact) or "glob" (* wildcards)' },
  user_claim: { type: "string", description: "Claim whose value names the user (the entity alias); default sub" },
  user_claim_json_pointer: { type: "bool", description: "Read user_claim as a JSON pointer" },
  groups_claim: { type: "string", description: "Claim holding the group names (kept as alias metadata 'groups')" },
  claim_mappings: { type: "kv_pairs", description: "Claim (or /json/pointer) -> metadata key" },
  clock_skew_leeway: { type: "string", description: "Seconds or duration for all time claims; 0 = 60s, -1 = none" },
  expiration_leeway: { type: "string", description: "Extra seconds after exp; 0 = 150s, -1 = none" },
  not_before_leeway: { type: "string", description: "Extra seconds before nbf; 0 = 150s, -1 = none" },
  max_jwt_lifetime: { type: "duration", description: "warden: refuse tokens whose exp is further out than this (0 = no bound)" },
} as const;

/** "-1" disables, anything else is a non-negative duration. */
function parseLeeway(raw: string | undefined, field: string): number {
  const s = (raw ?? "").trim();
  if (s === "-1" || s === "-1s") return -1;
  return parseDurationSeconds(s, field);
}

function parseBoundClaims(raw: Record<string, unknown>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [claim, value] of Object.entries(raw)) {
    if (claim === "") throw badRequest("bound_claims: claim names cannot be empty");
    const one = scalarString(value);
    if (one !== undefined) {
      out[claim] = one;
      continue;
    }
    const list = Array.isArray(value) ? value.map(scalarString) : undefined;
    if (!list || list.length === 0 || list.some((v) => v === undefined)) {
      throw badRequest(`bound claim is not a string or list: "${claim.slice(0, 100)}"`);
    }
    out[claim] = list as string[];
  }
  return out;
}

const fresh = (): RoleEntry => ({
  role_type: "jwt",
  bound_audiences: [],
  bound_subject: "",
  bound_claims: Object.create(null),
  bound_claims_type: "string",
  user_claim: "sub",
  user_claim_json_pointer: false,
  groups_claim: "",
  claim_mappings: Object.create(null),
  clock_skew_leeway: DEFAULT_CLOCK_SKEW,
  expiration_leeway: DEFAULT_EXPIRATION_LEEWAY,
  not_before_leeway: DEFAULT_NOT_BEFORE_LEEWAY,
  max_jwt_lifetime: 0,
  token: emptyTokenParams(),
});

/** The request's fields applied over the existing role (or the defaults), then validated as a whole. */
function buildRole(
  req: { data: Record<string, unknown>; has(field: string): boolean },
  existing: RoleEntry | undefined,
  token: TokenParams,
): RoleEntry {
  const r: RoleEntry = existing ? { ...existing } : fresh();
  const d = req.data as Partial<FieldValues<typeof roleFields>>;
  if (req.has("role_type")) {
    const t = String(d.role_type ?? "").trim().toLowerCase();
    if (t === "oidc") throw badRequest('role_type "oidc" is not supported by warden: only "jwt" roles (machine logins with a JWT) exist');
    if (t !== "jwt" && t !== "") throw badRequest(`invalid 'role_type': ${t.slice(0, 20)}`);
  }
  if (req.has("bound_audiences")) r.bound_audiences = [...new Set(d.bound_audiences ?? [])];
  if (req.has("bound_subject")) r.bound_subject = String(d.bound_subject ?? "").trim();
  if (req.has("bound_claims")) r.bound_claims = parseBoundClaims(d.bound_claims ?? {});
  if (req.has("bound_claims_type")) r.bound_claims_type = d.bound_claims_type === "glob" ? "glob" : "string";
  if (req.has("user_claim")) r.user_claim = String(d.user_claim ?? "").trim();
  if (req.has("user_claim_json_pointer")) r.user_claim_json_pointer = d.user_claim_json_pointer === true;
  if (req.has("groups_claim")) r.groups_claim = String(d.groups_claim ?? "").trim();
  if (req.has("claim_mappings")) r.claim_mappings = { ...(d.claim_mappings ?? {}) };
  if (req.has("clock_skew_leeway")) r.clock_skew_leeway = parseLeeway(d.clock_skew_leeway, "clock_skew_leeway");
  if (req.has("expiration_leeway")) r.expiration_leeway = parseLeeway(d.expiration_leeway, "expiration_leeway");
  if (req.has("not_before_leeway")) r.not_before_leeway = parseLeeway(d.not_before_leeway, "not_before_leeway");
  if (req.has("max_jwt_lifetime")) r.max_jwt_lifetime = d.max_jwt_lifetime ?? 0;
  r.token = token;
  validateRole(r);
  return r;
}

/** Whole-role rules, with Vault's messages where Vault has one. */
function validateRole(r: RoleEntry): void {
  if (r.user_claim === "") throw badRequest("a user claim must be defined on the role");
  if (r.user_claim_json_pointer && !r.user_claim.startsWith("/")) throw badRequest("user_claim must be a JSON pointer (start with /) when user_claim_json_pointer is set");
  const bounded =
    r.bound_audiences.length > 0 || r.bound_subject !== "" || Object.keys(r.bound_claims).length > 0 || r.token.boundCidrs.length > 0;
  if (!bounded) throw badRequest("must have at least one bound constraint when creating/updating a role");
  const targets = new Set<string>();
  for (const [claim, target] of Object.entries(r.claim_mappings)) {
    if (claim === "" || target === "") throw badRequest("claim_mappings: claim and metadata key cannot be empty");
    if (target === "role") throw badRequest(`metadata key "role" is reserved and may not be a mapping destination`);
    if (target === "groups" && r.groups_claim !== "") throw badRequest(`metadata key "groups" holds the groups_claim and may not be a mapping destination`);
    if (targets.has(target)) throw badRequest(`multiple keys are mapped to metadata key "${target}"`);
    targets.add(target);
  }
}

function roleData(r: RoleEntry): Record<string, unknown> {
  return {
    role_type: r.role_type,
    bound_audiences: r.bound_audiences,
    bound_subject: r.bound_subject,
    bound_claims: Object.keys(r.bound_claims).length ? r.bound_claims : null,
    bound_claims_type: r.bound_claims_type,
    user_claim: r.user_claim,
    user_claim_json_pointer: r.user_claim_json_pointer,
    groups_claim: r.groups_claim,
    claim_mappings: Object.keys(r.claim_mappings).length ? r.claim_mappings : null,
    clock_skew_leeway: r.clock_skew_leeway,
    expiration_leeway: r.expiration_leeway,
    not_before_leeway: r.not_before_leeway,
    max_jwt_lifetime: r.max_jwt_lifetime,
  };
}

export const [rolePath, roleListPath] = roleCrudPaths({
  store: roleStore,
  fields: roleFields,
  write: (req, existing, token) => buildRole(req, existing, token),
  view: roleData,
  // Vault's jwt method has no "roles/" alias.
  listPatterns: ["role/?"],
  help: "Which tokens a role accepts (audiences, subject, claims) and the warden token it grants.",
});

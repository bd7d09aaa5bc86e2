/**
 * `login` {role, jwt}: a workload presents a JWT from its platform's issuer (GitHub Actions, a
 * Kubernetes service account, any OIDC provider); warden verifies it against the configured keys and
 * the role's bindings and mints a token with the role's settings.
 *
 * Order: the size cap before anything else; config and role (cheap, local); bound CIDRs; then the
 * signature (which may cost one rate-limited JWKS fetch); then the claims. Every token problem is a
 * 400 with Vault's message; nothing a client sends can produce a 500.
 */
import { addressInCidrs, badRequest, canonicalRoleName, definePath, permissionDenied, type HandlerResult, type PluginRequest } from "warden/sdk";
import { checkBoundClaims, getClaim, mapClaims, normalizeList, scalarString, type Claims } from "./claims.js";
import { readConfig } from "./path-config.js";
import type { KeysetCache } from "./keyset-cache.js";
import { roleStore, type RoleEntry } from "./role-entry.js";
import { checkRegisteredClaims, MAX_JWT_BYTES, TokenError, verifySignature } from "./verify.js";

const loginFields = {
  role: { type: "string", description: "The role to log in to (default: the config's default_role)" },
  jwt: { type: "string", description: "The signed JWT" },
} as const;

type LoginFields = typeof loginFields;

export async function login(req: PluginRequest<LoginFields>, keys: KeysetCache): Promise<HandlerResult> {
  const jwt = (req.data.jwt ?? "").trim();
  if (jwt === "") throw badRequest("missing token");
  if (jwt.length > MAX_JWT_BYTES) throw badRequest(`error validating token: token is larger than ${MAX_JWT_BYTES} bytes`);

  const config = await readConfig(req.storage);
  if (!config) throw badRequest("could not load configuration");
  const requested = (req.data.role ?? "").trim() || config.default_role || "";
  if (requested === "") throw badRequest("missing role");
  const name = canonicalRoleName(requested);
  const role = name === undefined ? undefined : await roleStore.get(req.storage, name);
  if (name === undefined || !role) throw badRequest(`role "${requested.slice(0, 128)}" could not be found`);

  if (role.token.boundCidrs.length > 0 && !addressInCidrs(req.clientAddress, role.token.boundCidrs)) {
    throw permissionDenied();
  }

  let claims: Claims;
  try {
    const v = await verifySignature(jwt, config, { keys, http: req.http, log: req.log });
    claims = v.claims;
    checkRegisteredClaims(claims, role, config.bound_issuer ?? v.discoveredIssuer);
  } catch (e) {
    if (e instanceof TokenError) throw badRequest(e.message);
    throw e;
  }
  const identity = identityOf(claims, role);
  if (typeof identity === "string") throw badRequest(identity);

  const alias: Record<string, string> = { ...identity.mapped };
  if (identity.groups !== undefined) alias.groups = identity.groups.join(",");
  return {
    auth: {
      alias: { name: identity.user, metadata: alias },
      displayName: identity.user.slice(0, 128),
      metadata: { ...identity.mapped, role: name },
      token: role.token,
      internal: { role: name },
    },
  };
}

/** bound_claims, then the user, groups and mapped metadata; a string is the error for the 400. */
function identityOf(claims: Claims, role: RoleEntry): { user: string; groups?: string[]; mapped: Record<string, string> } | string {
  const boundError = checkBoundClaims(claims, role.bound_claims, role.bound_claims_type === "glob");
  if (boundError !== undefined) return `error validating claims: ${boundError}`;

  // user_claim is a plain key unless the role says it is a pointer (a claim named "/x" is legal).
  const userRaw = role.user_claim_json_pointer ? getClaim(claims, role.user_claim) : Object.hasOwn(claims, role.user_claim) ? claims[role.user_claim] : undefined;
  if (userRaw === undefined || userRaw === null) return `claim "${role.user_claim}" not found in token`;
  const user = scalarString(userRaw);
  if (user === undefined || user === "") return `claim "${role.user_claim}" could not be converted to string`;

  let groups: string[] | undefined;
  if (role.groups_claim !== "") {
    const raw = getClaim(claims, role.groups_claim);
    if (raw === undefined || raw === null) return `"${role.groups_claim}" claim not found in token`;
    groups = normalizeList(raw);
    if (groups === undefined) return `"${role.groups_claim}" claim could not be converted to string list`;
  }

  const mapped = mapClaims(claims, role.claim_mappings);
  if (typeof mapped === "string") return mapped;
  return { user, mapped, ...(groups ? { groups } : {}) };
}

/** The mount's login path, verifying with the mount's key cache. */
export const loginPath = (keys: KeysetCache) =>
  definePath({
    pattern: "login",
    fields: loginFields,
    unauthenticated: true,
    operations: { update: (req) => login(req, keys), create: (req) => login(req, keys) },
    help: "Log in with a JWT signed by the configured issuer.",
  });

/**
 * `login/:role`: an OCI principal proves who it is with signed request headers.
 *
 * Order matters: everything that needs no network runs first (config, role, CIDR, the header
 * grammar, the signed date, tenancy, target/host/user binding, allow-lists), then the signature is
 * claimed in the replay cache atomically, and only then does warden call OCI. A forged, replayed,
 * stale or misdirected login costs no outbound request.
 */
import { createHash } from "node:crypto";
import {
  addressInCidrs,
  badRequest,
  definePath,
  permissionDenied,
  WardenError,
  type HandlerResult,
  type PluginRequest,
} from "warden/sdk";
import { authOrigin, identityOrigin, readConfig, type ConfigEntry } from "./config-entry.js";
import { authenticateClient, filterGroupMembership } from "./data-plane.js";
import { getUser } from "./get-user.js";
import { checkGetUserBinding, checkLoginBinding } from "./login-binding.js";
import { isOcid } from "./ocid.js";
import type { serviceKeyCache } from "./request-signer.js";
import { roleForLogin, userAllowed, type RoleEntry } from "./role-entry.js";
import { DATE_WINDOW_SECONDS, headerMapFromInput, readSignedHeaders, type SignedHeaders } from "./signed-headers.js";

const loginFields = {
  role: { type: "string", required: true, lowercase: true, description: "Name of the role (from the path; case-insensitive)" },
  request_headers: { type: "map", description: "The signed request's headers, incl. authorization and (request-target)" },
  user_ocid: { type: "string", description: "get_user mode: the OCID of the signing user" },
} as const;

type LoginFields = typeof loginFields;

// A date can be presented from 5 minutes before to 5 minutes after it was signed, plus clock drift.
const REPLAY_TTL_SECONDS = 2 * DATE_WINDOW_SECONDS + 60;

interface Proven {
  principalId: string;
  principalType: string;
  userName?: string;
  groups?: string[];
}

type ServiceKeys = ReturnType<typeof serviceKeyCache>;

export async function login(req: PluginRequest<LoginFields>, keys: ServiceKeys): Promise<HandlerResult> {
  const rawRole = req.data.role ?? "";
  if (rawRole === "") throw badRequest("Role is not specified");
  const cfg = await readConfig(req.storage);
  if (!cfg) throw badRequest("the oci auth method is not configured");
  const { name, role } = await roleForLogin(req.storage, rawRole);
  if (role.token.boundCidrs.length > 0 && !addressInCidrs(req.clientAddress, role.token.boundCidrs)) throw permissionDenied();
  if (!req.has("request_headers")) throw badRequest("missing request_headers");
  const headerMap = headerMapFromInput(req.data.request_headers!);
  const signed = readSignedHeaders(headerMap, Date.now());
  if (signed.keyId.tenancy !== cfg.home_tenancy_id) throw permissionDenied();
  // An instance principal's session token that has run out: OCI would refuse it; say why, call nobody.
  if (signed.keyId.session && signed.keyId.session.expiresAt * 1000 <= Date.now()) {
    throw permissionDenied("the instance principal session token (ST$ keyId) has expired: obtain a new one and sign again");
  }

  const proven = cfg.mode === "get_user"
    ? await viaGetUser(req, cfg, role, signed)
    : await viaAuthenticateClient(req, cfg, role, rawRole, signed, keys);

  const metadata: Record<string, string> = {
    role_name: name,
    tenancy_id: cfg.home_tenancy_id,
    principal_type: proven.principalType,
    principal_id: proven.principalId,
  };
  if (proven.userName !== undefined) metadata.user_name = proven.userName;
  return {
    auth: {
      alias: { name: proven.principalId },
      displayName: proven.principalId,
      metadata,
      token: role.token,
      internal: { ...metadata, mode: cfg.mode, groups: proven.groups ?? [] },
    },
  };
}

/** Claims the signature for the replay window; a second presentation is refused without a call. */
async function claimSignature(req: PluginRequest<LoginFields>, signed: SignedHeaders): Promise<void> {
  const digest = createHash("sha256").update(signed.signature).digest("hex");
  // Every answer but a refusal waits for the token written after it, so the claim may be committed with it.
  if (!(await req.storage.claimOnce(`sig/${digest}`, REPLAY_TTL_SECONDS, { beforeLogin: true }))) {
    req.log.warn("oci: login refused, signature already used");
    throw permissionDenied();
  }
}

async function viaAuthenticateClient(
  req: PluginRequest<LoginFields>,
  cfg: ConfigEntry,
  role: RoleEntry,
  rawRole: string,
  signed: SignedHeaders,
  keys: ServiceKeys,
): Promise<Proven> {
  checkLoginBinding(signed, cfg, req.mount, rawRole, req.requestHost);
  if (role.ocid_list.length === 0) throw permissionDenied();
  const origin = authOrigin(cfg);
  if (!origin || !cfg.service_key_id || !cfg.service_private_key) {
    req.log.error("oci: authenticate_client mode needs service_key_id and service_private_key in config");
    throw new WardenError(500, "the oci auth method has no service credentials configured");
  }
  await claimSignature(req, signed);
  const key = { keyId: cfg.service_key_id, privateKey: keys.parse(cfg.service_private_key) };
  const forwarded: Record<string, string[]> = {};
  for (const [n, v] of signed.values) forwarded[n] = [v];
  const principal = await authenticateClient(req.http, req.log, origin, key, forwarded);
  // The principal OCI vouches for must be the home tenancy's, and the very signer of the headers.
  const expectedType = isOcid(signed.keyId.principal, "instance") ? "instance" : "user";
  if (principal.tenantId !== cfg.home_tenancy_id || principal.subjectId !== signed.keyId.principal || principal.ptype !== expectedType) {
    req.log.info("oci: login refused, principal outside the home tenancy or not the signer");
    throw permissionDenied();
  }
  const groups = await filterGroupMembership(req.http, req.log, origin, key, principal, role.ocid_list);
  if (groups.length === 0) {
    req.log.info("oci: login refused, principal in none of the role's groups");
    throw permissionDenied();
  }
  return { principalId: principal.subjectId, principalType: principal.ptype, groups };
}

async function viaGetUser(req: PluginRequest<LoginFields>, cfg: ConfigEntry, role: RoleEntry, signed: SignedHeaders): Promise<Proven> {
  if (signed.keyId.session) throw badRequest("get_user mode takes API-key signatures only: instance principals log in through an authenticate_client mount");
  const userOcid = (req.data.user_ocid ?? "").trim();
  if (userOcid === "") throw badRequest("missing user_ocid");
  if (!isOcid(userOcid, "user")) throw badRequest("user_ocid is not a user OCID");
  checkGetUserBinding(signed, cfg, userOcid);
  // An OCID-only allow-list that cannot match is known before asking OCI.
  if (role.allowed_usernames.length === 0 && role.allowed_user_ocids.length > 0 && !role.allowed_user_ocids.includes(userOcid)) {
    throw permissionDenied();
  }
  const origin = identityOrigin(cfg)!;
  await claimSignature(req, signed);
  const user = await getUser(req.http, req.log, origin, userOcid, signed);
  if (user.id !== userOcid || user.compartmentId !== cfg.home_tenancy_id || user.lifecycleState !== "ACTIVE" || !userAllowed(role, user.id, user.name)) {
    req.log.info("oci: login refused, user not the signer, outside the tenancy, inactive or not allowed");
    throw permissionDenied();
  }
  return { principalId: user.id, principalType: "user", userName: user.name };
}

/** The mount's login path, signing its data-plane calls with the mount's parsed service key. */
export const loginPath = (keys: ServiceKeys) =>
  definePath({
    pattern: "login/:role",
    fields: loginFields,
    unauthenticated: true,
    operations: { update: (req) => login(req, keys), create: (req) => login(req, keys) },
    help: "Log in with the headers of an OCI signature v1 request (see the README for the two modes).",
  });

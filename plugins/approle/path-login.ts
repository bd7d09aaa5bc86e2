/**
 * `login`: role_id (+ secret_id when the role binds one) for a token.
 *
 * Order matters, and every step before the take is read-only:
 *   1. role_id -> role; unknown is a counted failure (lockout).
 *   2. the client address against the role's secret_id_bound_cidrs;
 *   3. an O(1) peek at the secret (unknown: counted failure), then its cidr_list and the token's
 *      bound CIDRs. Address refusals are plain 400s that the core does NOT count, so a caller off the
 *      allow-list can neither use up a secret nor lock the real workload out;
 *   4. one atomic take of a use (expired or used up meanwhile: counted failure); a secret with
 *      unlimited uses has none to take, and the peek was its check.
 * Every refusal says the same thing, so none tells an unknown role from a wrong secret.
 */
import {
  addressInCidrs,
  badRequest,
  definePath,
  invalidCredentials,
  type HandlerResult,
  type PluginRequest,
  type WardenError,
} from "warden/sdk";
import { getRoleByRoleId, roleNameByRoleId, type RoleEntry } from "./role-entry.js";
import { destroySecret, peekSecret, secretHmac, secretKey, type SecretRecord } from "./secret-store.js";

export const INVALID = "invalid role or secret ID";

const loginFields = {
  role_id: { type: "string", description: "The role's role_id" },
  secret_id: { type: "string", description: "A secret id of the role (when the role binds one)" },
} as const;

type LoginFields = typeof loginFields;

/** Off an allow-list: same words as a bad secret, but a plain 400 that lockout ignores. */
function offAllowList(req: PluginRequest<LoginFields>, role: RoleEntry, which: string): WardenError {
  req.log.info("approle: login refused, client address not allowed", { role: role.name, check: which });
  return badRequest(INVALID);
}

const allowed = (address: string | undefined, cidrs: readonly string[]): boolean =>
  cidrs.length === 0 || addressInCidrs(address, cidrs);

/** The secret's own token_bound_cidrs replace the role's. */
const tokenCidrsFor = (role: RoleEntry, rec: SecretRecord | undefined): string[] =>
  rec && rec.tokenBoundCidrs.length > 0 ? rec.tokenBoundCidrs : role.token.boundCidrs;

export async function login(req: PluginRequest<LoginFields>): Promise<HandlerResult> {
  // Trimmed as Vault does (role ids are often read from files with a trailing newline).
  const roleId = (req.data.role_id ?? "").trim();
  if (roleId === "") throw badRequest("missing role_id");
  const role = await getRoleByRoleId(req.storage, roleId);
  if (!role) throw invalidCredentials(INVALID);

  if (!allowed(req.clientAddress, role.secretIdBoundCidrs)) throw offAllowList(req, role, "secret_id_bound_cidrs");

  let record: SecretRecord | undefined;
  if (role.bindSecretId) {
    const secretId = (req.data.secret_id ?? "").trim();
    if (secretId === "") throw badRequest("missing secret_id");
    const hmac = secretHmac(role, secretId);
    const peeked = await peekSecret(req.storage, role, hmac);
    if (!peeked) throw invalidCredentials(INVALID);
    if (!allowed(req.clientAddress, peeked.record.cidrList)) throw offAllowList(req, role, "cidr_list");
    if (!allowed(req.clientAddress, tokenCidrsFor(role, peeked.record))) throw offAllowList(req, role, "token_bound_cidrs");

    if (peeked.usesLeft === 0) {
      // Unlimited uses: nothing to count, so nothing is written (as in Vault, whose login rewrites a
      // secret id only to count a use); the peek above was the check that it is live.
      record = peeked.record;
    } else {
      const taken = await req.storage.takeCounted<SecretRecord>(secretKey(role, hmac));
      if (!taken) throw invalidCredentials(INVALID);
      record = taken.value;
      // The last use: drop the entry and its accessor now rather than at the next tidy.
      if (taken.usesLeft === -1) await destroySecret(req.storage, role, hmac, record.accessor);
      // Fail closed should the entry have been replaced between peek and take.
      if (!allowed(req.clientAddress, record.cidrList)) throw offAllowList(req, role, "cidr_list");
    }
  } else if (!allowed(req.clientAddress, role.token.boundCidrs)) {
    throw offAllowList(req, role, "token_bound_cidrs");
  }

  // Secret-id metadata first: role_name is always the role's, whatever the metadata says.
  const metadata: Record<string, string> = { ...(record?.metadata ?? {}), role_name: role.name };
  return {
    auth: {
      alias: { name: role.roleId, metadata },
      metadata,
      token: { ...role.token, boundCidrs: tokenCidrsFor(role, record) },
      internal: { role_name: role.name, role_key_id: role.keyId },
      // What resolveLoginRole would say: the core need not resolve it again for the token's record.
      role: role.name,
    },
  };
}

/**
 * Vault's resolve-role for role quotas: the role_id's role name through the role_id index. One read;
 * no secret is looked at and nothing is counted (no lockout failure, no secret use), so a role quota
 * can refuse a flood before any credential check. An unknown role_id names no role.
 */
export async function resolveLoginRole(req: PluginRequest<LoginFields>): Promise<string | undefined> {
  const roleId = (req.data.role_id ?? "").trim();
  return roleId === "" ? undefined : roleNameByRoleId(req.storage, roleId);
}

export const loginPath = definePath({
  pattern: "login",
  fields: loginFields,
  unauthenticated: true,
  lockout: { aliasField: "role_id" },
  operations: { update: login, create: login },
  resolveRole: resolveLoginRole,
  help: "Log in with a role_id and a secret_id.",
});

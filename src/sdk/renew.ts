import { permissionDenied } from "./errors.js";
import type { RenewHandler, RenewRequest } from "./plugin.js";
import type { TokenParams } from "./token-params.js";

/** What a role-based method's renewal found: the role, if it still admits the token's principal. */
export interface RoleRenewal<R extends { token: TokenParams }> {
  /** The role's name as the token recorded it (for the log line of a refusal; may be undefined). */
  name: string | undefined;
  /**
   * The role as it is now, when it still exists AND still admits the principal the token was minted
   * for; undefined refuses the renewal.
   */
  role: R | undefined;
}

/**
 * The renew handler every role-based method has (Vault's pathLoginRenew): `check` re-reads the role
 * the token came from (its name and the principal are in `req.internal`) and decides whether it still
 * admits the principal, without calling out. A refusal is the same 403 whatever the reason (no hint
 * whether the role went away or changed), logged once at info with the role's name; otherwise the
 * token renews with the role's current TTL settings (ttl, max_ttl, period), as in Vault.
 *
 *     renew: renewFromRole("approle", async (req) => {
 *       const name = typeof req.internal.role_name === "string" ? req.internal.role_name : undefined;
 *       const role = name ? await getRole(req.storage, name) : undefined;
 *       return { name, role: role?.keyId === req.internal.role_key_id ? role : undefined };
 *     }),
 */
export function renewFromRole<R extends { token: TokenParams }>(method: string, check: (req: RenewRequest) => Promise<RoleRenewal<R>>): RenewHandler {
  return async (req) => {
    const { name, role } = await check(req);
    if (!role) {
      req.log.info(`${method}: renewal refused, the role is gone or no longer admits the token's principal`, { role: name ?? "" });
      throw permissionDenied();
    }
    return { ttl: role.token.ttl, maxTtl: role.token.maxTtl, period: role.token.period };
  };
}

import { badRequest, permissionDenied } from "../../sdk/errors.js";
import type { TokenRecord } from "../../storage/types.js";
import type { CoreRequest, CoreResult } from "../framework/core-path.js";
import { type MountTable, failedMountError } from "../mounts/mount-table.js";
import type { TokenService } from "./token-service.js";
import { tokenMountLimits } from "./token-mount.js";
import { effectiveLimits } from "./ttl.js";

export const renewFields = { increment: { type: "duration" } } as const;

/**
 * Renews a token (renew, renew-self, renew-accessor). Renewal goes back to the method that issued
 * the token: it may refuse or refresh the TTLs. `token` is "" when the caller named it by accessor.
 */
export function renewToken(tokens: TokenService, mounts: MountTable) {
  return async (token: string, record: TokenRecord, increment: number, req: CoreRequest): Promise<CoreResult> => {
    const issuer = mounts.resolve(record.path)?.entry;
    // The issuing mount is gone: its tokens went with it, so there is nothing to renew.
    if (!issuer) throw permissionDenied();
    let current = {};
    let limits = tokenMountLimits(tokens.systemLimits, mounts);
    if (!issuer.builtin) {
      // Renewal asks the issuing method; while its plugin cannot load, nobody can answer for it.
      if (issuer.failed !== undefined) throw failedMountError(issuer);
      if (!issuer.backend.renew || !record.auth) throw badRequest("this auth type doesn't support renew");
      const renewPlugin = issuer.backend.renew;
      const stored = record.auth;
      current = await mounts.guard(issuer, "renew", () => renewPlugin({
        metadata: stored.metadata,
        internal: stored.internal,
        alias: stored.alias,
        policies: record.policies,
        storage: issuer.storage,
        mount: issuer.info,
        clientAddress: req.clientAddress,
        log: issuer.log,
      }));
      limits = effectiveLimits(tokens.systemLimits, issuer.limits);
    }
    const renewed = await tokens.renew(record, increment, limits, current);
    return { issued: { token, record: renewed.record }, warnings: renewed.warnings };
  };
}

/**
 * The `alicloud` auth method: Alibaba Cloud RAM role sessions log in by presenting a signed STS
 * GetCallerIdentity request, which warden validates, rebuilds and sends to STS itself.
 */
import { definePlugin, renewFromRole, SDK_VERSION } from "warden/sdk";
import { isMemberOf, parseArn } from "./arn.js";
import { alicloudLogin } from "./cli.js";
import { configPath, readConfig } from "./path-config.js";
import { loginPath } from "./path-login.js";
import { roleListPath, rolePath, rolesListPath } from "./path-role.js";
import { markTimeKeyedClaims } from "./replay-claim.js";
import { canonicalRoleName, getRole } from "./role-entry.js";
import { isStsHost } from "./sts-request.js";

/**
 * Renewal re-checks the grounds of the login without calling STS: the role still exists and the
 * caller's ARN (kept in the token's internal data) is still a session of the role's *current* ARN.
 * A role that was deleted, or re-pointed at another account or RAM role, ends its tokens' renewals.
 * The token settings come back from the role as it is now.
 */
export const renewAlicloud = renewFromRole("alicloud", async (req) => {
  const name = typeof req.internal.role_name === "string" ? canonicalRoleName(req.internal.role_name) : undefined;
  const callerArn = typeof req.internal.arn === "string" ? parseArn(req.internal.arn) : undefined;
  const role = name !== undefined && callerArn !== undefined ? await getRole(req.storage, name) : undefined;
  const bound = role ? parseArn(role.arn) : undefined;
  return { name, role: bound && isMemberOf(callerArn!, bound) ? role : undefined };
});

export const alicloudPlugin = definePlugin({
  type: "alicloud",
  sdkVersion: SDK_VERSION,
  description: "Alibaba Cloud RAM role sessions, proven by a signed STS GetCallerIdentity request",
  // The STS hosts a client may have signed for: sts.aliyuncs.com and sts[-vpc].<region>.aliyuncs.com.
  outboundHosts: [isStsHost],
  login: alicloudLogin,
  // Nothing is kept in memory per mount: every login reads its role and config from storage.
  setup: async ({ storage, clock, log }) => {
    try {
      await markTimeKeyedClaims(storage, clock.now());
    } catch (e) {
      // Logins then also claim the earlier key shape (replay-claim.ts): safe, only slower.
      log.warn("alicloud: could not record when replay claims became time-keyed", { error: e instanceof Error ? e.message : String(e) });
    }
    return {
      paths: [configPath, rolePath, roleListPath, rolesListPath, loginPath],
      renew: renewAlicloud,
      // An operator's sts_endpoint (emulator, private cloud) is allowed as written.
      configuredEndpoints: async () => [(await readConfig(storage)).sts_endpoint],
    };
  },
});

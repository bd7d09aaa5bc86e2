/**
 * The `approle` auth method, API-compatible with Vault's AppRole: machines log in with a role_id
 * (public, like a user name) and a secret_id (a limited-use, limited-life bearer secret), and get a
 * token shaped by the role. Written only against warden/sdk.
 */
import { definePlugin, renewFromRole, SDK_VERSION } from "warden/sdk";
import { approleLogin } from "./cli.js";
import { accessorDestroyPath, accessorLookupPath } from "./path-accessor.js";
import { loginPath } from "./path-login.js";
import { roleFieldPaths } from "./path-role-fields.js";
import { roleIdPath, roleListPath, rolePath } from "./path-role.js";
import { customSecretIdPath, secretIdDestroyPath, secretIdLookupPath, secretIdPath } from "./path-secret-id.js";
import { tidyPath } from "./path-tidy.js";
import { getRole } from "./role-entry.js";

/**
 * Renewal re-reads the role: a deleted role ends its tokens' renewals, and so does a role deleted and
 * re-created under the same name (a new incarnation has a new key id). TTLs come from the role as it
 * is now, as in Vault.
 */
export const renewAppRole = renewFromRole("approle", async (req) => {
  const name = typeof req.internal.role_name === "string" ? req.internal.role_name : undefined;
  const keyId = req.internal.role_key_id;
  const role = name !== undefined && typeof keyId === "string" ? await getRole(req.storage, name) : undefined;
  return { name, role: role?.keyId === keyId ? role : undefined };
});

export const approlePlugin = definePlugin({
  type: "approle",
  sdkVersion: SDK_VERSION,
  description: "Machines log in with a role_id and a limited-use secret_id",
  // AppRole checks everything against its own storage: it never calls out.
  outboundHosts: [],
  login: approleLogin,
  setup: () => ({
    // Literal patterns match first whatever the order; among patterns with captures the first match
    // wins, and none of these overlaps another (segments never contain "/").
    paths: [
      loginPath,
      roleListPath,
      rolePath,
      roleIdPath,
      secretIdPath,
      customSecretIdPath,
      secretIdLookupPath,
      secretIdDestroyPath,
      accessorLookupPath,
      accessorDestroyPath,
      ...roleFieldPaths,
      tidyPath(),
    ],
    renew: renewAppRole,
  }),
});

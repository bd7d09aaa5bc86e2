/**
 * The `oci` auth method: OCI API-key users (and instances) log in with an OCI signature v1 request,
 * verified by OCI itself either Vault's way (authenticateClient + filterGroupMembership) or
 * Infisical's way (GetUser replay), with the local checks both of them lack.
 */
import { definePlugin, renewFromRole, SDK_VERSION } from "warden/sdk";
import { ociLogin } from "./cli.js";
import { authOrigin, identityOrigin, readConfig } from "./config-entry.js";
import { configPath } from "./path-config.js";
import { loginPath } from "./path-login.js";
import { roleListPath, rolePath } from "./path-role.js";
import { serviceKeyCache } from "./request-signer.js";
import { canonicalRoleName, getRole, userAllowed } from "./role-entry.js";

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * Renewal re-checks the login's grounds without calling OCI: the mount is still configured in the
 * same mode for the same tenancy, the role still exists, and it still admits the principal (one of
 * the groups that matched at login is still in ocid_list; or the user is still allow-listed).
 */
export const renewOci = renewFromRole("oci", async (req) => {
  const name = canonicalRoleName(text(req.internal.role_name) ?? "");
  const principal = text(req.internal.principal_id);
  const mode = text(req.internal.mode);
  const cfg = await readConfig(req.storage);
  const role = name === undefined ? undefined : await getRole(req.storage, name);
  let ok = !!cfg && !!role && !!principal && cfg.mode === mode && cfg.home_tenancy_id === req.internal.tenancy_id;
  if (ok && mode === "authenticate_client") {
    const groups = Array.isArray(req.internal.groups) ? (req.internal.groups as unknown[]) : [];
    ok = groups.some((g) => typeof g === "string" && role!.ocid_list.includes(g));
  } else if (ok) {
    ok = userAllowed(role!, principal!, text(req.internal.user_name) ?? "");
  }
  return { name, role: ok ? role : undefined };
});

export const ociPlugin = definePlugin({
  type: "oci",
  sdkVersion: SDK_VERSION,
  description: "Oracle Cloud Infrastructure API-key principals, proven by an OCI signature v1 request",
  // Only the endpoints of the mount's own config: auth/identity.<region>.oraclecloud.com built from
  // its region, or the operator's auth_endpoint / identity_endpoint. A client never picks the host.
  outboundHosts: [],
  login: ociLogin,
  setup({ storage }) {
    // The mount's service key, parsed once: it lives (private key and all) only as long as the mount.
    const keys = serviceKeyCache();
    return {
      paths: [configPath, rolePath, roleListPath, loginPath(keys)],
      renew: renewOci,
      configuredEndpoints: async () => {
        const c = await readConfig(storage);
        return c ? [authOrigin(c), identityOrigin(c)] : [];
      },
      cleanup: () => keys.forget(),
    };
  },
});

/**
 * The `jwt` auth method (Vault's jwt method, role_type "jwt"): workloads log in with a JWT from an
 * external issuer (GitHub Actions, Kubernetes service accounts, any OIDC provider), verified against
 * the issuer's discovery document / JWKS or static PEM keys.
 */
import { canonicalRoleName, definePlugin, permissionDenied, SDK_VERSION, type PluginFactory, type RenewHandler } from "warden/sdk";
import { jwtLogin } from "./cli.js";
import { KeysetCache, type KeysetTiming } from "./keyset-cache.js";
import { CONFIG_KEY, configPath, configuredEndpoints } from "./path-config.js";
import { loginPath } from "./path-login.js";
import { roleListPath, rolePath } from "./path-role.js";
import { roleStore } from "./role-entry.js";

/**
 * Renewal (Vault's pathLoginRenew): the role must still exist; its current TTLs apply. The JWT
 * itself is not presented again, so nothing else of the login can be re-checked.
 */
export const renewJwt: RenewHandler = async (req) => {
  const raw = typeof req.internal.role === "string" ? req.internal.role : "";
  const name = canonicalRoleName(raw);
  const role = name === undefined ? undefined : await roleStore.get(req.storage, name);
  if (!role) {
    req.log.info("jwt: renewal refused, role no longer exists", { role: raw.slice(0, 128) });
    throw permissionDenied(`role ${raw.slice(0, 128)} does not exist during renewal`);
  }
  return { ttl: role.token.ttl, maxTtl: role.token.maxTtl, period: role.token.period };
};

export interface JwtPluginOptions {
  /** When a mount's key cache refetches (its clock is the server's: tests advance that one). */
  keys?: Partial<KeysetTiming>;
}

/** The jwt method; `options` tune its mounts' key caches (tests). */
export function createJwtPlugin(options: JwtPluginOptions = {}): PluginFactory {
  return definePlugin({
    type: "jwt",
    sdkVersion: SDK_VERSION,
    description: "JWTs from an external issuer (GitHub Actions, Kubernetes, any OIDC provider), verified by its keys",
    // No fixed hosts: keys come only from where the operator's config points (see path-config.ts).
    outboundHosts: [],
    login: jwtLogin,
    setup({ storage, clock }) {
      // The mount's verification keys: made here, gone with the instance.
      const keys = new KeysetCache(clock, options.keys);
      return {
        paths: [configPath(keys), rolePath, roleListPath, loginPath(keys)],
        renew: renewJwt,
        configuredEndpoints: () => configuredEndpoints(storage),
        // Another node wrote the config: its keys may come from elsewhere now.
        invalidate: (key) => {
          if (key === undefined || key === CONFIG_KEY) keys.forget();
        },
        cleanup: () => keys.forget(),
      };
    },
  });
}

export const jwtPlugin = createJwtPlugin();

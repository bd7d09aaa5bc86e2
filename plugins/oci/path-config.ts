/**
 * `config`: the home tenancy, the verification mode and where verification requests go. Endpoint
 * overrides are the operator's choice (emulators, private clouds), never the client's, and are held
 * to a bare origin. The service private key is write-only.
 */
import { badRequest, definePath, type PluginRequest } from "warden/sdk";
import {
  deleteConfig,
  MODES,
  putConfig,
  readConfig,
  validateEndpoint,
  validateHost,
  validatePrivateKey,
  validateRegion,
  validateServiceKeyId,
  validateTenancy,
  type ConfigEntry,
  type OciMode,
} from "./config-entry.js";

const fields = {
  home_tenancy_id: { type: "string", description: "OCID of the only tenancy whose principals may log in" },
  mode: { type: "string", allowedValues: MODES, description: "authenticate_client (Vault-compatible, default) or get_user" },
  region: { type: "string", description: "OCI region (us-ashburn-1): picks auth.<region> / identity.<region> hosts" },
  auth_endpoint: { type: "string", description: "Origin to send authenticateClient/filterGroupMembership to instead of auth.<region>.oraclecloud.com" },
  identity_endpoint: { type: "string", description: "Origin to send GetUser to instead of identity.<region>.oraclecloud.com" },
  expected_host: { type: "string", description: "Host the client must sign in authenticate_client mode (default: the Host it used)" },
  service_key_id: { type: "string", description: "warden's API key id (tenancy/user/fingerprint) for data-plane calls" },
  service_private_key: { type: "string", description: "PEM private key of service_key_id (write-only)" },
} as const;

type ConfigFields = typeof fields;

async function write(req: PluginRequest<ConfigFields>): Promise<void> {
  const existing = await readConfig(req.storage);
  if (!existing && req.operation === "update" && !req.has("home_tenancy_id")) throw badRequest("missing home_tenancy_id");
  const tenancy = req.has("home_tenancy_id") ? validateTenancy(req.data.home_tenancy_id ?? "") : existing?.home_tenancy_id;
  if (tenancy === undefined) throw badRequest("missing home_tenancy_id");
  const next: ConfigEntry = { ...existing, home_tenancy_id: tenancy, mode: existing?.mode ?? "authenticate_client" };
  if (req.has("mode")) next.mode = req.data.mode as OciMode;
  // Empty strings clear optional fields, as Vault fields do.
  const optional = <K extends keyof ConfigEntry>(key: K & keyof ConfigFields, check: (s: string) => ConfigEntry[K]): void => {
    if (!req.has(key)) return;
    const v = String(req.data[key] ?? "");
    if (v.trim() === "") delete next[key];
    else next[key] = check(v);
  };
  optional("region", validateRegion);
  optional("auth_endpoint", (s) => validateEndpoint(s, "auth_endpoint"));
  optional("identity_endpoint", (s) => validateEndpoint(s, "identity_endpoint"));
  optional("expected_host", validateHost);
  optional("service_key_id", validateServiceKeyId);
  optional("service_private_key", validatePrivateKey);
  if (next.mode === "get_user" && !next.region) throw badRequest("get_user mode needs region (the signed host is identity.<region>.oraclecloud.com)");
  if (next.mode === "authenticate_client" && !next.region && !next.auth_endpoint) {
    throw badRequest("authenticate_client mode needs region or auth_endpoint");
  }
  if (next.service_key_id && next.service_key_id.split("/")[0] !== tenancy) {
    throw badRequest("service_key_id must belong to home_tenancy_id");
  }
  await putConfig(req.storage, next);
}

export const configPath = definePath({
  pattern: "config",
  fields,
  existenceCheck: async (req) => (await readConfig(req.storage)) !== undefined,
  operations: {
    read: async (req) => {
      const c = await readConfig(req.storage);
      if (!c) return;
      return {
        data: {
          home_tenancy_id: c.home_tenancy_id,
          mode: c.mode,
          region: c.region ?? "",
          auth_endpoint: c.auth_endpoint ?? "",
          identity_endpoint: c.identity_endpoint ?? "",
          expected_host: c.expected_host ?? "",
          service_key_id: c.service_key_id ?? "",
          service_private_key_set: c.service_private_key !== undefined,
        },
      };
    },
    create: write,
    update: write,
    delete: async (req) => deleteConfig(req.storage),
  },
  help: "The home tenancy, the verification mode (authenticate_client or get_user) and the OCI endpoints.",
});

/**
 * The directories an audit device enabled over the API may not write into: every place whose files
 * this server trusts or guards. Plugin code, the database, TLS keys, the config file and the policy
 * files would turn an audit line into code, a forged policy or a stolen key; the server's own
 * installation would turn it into code at the next start. Devices declared in the config file are
 * not held to this list (the operator chose the path).
 */
import { dirname } from "node:path";
import type { ServerConfig } from "../config/server-config.js";
import type { ProtectedDir } from "../core/audit/device-rules.js";
import { packageRoot } from "../core/plugins/loader.js";

export function protectedAuditDirs(config: ServerConfig, policyDir: string | null): ProtectedDir[] {
  const out: ProtectedDir[] = [];
  if (config.pluginDirectory) out.push({ dir: config.pluginDirectory, what: "the plugin directory" });
  if (config.storage.type === "sqlite") out.push({ dir: dirname(config.storage.path), what: "the storage directory" });
  for (const l of config.listeners) {
    for (const f of [l.tlsCertFile, l.tlsKeyFile]) if (f) out.push({ dir: dirname(f), what: "the directory of a TLS certificate or key" });
  }
  if (config.configFile) out.push({ dir: dirname(config.configFile), what: "the directory of the server config file" });
  if (policyDir) out.push({ dir: policyDir, what: "the policy directory" });
  out.push({ dir: packageRoot(), what: "the server's installation directory" });
  return out;
}

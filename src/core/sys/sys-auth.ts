import { badRequest } from "../../sdk/errors.js";
import { parseDurationSeconds } from "../../sdk/fields.js";
import { type AnyCorePath, corePath } from "../framework/core-path.js";
import { type MountEntry, type MountTable, canonicalAuthPath } from "../mounts/mount-table.js";
import type { TokenService } from "../tokens/token-service.js";
import { effectiveLimits } from "../tokens/ttl.js";

const enableFields = {
  path: { type: "string" },
  type: { type: "string" },
  description: { type: "string" },
  config: { type: "map" },
  options: { type: "map" },
  local: { type: "bool" },
  seal_wrap: { type: "bool" },
  external_entropy_access: { type: "bool" },
  plugin_name: { type: "string" },
} as const;

const tuneFields = {
  path: { type: "string" },
  default_lease_ttl: { type: "string" },
  max_lease_ttl: { type: "string" },
  description: { type: "string" },
  token_type: { type: "string" },
  user_lockout_config: { type: "map" },
} as const;

/** "" keeps, "system" (or 0) inherits, anything else is a duration. */
function ttlSetting(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (value === "system") return 0;
  return parseDurationSeconds(value, name);
}

function mountConfig(raw: Record<string, unknown>, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const config: Record<string, unknown> = { ...previous };
  const def = ttlSetting(raw.default_lease_ttl, "default_lease_ttl");
  const max = ttlSetting(raw.max_lease_ttl, "max_lease_ttl");
  if (def !== undefined) config.default_lease_ttl = def;
  if (max !== undefined) config.max_lease_ttl = max;
  const d = Number(config.default_lease_ttl ?? 0);
  const m = Number(config.max_lease_ttl ?? 0);
  if (d > 0 && m > 0 && d > m) throw badRequest("given default lease TTL greater than given max lease TTL");
  if (raw.token_type !== undefined && raw.token_type !== "") {
    if (!["default-service", "service"].includes(String(raw.token_type))) throw badRequest(`invalid token_type "${String(raw.token_type).slice(0, 20)}"`);
    config.token_type = raw.token_type;
  }
  if (raw.user_lockout_config !== undefined) config.user_lockout_config = lockoutSetting(raw.user_lockout_config);
  return config;
}

/** Vault's user_lockout_config, validated here so a bad value never reaches a login. */
function lockoutSetting(raw: unknown): Record<string, unknown> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw badRequest("user_lockout_config must be a map");
  const c = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    switch (k) {
      case "lockout_threshold": {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw badRequest("lockout_threshold must be an integer from 1 to 1000");
        out[k] = n;
        break;
      }
      case "lockout_duration":
      case "lockout_counter_reset":
        out[k] = parseDurationSeconds(v, k);
        break;
      case "disable_lockout":
        out[k] = v === true || v === "true";
        break;
      default:
        throw badRequest(`unknown user_lockout_config key "${k.slice(0, 40)}"`);
    }
  }
  return out;
}

function mountView(entry: MountEntry): Record<string, unknown> {
  const r = entry.record;
  return {
    type: r.type,
    description: r.description,
    accessor: r.accessor,
    local: false,
    seal_wrap: false,
    external_entropy_access: false,
    options: Object.keys(r.options).length ? r.options : null,
    uuid: r.uuid,
    plugin_version: entry.running.external ? entry.running.version : "",
    running_plugin_version: entry.running.external ? entry.running.version : "builtin",
    running_sha256: entry.running.sha256,
    // Whether the mount's plugin is serving here; a failed one keeps its path and says why.
    plugin_status: !entry.builtin && entry.failed !== undefined ? "failed" : "running",
    ...(!entry.builtin && entry.failed !== undefined ? { plugin_error: entry.failed } : {}),
    config: {
      default_lease_ttl: Number(r.config.default_lease_ttl ?? 0),
      max_lease_ttl: Number(r.config.max_lease_ttl ?? 0),
      force_no_cache: false,
      token_type: String(r.config.token_type ?? "default-service"),
    },
  };
}

function tuneView(entry: MountEntry, tokens: TokenService): Record<string, unknown> {
  const limits = effectiveLimits(tokens.systemLimits, entry.limits);
  return {
    description: entry.record.description,
    default_lease_ttl: limits.defaultTtl,
    max_lease_ttl: limits.maxTtl,
    force_no_cache: false,
    token_type: String(entry.record.config.token_type ?? "default-service"),
    user_lockout_config: entry.record.config.user_lockout_config ?? null,
  };
}

/** sys/auth and the tune endpoints: enabling, listing, reading, tuning and disabling auth methods. */
export function sysAuthPaths(mounts: MountTable, tokens: TokenService): AnyCorePath[] {
  const lookup = (path: string): MountEntry => {
    const entry = mounts.get(canonicalAuthPath(path));
    if (!entry) throw badRequest(`No auth engine at ${path.replace(/\/$/, "")}`);
    return entry;
  };
  const tune = corePath({
    pattern: "",
    fields: tuneFields,
    operations: {
      read: async (req) => ({ data: tuneView(lookup(req.data.path!), tokens) }),
      update: async (req) => {
        const entry = lookup(req.data.path!);
        const config = mountConfig(req.data as Record<string, unknown>, entry.record.config);
        await mounts.tune(entry.record.path, { description: req.data.description, config });
      },
    },
  });
  return [
    corePath({
      pattern: "auth/?", help: "List the enabled auth methods.",
      fields: {},
      operations: {
        read: async () => ({ data: Object.fromEntries(mounts.authMounts().map((e) => [e.record.path.slice(5), mountView(e)])) }),
      },
    }),
    { ...tune, pattern: "auth/:path*/tune", help: "Read or tune an auth method's settings (TTLs, description, token type, lockout).", sudo: true },
    { ...tune, pattern: "mounts/auth/:path*/tune", help: "Read or tune an auth method's settings (Vault's mounts/auth alias)." },
    corePath({
      pattern: "auth/:path*", help: "Enable, read or disable an auth method at a path.",
      fields: enableFields,
      sudo: true,
      operations: {
        read: async (req) => ({ data: mountView(lookup(req.data.path!)) }),
        update: async (req) => {
          const d = req.data;
          const type = d.type === "plugin" ? d.plugin_name : d.type;
          if (!type) throw badRequest("missing type");
          await mounts.enable({
            path: d.path!,
            type,
            description: d.description ?? "",
            config: mountConfig(d.config ?? {}),
            options: { ...(d.options ?? {}) },
          });
        },
        delete: async (req) => {
          await mounts.disable(req.data.path!);
        },
      },
    }),
  ];
}

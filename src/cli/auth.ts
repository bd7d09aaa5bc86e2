// `warden auth enable|list|disable|tune`: managing auth mounts through sys/auth and
// sys/mounts/auth/<path>/tune, with the bodies the vault CLI sends.
import { durationSeconds, UsageError } from "./args.js";
import { clientFor, CONNECTION_FLAGS, expectArgs, formatOf, FORMAT_FLAGS, type Command } from "./command.js";
import { columns, humanDuration, toJson } from "./format.js";

/** Mount paths are shown and compared with exactly one trailing slash, as Vault does. */
function mountPath(p: string): string {
  return p.replace(/^\/+|\/+$/g, "");
}

/** Vault's CLI sends Go's Duration.String(): "1h0m0s", and "0s" when unset. */
function goDuration(value: string | undefined, flag: string): string {
  if (!value) return "0s";
  const secs = durationSeconds(value, flag);
  if (secs === 0) return "0s";
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

export const authEnableCommand: Command = {
  name: "auth enable",
  usage: "[options] TYPE",
  summary: "Enable an auth method",
  help: `Enables an auth method of TYPE at -path (default: TYPE) with POST sys/auth/PATH.

    $ warden auth enable alicloud
    $ warden auth enable -path=ali-prod -default-lease-ttl=30m alicloud`,
  flags: {
    ...CONNECTION_FLAGS,
    path: { kind: "string", usage: "Mount path (default: the type)." },
    description: { kind: "string", usage: "Human-readable description." },
    "default-lease-ttl": { kind: "string", usage: "Default TTL of tokens issued by this mount (default: system)." },
    "max-lease-ttl": { kind: "string", usage: "Maximum TTL of tokens issued by this mount (default: system)." },
    local: { kind: "bool", usage: "Mark the mount local (not replicated)." },
  },
  async run(args, ctx) {
    const [type] = expectArgs(args, 1, 1, "TYPE");
    const path = mountPath(args.strings.path || type!);
    if (path === "") throw new UsageError("the mount path cannot be empty");
    const body = {
      type,
      description: args.strings.description ?? "",
      local: args.bools.local,
      seal_wrap: false,
      external_entropy_access: false,
      config: {
        default_lease_ttl: goDuration(args.strings["default-lease-ttl"], "default-lease-ttl"),
        max_lease_ttl: goDuration(args.strings["max-lease-ttl"], "max-lease-ttl"),
      },
      options: null,
    };
    ctx.doing = "enabling";
    await clientFor(args, ctx).request("POST", `sys/auth/${path}`, { body });
    ctx.io.out(`Success! Enabled ${type} auth method at: ${path}/\n`);
    return 0;
  },
};

interface AuthMount {
  type?: string;
  accessor?: string;
  description?: string;
  plugin_version?: string;
  config?: { default_lease_ttl?: number; max_lease_ttl?: number; token_type?: string };
}

/** The mount table from GET sys/auth: prefer `data`, fall back to the top-level copy older servers send. */
function mountTable(body: unknown): Record<string, AuthMount> {
  const b = (body ?? {}) as Record<string, unknown>;
  const data = b.data && typeof b.data === "object" ? (b.data as Record<string, unknown>) : b;
  const out: Record<string, AuthMount> = {};
  for (const [k, v] of Object.entries(data)) if (k.endsWith("/") && v && typeof v === "object") out[k] = v as AuthMount;
  return out;
}

export const authListCommand: Command = {
  name: "auth list",
  usage: "[options]",
  summary: "List enabled auth methods",
  help: "Lists the enabled auth methods (GET sys/auth). -detailed adds TTLs and token type.",
  flags: { ...CONNECTION_FLAGS, ...FORMAT_FLAGS, detailed: { kind: "bool", usage: "Show TTLs and token type too." } },
  async run(args, ctx) {
    expectArgs(args, 0, 0, "no arguments");
    ctx.doing = "listing enabled authentications";
    const res = await clientFor(args, ctx).request("GET", "sys/auth");
    const mounts = mountTable(res.body);
    if (formatOf(args) === "json") {
      ctx.io.out(toJson(mounts) + "\n");
      return 0;
    }
    const paths = Object.keys(mounts).sort();
    const na = (s: string | undefined): string => (s ? s : "n/a");
    const ttl = (n: number | undefined): string => (n ? humanDuration(n) : "system");
    const rows = args.bools.detailed
      ? [
          ["Path", "Type", "Accessor", "Default TTL", "Max TTL", "Token Type", "Description"],
          ["----", "----", "--------", "-----------", "-------", "----------", "-----------"],
          ...paths.map((p) => {
            const m = mounts[p]!;
            return [p, na(m.type), na(m.accessor), ttl(m.config?.default_lease_ttl), ttl(m.config?.max_lease_ttl), na(m.config?.token_type), na(m.description)];
          }),
        ]
      : [
          ["Path", "Type", "Accessor", "Description", "Version"],
          ["----", "----", "--------", "-----------", "-------"],
          ...paths.map((p) => {
            const m = mounts[p]!;
            return [p, na(m.type), na(m.accessor), na(m.description), na(m.plugin_version)];
          }),
        ];
    ctx.io.out(columns(rows) + "\n");
    return 0;
  },
};

export const authDisableCommand: Command = {
  name: "auth disable",
  usage: "[options] PATH",
  summary: "Disable an auth method",
  help: "Disables the auth method at PATH (DELETE sys/auth/PATH) and revokes every token it issued.",
  flags: { ...CONNECTION_FLAGS },
  async run(args, ctx) {
    const [raw] = expectArgs(args, 1, 1, "PATH");
    const path = mountPath(raw!);
    ctx.doing = `disabling auth method at ${path}`;
    await clientFor(args, ctx).request("DELETE", `sys/auth/${path}`);
    ctx.io.out(`Success! Disabled the auth method (if it existed) at: ${path}/\n`);
    return 0;
  },
};

/** Tune TTLs: unset -> "" (keep), "system" or -1 -> "system" (back to the default), else Go duration. */
function tuneTtl(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") return "";
  if (value === "system" || value === "-1") return "system";
  return goDuration(value, flag);
}

export const authTuneCommand: Command = {
  name: "auth tune",
  usage: "[options] PATH",
  summary: "Tune an auth method's settings",
  help: `Changes the settings of the auth method at PATH (POST sys/mounts/auth/PATH/tune). Unset options
are left unchanged; "system" resets a TTL to the server default.

    $ warden auth tune -max-lease-ttl=4h alicloud`,
  flags: {
    ...CONNECTION_FLAGS,
    "default-lease-ttl": { kind: "string", usage: 'Default TTL, or "system".' },
    "max-lease-ttl": { kind: "string", usage: 'Maximum TTL, or "system".' },
    description: { kind: "string", usage: "New description." },
  },
  async run(args, ctx) {
    const [raw] = expectArgs(args, 1, 1, "PATH");
    const path = mountPath(raw!);
    const body: Record<string, unknown> = {
      default_lease_ttl: tuneTtl(args.strings["default-lease-ttl"], "default-lease-ttl"),
      max_lease_ttl: tuneTtl(args.strings["max-lease-ttl"], "max-lease-ttl"),
    };
    if (args.given.has("description")) body.description = args.strings.description ?? "";
    ctx.doing = "tuning auth method";
    await clientFor(args, ctx).request("POST", `sys/mounts/auth/${path}/tune`, { body });
    ctx.io.out(`Success! Tuned the auth method at: ${path}/\n`);
    return 0;
  },
};

// `warden audit enable|list|disable`: audit devices under sys/audit, with Vault's body shape
// {"type", "description", "options": {...}, "local"}.
import { parseKeyValues, UsageError } from "./args.js";
import { clientFor, CONNECTION_FLAGS, expectArgs, formatOf, FORMAT_FLAGS, type Command } from "./command.js";
import { columns, toJson } from "./format.js";

export const auditEnableCommand: Command = {
  name: "audit enable",
  usage: "[options] TYPE [KEY=VALUE...]",
  summary: "Enable an audit device",
  help: `Enables an audit device of TYPE at -path (default: TYPE) with PUT sys/audit/PATH; KEY=VALUE
arguments become the device options.

    $ warden audit enable file file_path=/var/log/warden/audit.log`,
  flags: {
    ...CONNECTION_FLAGS,
    path: { kind: "string", usage: "Device path (default: the type)." },
    description: { kind: "string", usage: "Human-readable description." },
    local: { kind: "bool", usage: "Mark the device local (not replicated)." },
  },
  async run(args, ctx) {
    const [type, ...kv] = expectArgs(args, 1, Infinity, "TYPE [KEY=VALUE...]");
    const path = (args.strings.path || type!).replace(/^\/+|\/+$/g, "");
    if (path === "") throw new UsageError("the device path cannot be empty");
    const options = await parseKeyValues(kv, ctx.stdin);
    for (const [k, v] of Object.entries(options)) if (typeof v !== "string") throw new UsageError(`option ${k} must be given once`);
    const body = { type, description: args.strings.description ?? "", options, local: args.bools.local };
    ctx.doing = "enabling audit device";
    await clientFor(args, ctx).request("PUT", `sys/audit/${path}`, { body });
    ctx.io.out(`Success! Enabled the ${type} audit device at: ${path}/\n`);
    return 0;
  },
};

interface AuditDevice {
  type?: string;
  description?: string;
  path?: string;
  options?: Record<string, string>;
}

export const auditListCommand: Command = {
  name: "audit list",
  usage: "[options]",
  summary: "List audit devices",
  help: "Lists the enabled audit devices (GET sys/audit). -detailed shows their options.",
  flags: { ...CONNECTION_FLAGS, ...FORMAT_FLAGS, detailed: { kind: "bool", usage: "Show each device's options." } },
  async run(args, ctx) {
    expectArgs(args, 0, 0, "no arguments");
    ctx.doing = "listing audits";
    const res = await clientFor(args, ctx).request("GET", "sys/audit");
    const b = (res.body ?? {}) as Record<string, unknown>;
    const data = (b.data && typeof b.data === "object" ? b.data : b) as Record<string, unknown>;
    const devices: Record<string, AuditDevice> = {};
    for (const [k, v] of Object.entries(data)) if (k.endsWith("/") && v && typeof v === "object") devices[k] = v as AuditDevice;
    if (formatOf(args) === "json") {
      ctx.io.out(toJson(devices) + "\n");
      return 0;
    }
    const paths = Object.keys(devices).sort();
    if (paths.length === 0) {
      ctx.io.out("No audit devices are enabled.\n");
      return 2;
    }
    const na = (s: string | undefined): string => (s ? s : "n/a");
    const header = args.bools.detailed ? ["Path", "Type", "Description", "Options"] : ["Path", "Type", "Description"];
    const rows = paths.map((p) => {
      const d = devices[p]!;
      const row = [p, na(d.type), na(d.description)];
      if (args.bools.detailed) {
        const opts = Object.entries(d.options ?? {}).sort(([a], [c]) => (a < c ? -1 : 1));
        row.push(`map[${opts.map(([k, v]) => `${k}:${v}`).join(" ")}]`);
      }
      return row;
    });
    ctx.io.out(columns([header, header.map((h) => "-".repeat(h.length)), ...rows]) + "\n");
    return 0;
  },
};

export const auditDisableCommand: Command = {
  name: "audit disable",
  usage: "[options] PATH",
  summary: "Disable an audit device",
  help: "Disables the audit device at PATH (DELETE sys/audit/PATH).",
  flags: { ...CONNECTION_FLAGS },
  async run(args, ctx) {
    const [raw] = expectArgs(args, 1, 1, "PATH");
    const path = raw!.replace(/^\/+|\/+$/g, "");
    ctx.doing = "disabling audit device";
    await clientFor(args, ctx).request("DELETE", `sys/audit/${path}`);
    ctx.io.out(`Success! Disabled audit device (if it was enabled) at: ${path}/\n`);
    return 0;
  },
};

// The shape every command shares: its flags, its help text, and one run() that returns an exit
// code. runCommand() owns the parts that must be uniform across commands: -h/--help, usage errors
// (exit 1), and request failures printed as "Error <doing>: <Vault-style API error>" (exit 1).
import { durationSeconds, parseArgs, UsageError, type FlagSpecs, type ParsedArgs, type StdinReader } from "./args.js";
import { ApiError, Client, resolveAddress, resolveToken, TransportError, type Env } from "./client.js";
import { outputFormat, type OutputFormat } from "./format.js";

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface Ctx {
  io: Io;
  env: Env;
  stdin: StdinReader;
  /** What the command is doing right now, for the "Error <doing>: ..." line if a request fails. */
  doing: string;
}

export interface Command {
  /** Full name as typed, e.g. "token create". */
  name: string;
  /** Positional part of the usage line, e.g. "[options] PATH [K=V...]". */
  usage: string;
  summary: string;
  /** Longer explanation and examples; plain text. */
  help: string;
  flags: FlagSpecs;
  /** Loads what the command needs beyond the CLI's core (plugin code), before its help or run. */
  prepare?(): Promise<void>;
  run(args: ParsedArgs, ctx: Ctx): Promise<number>;
}

/** Flags every command that talks to the server accepts. */
export const CONNECTION_FLAGS: FlagSpecs = {
  address: { kind: "string", usage: "Server address; overrides WARDEN_ADDR and VAULT_ADDR (default http://127.0.0.1:8200)." },
};

export const FORMAT_FLAGS: FlagSpecs = {
  format: { kind: "string", usage: 'Output format: "table" (default) or "json". Also WARDEN_FORMAT / VAULT_FORMAT.' },
};

export const FIELD_FLAGS: FlagSpecs = {
  field: { kind: "string", usage: "Print only this field's value, with no table around it." },
};

/** For the commands that send requests generically (read, write, list, delete, unwrap), as in Vault. */
export const WRAP_FLAGS: FlagSpecs = {
  "wrap-ttl": {
    kind: "string",
    usage:
      'Wrap the response in a single-use token with this TTL ("90", "5m"); read it with "warden unwrap". ' +
      "Also WARDEN_WRAP_TTL / VAULT_WRAP_TTL.",
  },
};

export function clientFor(args: ParsedArgs, ctx: Ctx, opts: { wrap?: boolean } = {}): Client {
  return new Client(resolveAddress(args.strings.address, ctx.env), resolveToken(ctx.env), opts.wrap ? wrapTtlOf(args, ctx) : undefined);
}

/** -wrap-ttl, then WARDEN_WRAP_TTL, then VAULT_WRAP_TTL, sent as whole seconds; zero means none. */
function wrapTtlOf(args: ParsedArgs, ctx: Ctx): string | undefined {
  const flag = args.strings["wrap-ttl"];
  const value = flag ?? ctx.env.WARDEN_WRAP_TTL ?? ctx.env.VAULT_WRAP_TTL;
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = durationSeconds(value, flag === undefined ? "wrap-ttl (from the environment)" : "wrap-ttl");
  // Never send the request unwrapped when wrapping was asked for: a sub-second TTL is an error.
  if (seconds === 0 && /[1-9]/.test(value)) throw new UsageError(`-wrap-ttl must be at least one second, got "${value}"`);
  return seconds > 0 ? `${seconds}s` : undefined;
}

export function formatOf(args: ParsedArgs): OutputFormat {
  try {
    return outputFormat(args.strings.format);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function helpText(cmd: Command): string {
  const lines = [`Usage: warden ${cmd.name} ${cmd.usage}`.trimEnd(), "", indent(cmd.help.trim(), 2)];
  const names = Object.keys(cmd.flags).sort();
  if (names.length > 0) {
    lines.push("", "Options:", "");
    for (const n of names) {
      const spec = cmd.flags[n]!;
      const shape = spec.kind === "bool" ? `-${n}` : spec.kind === "map" ? `-${n}=<key=value>` : `-${n}=<string>`;
      const repeat = spec.kind === "list" || spec.kind === "map" ? " May be repeated." : "";
      lines.push(`  ${shape}`, `      ${spec.usage}${repeat}`, "");
    }
  }
  return lines.join("\n").trimEnd() + "\n";
}

function indent(text: string, n: number): string {
  const pad = " ".repeat(n);
  return text
    .split("\n")
    .map((l) => (l === "" ? l : pad + l))
    .join("\n");
}

export async function runCommand(cmd: Command, argv: readonly string[], ctx: Ctx): Promise<number> {
  await cmd.prepare?.();
  if (argv.some((a) => a === "-h" || a === "--help" || a === "-help")) {
    ctx.io.out(helpText(cmd));
    return 0;
  }
  try {
    const args = parseArgs(argv, cmd.flags);
    return await cmd.run(args, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.io.err(`${e.message}\n\n${helpText(cmd)}`);
      return 1;
    }
    if (e instanceof ApiError || e instanceof TransportError) {
      ctx.io.err(`Error ${ctx.doing}: ${e.message}\n`);
      return 1;
    }
    ctx.io.err(`Error ${ctx.doing}: ${(e as Error).message}\n`);
    return 1;
  }
}

/** Refuse stray positional arguments rather than silently ignoring them. */
export function expectArgs(args: ParsedArgs, min: number, max: number, what: string): string[] {
  const p = args.positional;
  if (p.length < min) throw new UsageError(`Not enough arguments (expected ${what}, got ${p.length})`);
  if (p.length > max) throw new UsageError(`Too many arguments (expected ${what}, got ${p.length})`);
  return p;
}

// Vault-style command-line parsing. Vault uses Go's flag package: `-flag=value`, `-flag value`,
// `--flag` are all the same flag, booleans take no separate value, and string-slice flags split on
// commas and may repeat. Unlike Go's parser we accept known flags after positional arguments too,
// because operators routinely write `warden login -method=alicloud role=r -path=ali`.
import { readFile } from "node:fs/promises";
import { readBool } from "../sdk/fields.js";

export class UsageError extends Error {}

export type FlagKind = "string" | "bool" | "list" | "map";

export interface FlagSpec {
  kind: FlagKind;
  /** One line for the help text. */
  usage: string;
  default?: string | boolean;
  /** A short spelling Vault also accepts (-f for -force). */
  alias?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface ParsedArgs {
  strings: Record<string, string>;
  bools: Record<string, boolean>;
  lists: Record<string, string[]>;
  maps: Record<string, Record<string, string>>;
  /** Which flags the user actually gave (so "unset" differs from "set to the default"). */
  given: Set<string>;
  positional: string[];
}

/** Parse argv against the command's flag specs. Unknown flags are a usage error, as in Vault. */
export function parseArgs(argv: readonly string[], specs: FlagSpecs): ParsedArgs {
  const out: ParsedArgs = { strings: {}, bools: {}, lists: {}, maps: {}, given: new Set(), positional: [] };
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.kind === "bool") out.bools[name] = spec.default === true;
    else if (spec.kind === "string" && typeof spec.default === "string") out.strings[name] = spec.default;
  }
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // A lone "-" means "stdin" and "--" ends flag parsing; neither is a flag.
    if (onlyPositional || arg === "-" || !arg.startsWith("-")) {
      out.positional.push(arg);
      continue;
    }
    if (arg === "--") {
      onlyPositional = true;
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const written = eq === -1 ? body : body.slice(0, eq);
    const name = specs[written] ? written : (Object.keys(specs).find((k) => specs[k]!.alias === written) ?? written);
    let value: string | undefined = eq === -1 ? undefined : body.slice(eq + 1);
    const spec = specs[name];
    if (!spec) throw new UsageError(`flag provided but not defined: -${name}`);
    out.given.add(name);
    if (spec.kind === "bool") {
      if (value === undefined) out.bools[name] = true;
      else {
        // The one boolean reading (the SDK's, as for API fields and the config file).
        const b = readBool(value);
        if (b === undefined) throw new UsageError(`invalid boolean value "${value}" for -${name}`);
        out.bools[name] = b;
      }
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
      value = argv[++i]!;
    }
    if (spec.kind === "string") out.strings[name] = value;
    else if (spec.kind === "list") {
      const parts = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
      (out.lists[name] ??= []).push(...parts);
    } else {
      const kv = value.indexOf("=");
      if (kv <= 0) throw new UsageError(`-${name} expects key=value, got "${value}"`);
      (out.maps[name] ??= {})[value.slice(0, kv)] = value.slice(kv + 1);
    }
  }
  return out;
}

/** Reads stdin at most once; a second "-" would otherwise see an empty stream and silently send "". */
export class StdinReader {
  private used = false;
  constructor(private readonly read: () => Promise<string> = readAllStdin) {}
  async take(what: string): Promise<string> {
    if (this.used) throw new UsageError(`stdin was already consumed; cannot also read ${what} from it`);
    this.used = true;
    return this.read();
  }
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export type KvValue = string | string[] | unknown;

/**
 * Turn `k=v` arguments into a request body the way Vault's kv-builder does: every value is a
 * string, `k=@file` reads the file, `k=-` reads stdin, a lone `-` merges a JSON object from stdin,
 * and a repeated key becomes an array. `\@x` sends a literal "@x".
 */
export async function parseKeyValues(args: readonly string[], stdin: StdinReader): Promise<Record<string, KvValue>> {
  const out: Record<string, KvValue> = {};
  const add = (key: string, value: unknown): void => {
    if (!(key in out)) out[key] = value;
    else if (Array.isArray(out[key])) (out[key] as unknown[]).push(value);
    else out[key] = [out[key], value];
  };
  for (const arg of args) {
    if (arg === "-") {
      const text = await stdin.take("JSON data");
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new UsageError(`failed to parse JSON from stdin: ${(e as Error).message}`);
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new UsageError("JSON from stdin must be an object");
      }
      for (const [k, v] of Object.entries(parsed)) add(k, v);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new UsageError(`invalid key/value pair "${arg}": format must be key=value`);
    const key = arg.slice(0, eq);
    let value = arg.slice(eq + 1);
    if (value === "-") value = await stdin.take(`the value of ${key}`);
    else if (value.startsWith("@")) {
      const file = value.slice(1);
      try {
        value = await readFile(file, "utf8");
      } catch (e) {
        throw new UsageError(`error reading file for ${key}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} ${file}`);
      }
    } else if (value.startsWith("\\@")) value = value.slice(1);
    add(key, value);
  }
  return out;
}

/** Go's time.ParseDuration plus bare seconds, to whole seconds; used for -ttl style flags. */
export function durationSeconds(value: string, flag: string): number {
  const s = value.trim();
  if (/^\d+$/.test(s)) return Number.parseInt(s, 10);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    total += Number.parseFloat(m[1]!) * unit[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== s.length) throw new UsageError(`invalid duration "${value}" for -${flag}`);
  return Math.floor(total);
}

// Output in Vault's shapes: aligned "Key  Value" tables (4-space gutter, "n/a" for empty cells),
// Go-style durations ("768h", "1h30m"), and -format=json as indented JSON.
import type { WrapInfo } from "../core/framework/response-envelope.js";

export type OutputFormat = "table" | "json";

export function outputFormat(flag: string | undefined): OutputFormat {
  const f = (flag ?? process.env.WARDEN_FORMAT ?? process.env.VAULT_FORMAT ?? "table").toLowerCase();
  if (f === "table" || f === "json") return f;
  throw new Error(`invalid output format: ${f} (use table or json)`);
}

/** Columns aligned with a 4-space gutter, like the columnize config the vault CLI uses. */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join("    ")
        .trimEnd(),
    )
    .join("\n");
}

/** A Key/Value table; pairs keep the given order. */
export function kvTable(pairs: readonly [string, unknown][]): string {
  return columns([["Key", "Value"], ["---", "-----"], ...pairs.map(([k, v]) => [k, cell(v)])]);
}

/** Render one value the way Go's %v does for the types Vault prints. */
export function cell(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v === "" ? "n/a" : v;
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === "string" ? x : cell(x))).join(" ")}]`;
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${typeof x === "string" ? x : cell(x)}`).join(" ")}]`;
  }
  return String(v);
}

/** Go's time.Duration.String() for whole seconds, trimmed the way the vault CLI trims it ("1h0m0s" -> "1h"). */
export function humanDuration(seconds: number): string {
  if (!seconds) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  let out = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  if (out.endsWith("m0s")) out = out.slice(0, -2);
  out = out.replace(/h0m$/, "h");
  return out;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

interface AuthBlock {
  client_token?: string;
  accessor?: string;
  lease_duration?: number;
  renewable?: boolean;
  policies?: string[] | null;
  token_policies?: string[] | null;
  identity_policies?: string[] | null;
  metadata?: Record<string, string> | null;
}

/** The rows Vault prints for a response carrying an `auth` block (login, token create/renew, write). */
export function authRows(auth: AuthBlock, opts: { showToken: boolean }): [string, unknown][] {
  const rows: [string, unknown][] = [];
  if (opts.showToken) rows.push(["token", auth.client_token ?? ""]);
  rows.push(["token_accessor", auth.accessor ?? ""]);
  // Vault shows a token with no TTL (root) as infinite.
  rows.push(["token_duration", auth.lease_duration ? humanDuration(auth.lease_duration) : "∞"]);
  rows.push(["token_renewable", auth.renewable ?? false]);
  rows.push(["token_policies", auth.token_policies ?? auth.policies ?? []]);
  rows.push(["identity_policies", auth.identity_policies ?? []]);
  rows.push(["policies", auth.policies ?? []]);
  for (const [k, v] of Object.entries(auth.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    rows.push([`token_meta_${k}`, v]);
  }
  return rows;
}

export interface SecretLike {
  lease_id?: string;
  lease_duration?: number;
  renewable?: boolean;
  data?: Record<string, unknown> | null;
  auth?: AuthBlock | null;
  warnings?: string[] | null;
  wrap_info?: WrapInfo | null;
}

/** The -field names of a wrapped answer and their raw values (Vault's RawSecretField). */
function wrapFields(w: WrapInfo): [string, unknown][] {
  const out: [string, unknown][] = [
    ["wrapping_token", w.token],
    ["wrapping_accessor", w.accessor],
    ["wrapping_token_ttl", w.ttl],
    ["wrapping_token_creation_time", w.creation_time],
    ["wrapping_token_creation_path", w.creation_path],
  ];
  if (w.wrapped_accessor) out.push(["wrapped_accessor", w.wrapped_accessor]);
  return out;
}

export function wrapFieldValue(secret: SecretLike, field: string): string | undefined {
  if (!secret.wrap_info) return undefined;
  const hit = wrapFields(secret.wrap_info).find(([k]) => k === field);
  return hit === undefined ? undefined : String(hit[1]);
}

/** Rows for a generic response: lease info first (only when there is a lease), then auth, then data sorted by key. */
export function secretRows(secret: SecretLike, opts: { showToken: boolean }): [string, unknown][] {
  const rows: [string, unknown][] = [];
  if (secret.lease_duration && secret.lease_duration > 0) {
    if (secret.lease_id) {
      rows.push(["lease_id", secret.lease_id]);
      rows.push(["lease_duration", humanDuration(secret.lease_duration)]);
      rows.push(["lease_renewable", secret.renewable ?? false]);
    } else rows.push(["refresh_interval", humanDuration(secret.lease_duration)]);
  }
  if (secret.auth) rows.push(...authRows(secret.auth, opts));
  // Vault's table labels these rows with a trailing colon (and -field takes them without it).
  if (secret.wrap_info) {
    for (const [k, v] of wrapFields(secret.wrap_info)) rows.push([`${k}:`, k === "wrapping_token_ttl" ? humanDuration(Number(v)) : v]);
  }
  const data = secret.data ?? {};
  for (const k of Object.keys(data).sort()) rows.push([k, data[k]]);
  return rows;
}

/** `-field=name`: the raw value of one row, printed without a table (Vault prints strings bare). */
export function fieldValue(rows: readonly [string, unknown][], field: string): string | undefined {
  const row = rows.find(([k]) => k === field);
  if (!row) return undefined;
  const v = row[1];
  return typeof v === "string" ? v : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
}

export function warningsText(warnings: readonly string[] | null | undefined): string | undefined {
  if (!warnings || warnings.length === 0) return undefined;
  return `WARNING! The following warnings were returned from the server:\n\n${warnings.map((w) => `  * ${w}`).join("\n\n")}\n`;
}

import { badRequest } from "./errors.js";
import { parseHeaderMap } from "./encoding.js";

/**
 * Field types, as Vault's sdk/framework has them. Coercion is weak on purpose: the vault CLI sends
 * every value as a string ("true", "3600", "1h", "a,b").
 */
export interface FieldTypes {
  string: string;
  /** Lower-cased string (role names, as Vault stores them). */
  lowercase_string: string;
  /** A name: ASCII letters, digits, `_`, `-`, `.`; starts and ends with a letter, digit or `_`. */
  name: string;
  int: number;
  bool: boolean;
  /** Seconds; accepts integers, "90", "90s", "1h30m", "2d". */
  duration: number;
  /** "a, b" or ["a","b"] -> ["a","b"] (trimmed, empty items dropped). */
  comma_string_slice: string[];
  /** ["a","b"]; a lone string is one item (no comma split). */
  string_slice: string[];
  /** A JSON object. */
  map: Record<string, unknown>;
  /** An object of strings, or ["k=v", ...]. */
  kv_pairs: Record<string, string>;
  /** A header map: object, JSON, base64(JSON) or ["Name: value"]. Names lower-cased. */
  header: Record<string, string[]>;
}

export type FieldType = keyof FieldTypes;

export interface FieldSchema<T extends FieldType = FieldType> {
  type: T;
  description?: string;
  required?: boolean;
  default?: FieldTypes[T];
  allowedValues?: readonly string[];
  /** Deprecated alias kept for Vault compatibility; shown as such in help. */
  deprecated?: boolean;
  /**
   * Case-insensitive name: a string value is folded to lower case. When a path pattern captures
   * the field, the router folds that URL segment before the ACL runs, so the path the ACL checks,
   * the value the handler gets and the path the audit log records are one canonical name.
   */
  lowercase?: boolean;
}

export type Fields = Record<string, FieldSchema>;

export type FieldValues<F extends Fields> = {
  [K in keyof F]: F[K] extends FieldSchema<infer T> ? FieldTypes[T] | undefined : never;
};

const NAME_RE = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,126}[A-Za-z0-9_])?$/;

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  "µs": 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/** Go-style duration, integer seconds, or "<n>d", to whole seconds (Vault's ParseDurationSecond). */
export function parseDurationSeconds(input: unknown, field = "duration"): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw badRequest(`invalid ${field}`);
    if (input < 0) throw badRequest(`${field}: cannot provide negative value`);
    return Math.floor(input);
  }
  if (typeof input !== "string") throw badRequest(`${field}: expected a duration`);
  const s = input.trim();
  if (s === "") return 0;
  if (/^\d+$/.test(s)) return Number.parseInt(s, 10);
  if (s.startsWith("-")) throw badRequest(`${field}: cannot provide negative value`);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    total += Number.parseFloat(m[1]!) * DURATION_UNITS[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed !== s.length || consumed === 0) throw badRequest(`${field}: invalid duration "${truncate(s)}"`);
  if (total > 1e10) throw badRequest(`${field}: duration too large`);
  return Math.floor(total);
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/**
 * Vault's ParseBool (mapstructure's weak decoding), the one boolean reading of warden: a boolean; a
 * number (non-zero is true); a string strconv.ParseBool accepts ("1", "t", "T", "true", "TRUE",
 * "True" and the false ones), trimmed, with "" as false. Anything else is undefined: the caller
 * words the error (a field's 400, the config file's problem, the CLI's usage error).
 */
export function readBool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isNaN(v) ? undefined : v !== 0;
  if (typeof v === "string") {
    const s = v.trim();
    if (["1", "t", "T", "true", "TRUE", "True"].includes(s)) return true;
    if (["", "0", "f", "F", "false", "FALSE", "False"].includes(s)) return false;
  }
  return undefined;
}

/**
 * A whole number: a safe integer, or its decimal string (trimmed, at most 15 digits); booleans are
 * 1 and 0, as in Vault. Anything else is undefined (the caller words the error).
 */
export function readInt(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === "string" && /^-?\d{1,15}$/.test(v.trim())) return Number.parseInt(v.trim(), 10);
  if (typeof v === "boolean") return v ? 1 : 0;
  return undefined;
}

function parseBool(v: unknown, field: string): boolean {
  const b = readBool(v);
  if (b === undefined) throw badRequest(`error converting input for field "${field}": expected a boolean`);
  return b;
}

function parseInt10(v: unknown, field: string): number {
  const n = readInt(v);
  if (n === undefined) throw badRequest(`error converting input for field "${field}": expected an integer`);
  return n;
}

function scalarString(v: unknown, field: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw badRequest(`error converting input for field "${field}": expected a string`);
}

function stringList(v: unknown, field: string, splitCommas: boolean): string[] {
  const items = Array.isArray(v) ? v.map((x) => scalarString(x, field)) : [scalarString(v, field)];
  const split = splitCommas ? items.flatMap((s) => s.split(",")) : items;
  return split.map((s) => s.trim()).filter((s) => s !== "");
}

function plainObject(v: unknown, field: string): Record<string, unknown> {
  let value = v;
  if (typeof value === "string") {
    if (value.trim() === "") return Object.create(null);
    try {
      value = JSON.parse(value);
    } catch {
      throw badRequest(`error converting input for field "${field}": expected a map`);
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest(`error converting input for field "${field}": expected a map`);
  }
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, x] of Object.entries(value)) out[k] = x;
  return out;
}

function kvPairs(v: unknown, field: string): Record<string, string> {
  // A lone "k=v" string is one pair, as Vault's TypeKVPairs reads it (what `labels=team=infra` sends
  // from a CLI); a string holding a JSON object is still a map.
  if (typeof v === "string" && !v.trimStart().startsWith("{")) v = [v];
  const out: Record<string, string> = Object.create(null);
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = scalarString(item, field);
      const eq = s.indexOf("=");
      if (eq <= 0) throw badRequest(`error converting input for field "${field}": expected key=value`);
      out[s.slice(0, eq)] = s.slice(eq + 1);
    }
    return out;
  }
  for (const [k, x] of Object.entries(plainObject(v, field))) out[k] = scalarString(x, field);
  return out;
}

/** Converts one raw input value to the field's type, or throws a 400 naming the field. */
export function coerceField<T extends FieldType>(schema: FieldSchema<T>, raw: unknown, field: string): FieldTypes[T] {
  const converted = coerce(schema.type, raw, field);
  const value = schema.lowercase && typeof converted === "string" ? converted.toLowerCase() : converted;
  if (schema.allowedValues && typeof value === "string" && !schema.allowedValues.includes(value)) {
    throw badRequest(`field "${field}" must be one of: ${schema.allowedValues.join(", ")}`);
  }
  return value as FieldTypes[T];
}

function coerce(type: FieldType, raw: unknown, field: string): unknown {
  switch (type) {
    case "string":
      return scalarString(raw, field);
    case "lowercase_string":
      return scalarString(raw, field).toLowerCase();
    case "name": {
      const s = scalarString(raw, field);
      if (!NAME_RE.test(s)) throw badRequest(`field "${field}" is not a valid name`);
      return s;
    }
    case "int":
      return parseInt10(raw, field);
    case "bool":
      return parseBool(raw, field);
    case "duration":
      return parseDurationSeconds(raw, field);
    case "comma_string_slice":
      return stringList(raw, field, true);
    case "string_slice":
      return stringList(raw, field, false);
    case "map":
      return plainObject(raw, field);
    case "kv_pairs":
      return kvPairs(raw, field);
    case "header":
      return parseHeaderMap(raw, field);
  }
}

export interface ParsedFields<F extends Fields> {
  values: FieldValues<F>;
  /** Names of the fields the caller actually supplied. */
  supplied: Set<string>;
  /** Keys in the input that no field declares (reported back as a warning, like Vault). */
  unknown: string[];
}

/**
 * The one field-schema parser: every declared field present in `input` is coerced; missing required
 * fields and conversion failures are 400s; defaults fill the rest.
 */
export function parseFields<F extends Fields>(fields: F, input: Record<string, unknown>): ParsedFields<F> {
  const values = Object.create(null) as Record<string, unknown>;
  const supplied = new Set<string>();
  for (const [name, schema] of Object.entries(fields)) {
    const raw = Object.hasOwn(input, name) ? input[name] : undefined;
    if (raw === undefined || raw === null) {
      if (schema.required) throw badRequest(`missing ${name}`);
      values[name] = schema.default;
      continue;
    }
    values[name] = coerceField(schema, raw, name);
    supplied.add(name);
  }
  const unknown = Object.keys(input).filter((k) => !Object.hasOwn(fields, k));
  return { values: values as FieldValues<F>, supplied, unknown };
}

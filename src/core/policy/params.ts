/**
 * Parameter constraints of a winning rule (allowed/denied/required parameters), as Vault checks
 * them for read, create, update and patch. Names are compared lower-cased; values are compared as
 * Vault does (strings by glob, everything else by deep equality, null only equals null) with one
 * deliberate tightening for lists (hashicorp/vault#18591): a list value, or a string holding a
 * comma list, is checked element by element, so `"dev-*"` cannot admit `"dev-a, admin"`.
 */
export interface ParamRules {
  /** Lower-cased parameter name -> values ([] = any value). Undefined or empty = no constraint. */
  allowed?: ReadonlyMap<string, readonly unknown[]>;
  denied?: ReadonlyMap<string, readonly unknown[]>;
  /** Lower-cased names that must be present. */
  required: readonly string[];
}

export function paramsAllowed(rules: ParamRules, data: Record<string, unknown> | undefined): boolean {
  const d = data ?? {};
  for (const name of rules.required) if (!Object.hasOwn(d, name)) return false;
  const keys = Object.keys(d);
  if (keys.length === 0) return true;

  const denied = rules.denied;
  if (denied && denied.size > 0) {
    if (denied.has("*")) return false;
    for (const k of keys) {
      const list = denied.get(k.toLowerCase());
      if (list && deniedHit(d[k], list)) return false;
    }
  }

  const allowed = rules.allowed;
  if (!allowed || allowed.size === 0) return true;
  const allowAll = allowed.has("*");
  if (allowAll && allowed.size === 1) return true;
  for (const k of keys) {
    const list = allowed.get(k.toLowerCase());
    if (!list) {
      if (!allowAll) return false;
    } else if (!allowedValue(d[k], list)) return false;
  }
  return true;
}

/** Denied if the value, the whole list, or ANY element of it matches. */
function deniedHit(v: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0) return true;
  if (inList(v, list)) return true;
  if (Array.isArray(v)) return v.some((el) => deniedHit(el, list));
  if (typeof v === "string" && v.includes(",")) return commaParts(v).some((p) => inList(p, list));
  return false;
}

/** Allowed if the whole list value is listed, or EVERY element is; a comma string needs both. */
function allowedValue(v: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0) return true;
  if (Array.isArray(v)) {
    if (inList(v, list)) return true;
    return v.length > 0 && v.every((el) => allowedValue(el, list));
  }
  if (!inList(v, list)) return false;
  if (typeof v === "string" && v.includes(",")) return commaParts(v).every((p) => inList(p, list));
  return true;
}

/** Split as the SDK's comma_string_slice does (trimmed, empty items dropped). */
function commaParts(s: string): string[] {
  return s
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

function inList(v: unknown, list: readonly unknown[]): boolean {
  for (const el of list) {
    if (el === null || el === undefined || v === null || v === undefined) {
      if ((el ?? null) === (v ?? null)) return true;
    } else if (typeof el === "string" && typeof v === "string") {
      if (globMatch(el, v)) return true;
    } else if (deepEqual(el, v)) return true;
  }
  return false;
}

/**
 * Vault's GlobbedStringsMatch: a leading and/or trailing "*" makes a suffix/prefix/contains match;
 * a lone "*" (shorter than 2 chars) is literal; "*" elsewhere is literal.
 */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern.length < 2) return pattern === value;
  const pre = pattern.startsWith("*");
  const suf = pattern.endsWith("*");
  if (pre && suf) return value.includes(pattern.slice(1, -1));
  if (pre) return value.endsWith(pattern.slice(1));
  if (suf) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}

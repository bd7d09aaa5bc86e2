/**
 * Reading claims out of a verified payload the way Vault's jwt method does: a claim name is a
 * top-level key, or an RFC 6901 JSON pointer when it starts with "/"; scalar claims compare as
 * strings; a list claim matches when any element matches. Only own properties are ever read, so a
 * pointer like "/__proto__/x" finds nothing instead of walking the prototype chain.
 */

export type Claims = Record<string, unknown>;

/** The claim named by `name` (key or JSON pointer), or undefined when absent. */
export function getClaim(claims: Claims, name: string): unknown {
  if (!name.startsWith("/")) return Object.hasOwn(claims, name) ? claims[name] : undefined;
  let cur: unknown = claims;
  for (const raw of name.slice(1).split("/")) {
    const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      cur = cur[Number(token)];
    } else if (cur !== null && typeof cur === "object") {
      if (!Object.hasOwn(cur, token)) return undefined;
      cur = (cur as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** A scalar claim as a string (Vault formats numbers and booleans); undefined for anything else. */
export function scalarString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "boolean") return String(v);
  return undefined;
}

/** A string or a list of scalars as a list of strings; undefined for objects, nulls and nested lists. */
export function normalizeList(v: unknown): string[] | undefined {
  const one = scalarString(v);
  if (one !== undefined) return [one];
  if (!Array.isArray(v)) return undefined;
  const out: string[] = [];
  for (const item of v) {
    const s = scalarString(item);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

/**
 * Vault's glob (ryanuber/go-glob): `*` matches any run of characters, nothing else is special.
 * Iterative with backtracking to the last star, so it is linear-ish and cannot blow the stack.
 */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] !== "*" && pattern[p] === value[v]) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = v;
    } else if (star !== -1) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Checks every bound claim; the error text is Vault's. Expected values were validated at write time. */
export function checkBoundClaims(claims: Claims, bound: Record<string, string | string[]>, useGlobs: boolean): string | undefined {
  for (const [name, want] of Object.entries(bound)) {
    const expected = typeof want === "string" ? [want] : want;
    const actualRaw = getClaim(claims, name);
    if (actualRaw === undefined || actualRaw === null) return `claim "${name}" is missing`;
    const actual = normalizeList(actualRaw);
    if (actual === undefined) return `received claim is not a string or list: "${name}"`;
    const found = expected.some((exp) => actual.some((act) => (useGlobs ? globMatch(exp, act) : exp === act)));
    if (!found) return `claim "${name}" does not match any associated bound claim values`;
  }
  return undefined;
}

/** claim_mappings applied to the claims: metadata key -> string value. Missing claims are skipped. */
export function mapClaims(claims: Claims, mappings: Record<string, string>): Record<string, string> | string {
  const out: Record<string, string> = Object.create(null);
  for (const [claim, key] of Object.entries(mappings)) {
    const raw = getClaim(claims, claim);
    if (raw === undefined || raw === null) continue;
    const s = scalarString(raw);
    if (s === undefined) return `error converting claim '${claim}' to string`;
    out[key] = s;
  }
  return out;
}

/** The aud claim as a list: a string is one audience; anything but strings is malformed. */
export function audiences(claims: Claims): string[] | undefined {
  const aud = claims.aud;
  if (aud === undefined) return [];
  if (typeof aud === "string") return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === "string")) return aud as string[];
  return undefined;
}

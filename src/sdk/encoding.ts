import { badRequest } from "./errors.js";

/** 1 for the 64 characters of the standard base64 alphabet, by char code. */
const BASE64_ALPHABET = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") BASE64_ALPHABET[c.charCodeAt(0)] = 1;

/**
 * Standard, padded base64 only (Go's base64.StdEncoding). Node's decoder silently skips junk and
 * accepts other alphabets, so two different strings could decode to the same bytes.
 */
export function decodeBase64Strict(value: string, what: string): Buffer {
  if (!isStrictBase64(value)) throw badRequest(`${what} is not valid base64`);
  return Buffer.from(value, "base64");
}

/**
 * True for standard, padded base64 (what decodeBase64Strict accepts): whole groups of four alphabet
 * characters, the last one possibly ending in "=" or "==".
 */
export function isStrictBase64(value: string): boolean {
  // The grammar /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/ as a loop: login
  // bodies carry several hundred characters of base64 and the expression cost 3x as much.
  if (value.length % 4 !== 0) return false;
  let end = value.length;
  if (end > 0 && value.charCodeAt(end - 1) === 61) end -= value.charCodeAt(end - 2) === 61 ? 2 : 1;
  for (let i = 0; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c > 127 || BASE64_ALPHABET[c] === 0) return false;
  }
  return true;
}

const MAX_HEADERS = 32;
const MAX_HEADER_VALUE = 8192;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * Parses a header map sent in a request body, as Vault's TypeHeader accepts it: a JSON object, a JSON
 * string, base64 of a JSON string (what the Vault CLI sends), or a list of "Name: value" strings.
 * Names are lower-cased; names that collide once lower-cased, control characters, and too many or too
 * large headers are refused. Values keep their list shape.
 */
export function parseHeaderMap(input: unknown, what: string): Record<string, string[]> {
  let value: unknown = input;
  if (typeof value === "string") {
    const text = isStrictBase64(value) && value.length > 0 ? Buffer.from(value, "base64").toString("utf8") : value;
    try {
      value = JSON.parse(text);
    } catch {
      throw badRequest(`${what} is neither JSON nor base64-encoded JSON`);
    }
  }
  const out: Record<string, string[]> = Object.create(null);
  let count = 0;
  const add = (rawName: string, rawValue: unknown): void => {
    if (!HEADER_NAME.test(rawName)) throw badRequest(`${what} has an invalid header name`);
    const name = rawName.toLowerCase();
    if (name in out) throw badRequest(`${what} repeats the header ${name}`);
    const values = Array.isArray(rawValue) ? rawValue : [rawValue];
    const strings: string[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v: unknown = values[i];
      if (typeof v === "number") strings[i] = String(v);
      else if (typeof v !== "string") throw badRequest(`${what} has a non-string value for ${name}`);
      else if (v.length > MAX_HEADER_VALUE || CONTROL_CHARS.test(v)) throw badRequest(`${what} has an invalid value for ${name}`);
      else strings[i] = v;
    }
    out[name] = strings;
    count++;
  };
  if (Array.isArray(value)) {
    for (const line of value) {
      if (typeof line !== "string") throw badRequest(`${what} must hold "Name: value" strings`);
      const colon = line.indexOf(":");
      if (colon <= 0) throw badRequest(`${what} must hold "Name: value" strings`);
      add(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
  } else if (value !== null && typeof value === "object") {
    for (const k in value) if (Object.hasOwn(value, k)) add(k, (value as Record<string, unknown>)[k]);
  } else {
    throw badRequest(`${what} must be a map of headers`);
  }
  if (count > MAX_HEADERS) throw badRequest(`${what} has too many headers`);
  return out;
}

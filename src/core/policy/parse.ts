import { parseHcl } from "../../config/hcl.js";
import { badRequest, isWardenError } from "../../sdk/errors.js";
import { parseDurationSeconds } from "../../sdk/fields.js";
import { normalizePolicyName } from "./names.js";
import { hasTemplate, validateTemplates } from "./template.js";
import type { Capability, PathRule, Policy } from "./types.js";

export { normalizePolicyName } from "./names.js";
export { DEFAULT_POLICY_TEXT } from "./default-policy.js";

/**
 * Policy text (HCL, or JSON of the same shape) -> Policy. Every problem becomes one 400
 * "failed to parse policy: ..." so the policy endpoints can pass it straight through.
 *
 * Rules are kept one per stanza, in file order; merging stanzas that share a path (within one
 * policy or across policies) is compileAcl's job, exactly where Vault does it.
 */

/** The implicit root policy. It has no text; the core hands it to compileAcl for root tokens. */
export const ROOT_POLICY: Policy = Object.freeze({ name: "root", rules: [], templated: false }) as Policy;

const TOP_KEYS = new Set(["name", "path"]);
const PATH_KEYS = new Set([
  "capabilities",
  "policy",
  "allowed_parameters",
  "denied_parameters",
  "required_parameters",
  // accepted for Vault compatibility; the wrapping TTLs are enforced, the rest carry no meaning here
  "min_wrapping_ttl",
  "max_wrapping_ttl",
  "mfa_methods",
  "control_group",
  "comment",
]);
const CAPABILITIES: ReadonlySet<string> = new Set<Capability>([
  "create",
  "read",
  "update",
  "patch",
  "delete",
  "list",
  "sudo",
  "deny",
]);
/** The legacy `policy = "..."` shorthand. */
const LEGACY: Record<string, Capability[]> = {
  read: ["read", "list"],
  write: ["create", "read", "update", "delete", "list"],
  sudo: ["create", "read", "update", "delete", "list", "sudo"],
};

/** `needle`: the text (a quoted key or value) whose line the error is about, found in the policy text later. */
class PolicySyntaxError extends Error {
  constructor(
    message: string,
    readonly needle?: string,
  ) {
    super(message);
  }
}
const fail = (msg: string, needle?: string): never => {
  throw new PolicySyntaxError(msg, needle);
};

export async function parsePolicy(name: string, text: string): Promise<Policy> {
  const policyName = normalizePolicyName(name);
  if (typeof text !== "string") throw badRequest("failed to parse policy: policy text must be a string");
  try {
    const root = await decode(text);
    return build(policyName, root, text);
  } catch (e) {
    if (e instanceof PolicySyntaxError) throw badRequest(`failed to parse policy: ${e.message}`);
    if (isWardenError(e)) throw badRequest(`failed to parse policy: ${e.errors.join("; ")}`);
    throw e;
  }
}

async function decode(text: string): Promise<Record<string, unknown>> {
  if (!text.trimStart().startsWith("{")) return parseHcl(text, "policy.hcl");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(json)) return fail("does not contain a root object");
  return json;
}

function build(name: string, root: Record<string, unknown>, text: string): Policy {
  const file = text.trimStart().startsWith("{") ? "policy.json" : "policy.hcl";
  for (const key of Object.keys(root)) {
    if (!TOP_KEYS.has(key)) fail(`${file}:${lineOf(text, 0, text.length, key)}: invalid key "${key}" at top level`);
  }
  // `name` inside the text is informational (Vault ignores it too); the stored name wins.
  if (root.name !== undefined && typeof root.name !== "string") fail(`"name" must be a string`);
  const rules: PathRule[] = [];
  const seen = new Map<string, number>();
  for (const [path, body] of stanzas(root.path)) {
    const nth = (seen.get(path) ?? 0) + 1;
    seen.set(path, nth);
    try {
      rules.push(parseStanza(path, body));
    } catch (e) {
      // The stanza's checks know what is wrong but not where: name the line, as the HCL parser's own errors do.
      if (!(e instanceof PolicySyntaxError)) throw e;
      throw new PolicySyntaxError(`${file}:${stanzaLine(text, path, nth, e.needle)}: ${e.message}`);
    }
  }
  return { name, rules, templated: rules.some((r) => hasTemplate(r.path)) };
}

/**
 * `path` arrives as `{p: [body, ...]}` from HCL, `{p: body}` or `[{p: body}, ...]` from JSON.
 * Returns [path, body] pairs in order.
 */
function stanzas(raw: unknown): Array<[string, Record<string, unknown>]> {
  if (raw === undefined) return [];
  const out: Array<[string, Record<string, unknown>]> = [];
  const maps = Array.isArray(raw) ? raw : [raw];
  for (const m of maps) {
    if (!isObject(m)) fail(`"path" must be a block: path "<path>" { ... }`);
    for (const [path, value] of Object.entries(m as Record<string, unknown>)) {
      const bodies = Array.isArray(value) ? value : [value];
      for (const body of bodies) {
        if (!isObject(body)) fail(`path "${path}": expected a block`);
        out.push([path, body as Record<string, unknown>]);
      }
    }
  }
  return out;
}

function parseStanza(rawPath: string, body: Record<string, unknown>): PathRule {
  const where = `path "${rawPath}"`;
  for (const key of Object.keys(body)) {
    if (!PATH_KEYS.has(key)) fail(`${where}: invalid key "${key}"`, key);
  }
  // Vault strips one leading "/": policy paths are written relative to /v1/.
  const path = rawPath.startsWith("/") ? rawPath.slice(1) : rawPath;
  if (path.includes("+*")) fail(`${where}: invalid use of wildcards ('+*' is forbidden)`);
  try {
    validateTemplates(path);
  } catch (e) {
    fail(`${where}: failed to validate policy templating: ${(e as Error).message}`);
  }

  let caps: Capability[] = [];
  if (body.capabilities !== undefined) {
    for (const c of stringList(body.capabilities, `${where}: capabilities`)) {
      if (!CAPABILITIES.has(c)) fail(`${where}: invalid capability "${c}"`, JSON.stringify(c));
      if (!caps.includes(c as Capability)) caps.push(c as Capability);
    }
  }
  if (body.policy !== undefined) {
    if (typeof body.policy !== "string") fail(`${where}: "policy" must be a string`);
    const legacy = body.policy as string;
    if (legacy === "deny") caps = ["deny"];
    else if (Object.hasOwn(LEGACY, legacy)) {
      for (const c of LEGACY[legacy]!) if (!caps.includes(c)) caps.push(c);
    } else fail(`${where}: invalid policy "${legacy}"`, JSON.stringify(legacy));
  }

  // deny wipes everything else, parameters included: nothing on this path is granted.
  if (caps.includes("deny")) return { path, capabilities: ["deny"] };

  const rule: PathRule = { path, capabilities: caps };
  if (body.allowed_parameters !== undefined) {
    rule.allowedParameters = paramMap(body.allowed_parameters, `${where}: allowed_parameters`);
  }
  if (body.denied_parameters !== undefined) {
    rule.deniedParameters = paramMap(body.denied_parameters, `${where}: denied_parameters`);
  }
  if (body.required_parameters !== undefined) {
    const req = stringList(body.required_parameters, `${where}: required_parameters`);
    if (req.length > 0) rule.requiredParameters = [...new Set(req)];
  }
  const minTtl = wrapTtl(body.min_wrapping_ttl, `${where}: min_wrapping_ttl`);
  const maxTtl = wrapTtl(body.max_wrapping_ttl, `${where}: max_wrapping_ttl`);
  if (minTtl > 0) rule.minWrappingTtl = minTtl;
  if (maxTtl > 0) rule.maxWrappingTtl = maxTtl;
  if (minTtl > 0 && maxTtl > 0 && maxTtl < minTtl) fail(`${where}: max_wrapping_ttl cannot be less than min_wrapping_ttl`);
  if (body.mfa_methods !== undefined) stringList(body.mfa_methods, `${where}: mfa_methods`);
  if (body.comment !== undefined && typeof body.comment !== "string") fail(`${where}: "comment" must be a string`);
  return rule;
}

/** Parameter names are case-insensitive (lower-cased); values are kept as written (globs allowed). */
function paramMap(raw: unknown, where: string): Record<string, unknown[]> {
  // HCL2 `x = {}` is an object; tolerate the block form `[{...}]` JSON tools sometimes emit.
  const obj = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  if (!isObject(obj)) return fail(`${where}: expected a map of parameter name to list of values`);
  const out: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (!Array.isArray(v)) fail(`${where}: "${k}" must be a list of values ([] = any value)`);
    const key = k.toLowerCase();
    const prev = Object.hasOwn(out, key) ? out[key]! : undefined;
    const list = v as unknown[];
    // Same rule as merging: an empty list (any value) wins over a value list.
    out[key] = prev === undefined ? [...list] : prev.length === 0 || list.length === 0 ? [] : [...prev, ...list];
  }
  return out;
}

function stringList(raw: unknown, where: string): string[] {
  if (!Array.isArray(raw) || raw.some((x) => typeof x !== "string")) fail(`${where}: expected a list of strings`);
  return raw as string[];
}

function wrapTtl(raw: unknown, where: string): number {
  if (raw === undefined) return 0;
  try {
    return parseDurationSeconds(raw, where);
  } catch (e) {
    return fail(isWardenError(e) ? e.message : `${where}: invalid duration`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** 1-based line of the first line in text[from, to) that contains `needle`; the line of `from` when none does. */
function lineOf(text: string, from: number, to: number, needle: string): number {
  const at = text.slice(from, to).indexOf(needle);
  return lineAt(text, at < 0 ? from : from + at);
}

const lineAt = (text: string, index: number): number => text.slice(0, index).split("\n").length;

/**
 * The line of the nth stanza for `path` (HCL `path "p" {`, JSON `"p": {`), or of `needle` inside it
 * (before the next stanza of any path). Best effort: line 1 when the stanza cannot be found.
 */
function stanzaLine(text: string, path: string, nth: number, needle?: string): number {
  const quoted = JSON.stringify(path);
  let start = -1;
  for (let i = 0, from = 0; i < nth; i++) {
    start = text.indexOf(quoted, from);
    if (start < 0) return 1;
    from = start + quoted.length;
  }
  if (needle === undefined) return lineAt(text, start);
  const next = /\bpath\s*"|"\s*:\s*\{/g;
  next.lastIndex = start + quoted.length;
  const end = next.exec(text)?.index ?? text.length;
  return lineOf(text, start, end, needle);
}

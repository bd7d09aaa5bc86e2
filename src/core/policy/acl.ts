import { paramsAllowed, type ParamRules } from "./params.js";
import { fillTemplates, hasTemplate } from "./template.js";
import type { Acl, AclDecision, AclOperation, Capability, PathRule, Policy, TemplateContext } from "./types.js";

/**
 * compileAcl: a token's policies -> one Acl, built once (the core caches it per policy set, and per
 * entity when a policy is templated) so that `check`, run on every request, is a few map lookups.
 *
 * Semantics are Vault's (vault-core.md §4.2/§4.3):
 * - rules with the same path string merge (deny on either side wins and clears everything else);
 * - an exact rule wins outright; otherwise the single highest-priority glob/segment-wildcard rule
 *   wins, and ONLY that rule is evaluated (a deny on a less specific rule does not override);
 * - `*` is a glob only as the last character; `+` is exactly one segment;
 * - list requests retry without their trailing "/".
 */

const BIT: Record<Capability, number> = {
  deny: 1,
  create: 2,
  read: 4,
  update: 8,
  delete: 16,
  list: 32,
  sudo: 64,
  patch: 128,
};
/** The order Vault reports capabilities in (sys/capabilities-self). */
const REPORT_ORDER: Capability[] = ["sudo", "read", "list", "update", "delete", "create", "patch"];
const PARAM_OPS: ReadonlySet<AclOperation> = new Set<AclOperation>(["read", "update", "create", "patch"]);

/** Merged permissions of one path string. */
interface Perms {
  bits: number;
  allowed?: Map<string, unknown[]>;
  denied?: Map<string, unknown[]>;
  required: string[];
  minWrap: number;
  maxWrap: number;
}

/** A rule ready for matching, with its two possible answers precomputed. */
interface Compiled {
  perms: Perms;
  params: ParamRules;
  allow: AclDecision;
  deny: AclDecision;
}

/** A segment-wildcard rule plus the numbers its priority is made of. */
interface WildcardRule {
  segments: string[];
  isPrefix: boolean;
  /** Index of the first "+" (for a plain glob: the prefix length). */
  firstWc: number;
  /** Number of whole-segment "+". */
  wildcards: number;
  /** Path without the trailing "*". */
  wcPath: string;
  rule: Compiled;
}

const ALL_CAPS: Capability[] = ["create", "read", "update", "patch", "delete", "list", "sudo"];
const ROOT_DECISION: AclDecision = Object.freeze({ allowed: true, sudo: true, capabilities: Object.freeze(ALL_CAPS) as Capability[] });
const NO_MATCH: AclDecision = Object.freeze({ allowed: false, sudo: false, capabilities: Object.freeze([]) as unknown as Capability[] });

/**
 * Any policy named "root" yields the root ACL (everything allowed, sudo everywhere). Callers
 * sanitise policy lists as Vault does ("root" swallows the rest), so its presence is decisive.
 * `ctx` fills identity templates; rules whose template cannot be filled safely are dropped.
 */
export function compileAcl(policies: readonly Policy[], ctx?: TemplateContext): Acl {
  if (policies.some((p) => p.name === "root")) return ROOT_ACL;

  const exact = new Map<string, Perms>();
  const prefix = new Map<string, Perms>();
  const wildcard = new Map<string, Perms>();
  for (const policy of policies) {
    for (const rule of policy.rules) {
      let path: string | undefined = rule.path;
      if (hasTemplate(path)) path = fillTemplates(path, ctx);
      if (path === undefined) continue; // never widen: an unfillable template drops the rule
      if (path.startsWith("/")) path = path.slice(1);
      const hasSegmentWc = path === "+" || path.startsWith("+/") || path.includes("/+");
      if (path.endsWith("*") && !hasSegmentWc) mergeInto(prefix, path.slice(0, -1), rule);
      else if (hasSegmentWc) mergeInto(wildcard, path, rule);
      else mergeInto(exact, path, rule);
    }
  }
  return new CompiledAcl(exact, prefix, wildcard);
}

function mergeInto(map: Map<string, Perms>, key: string, rule: PathRule): void {
  const incoming = permsOf(rule);
  const existing = map.get(key);
  if (!existing) {
    map.set(key, incoming);
    return;
  }
  if (existing.bits & BIT.deny) return;
  if (incoming.bits & BIT.deny) {
    existing.bits = BIT.deny;
    existing.allowed = undefined;
    existing.denied = undefined;
    return;
  }
  existing.bits |= incoming.bits;
  // Wrapping bounds: the smaller non-zero value of each wins (shortest exposure).
  if (incoming.maxWrap > 0 && (existing.maxWrap === 0 || incoming.maxWrap < existing.maxWrap)) {
    existing.maxWrap = incoming.maxWrap;
  }
  if (incoming.minWrap > 0 && (existing.minWrap === 0 || incoming.minWrap < existing.minWrap)) {
    existing.minWrap = incoming.minWrap;
  }
  existing.allowed = mergeParams(existing.allowed, incoming.allowed);
  existing.denied = mergeParams(existing.denied, incoming.denied);
  for (const r of incoming.required) if (!existing.required.includes(r)) existing.required.push(r);
}

/** Key by key: an empty list (any value) wins, otherwise the value lists are concatenated. */
function mergeParams(
  a: Map<string, unknown[]> | undefined,
  b: Map<string, unknown[]> | undefined,
): Map<string, unknown[]> | undefined {
  if (!b || b.size === 0) return a;
  if (!a) return new Map([...b].map(([k, v]) => [k, [...v]]));
  for (const [k, v] of b) {
    const cur = a.get(k);
    a.set(k, v.length === 0 || (cur !== undefined && cur.length === 0) ? [] : [...v, ...(cur ?? [])]);
  }
  return a;
}

function permsOf(rule: PathRule): Perms {
  let bits = 0;
  for (const c of rule.capabilities) bits |= BIT[c] ?? 0;
  if (bits & BIT.deny) return { bits: BIT.deny, required: [], minWrap: 0, maxWrap: 0 };
  return {
    bits,
    allowed: toMap(rule.allowedParameters),
    denied: toMap(rule.deniedParameters),
    required: [...new Set((rule.requiredParameters ?? []).map((r) => r.toLowerCase()))],
    minWrap: rule.minWrappingTtl ?? 0,
    maxWrap: rule.maxWrappingTtl ?? 0,
  };
}

function toMap(rec: Record<string, unknown[]> | undefined): Map<string, unknown[]> | undefined {
  if (!rec) return undefined;
  const m = new Map<string, unknown[]>();
  for (const [k, v] of Object.entries(rec)) m.set(k.toLowerCase(), [...v]);
  return m;
}

function capsOf(bits: number): Capability[] {
  if (bits & BIT.deny) return ["deny"];
  const out = REPORT_ORDER.filter((c) => bits & BIT[c]);
  return out.length === 0 ? ["deny"] : out;
}

function compile(perms: Perms): Compiled {
  const capabilities = Object.freeze(capsOf(perms.bits)) as Capability[];
  const sudo = (perms.bits & BIT.sudo) !== 0 && (perms.bits & BIT.deny) === 0;
  return {
    perms,
    params: { allowed: perms.allowed, denied: perms.denied, required: perms.required },
    allow: Object.freeze({ allowed: true, sudo, capabilities }),
    deny: Object.freeze({ allowed: false, sudo, capabilities }),
  };
}

/**
 * Priority of two non-exact candidates (positive: `a` wins). In order: later first wildcard,
 * non-prefix over prefix, fewer "+" segments, longer path, lexicographically greater path.
 */
function comparePriority(a: WildcardRule, b: WildcardRule): number {
  if (a.firstWc !== b.firstWc) return a.firstWc - b.firstWc;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1;
  if (a.wildcards !== b.wildcards) return b.wildcards - a.wildcards;
  if (a.wcPath.length !== b.wcPath.length) return a.wcPath.length - b.wcPath.length;
  return a.wcPath < b.wcPath ? -1 : a.wcPath > b.wcPath ? 1 : 0;
}

function matchesSegments(wc: WildcardRule, parts: string[]): boolean {
  const n = wc.segments.length;
  if (parts.length < n || (!wc.isPrefix && parts.length !== n)) return false;
  for (let i = 0; i < n; i++) {
    const seg = wc.segments[i]!;
    if (seg === "+" || seg === parts[i]) continue;
    if (wc.isPrefix && i === n - 1 && parts[i]!.startsWith(seg)) continue;
    return false;
  }
  return true;
}

class CompiledAcl implements Acl {
  readonly root = false;
  private readonly exact = new Map<string, Compiled>();
  private readonly prefixes = new Map<string, Compiled>();
  /** Distinct prefix lengths, longest first: longest-prefix match is one lookup per length. */
  private readonly prefixLengths: number[];
  /** Segment-wildcard rules, highest priority first, so the first match is the best one. */
  private readonly wildcards: WildcardRule[];

  constructor(exact: Map<string, Perms>, prefix: Map<string, Perms>, wildcard: Map<string, Perms>) {
    for (const [k, p] of exact) this.exact.set(k, compile(p));
    for (const [k, p] of prefix) this.prefixes.set(k, compile(p));
    this.prefixLengths = [...new Set([...prefix.keys()].map((k) => k.length))].sort((a, b) => b - a);
    this.wildcards = [...wildcard].map(([full, p]) => {
      const isPrefix = full.endsWith("*");
      const wcPath = isPrefix ? full.slice(0, -1) : full;
      const segments = wcPath.split("/");
      return {
        segments,
        isPrefix,
        firstWc: full.indexOf("+"),
        wildcards: segments.filter((s) => s === "+").length,
        wcPath,
        rule: compile(p),
      };
    });
    this.wildcards.sort((a, b) => comparePriority(b, a));
  }

  check(path: string, op: AclOperation, data?: Record<string, unknown>, wrapTtlSeconds?: number): AclDecision {
    const rule = this.lookup(stripLeadingSlashes(path), op === "list");
    if (!rule) return NO_MATCH;
    const { perms } = rule;
    if ((perms.bits & BIT[op]) === 0) return rule.deny;
    if (perms.maxWrap > 0 && (wrapTtlSeconds === undefined || wrapTtlSeconds > perms.maxWrap)) return rule.deny;
    if (perms.minWrap > 0 && (wrapTtlSeconds === undefined || wrapTtlSeconds < perms.minWrap)) return rule.deny;
    if (perms.minWrap > 0 && perms.maxWrap > 0 && perms.maxWrap < perms.minWrap) return rule.deny;
    if (PARAM_OPS.has(op) && !paramsAllowed(rule.params, data)) return rule.deny;
    return rule.allow;
  }

  capabilities(path: string): Capability[] {
    // Vault resolves this like a list request (so the trailing-slash fallbacks apply).
    const rule = this.lookup(stripLeadingSlashes(path), true);
    return rule ? [...rule.allow.capabilities] : ["deny"];
  }

  /** The single rule that decides `path`: exact, then the best glob/wildcard rule. */
  private lookup(path: string, isList: boolean): Compiled | undefined {
    let rule = this.exact.get(path);
    if (rule) return rule;
    const trimmed = isList && path.endsWith("/") ? path.slice(0, -1) : undefined;
    if (isList) {
      rule = this.exact.get(trimmed ?? path);
      if (rule) return rule;
    }
    rule = this.nonExact(path);
    if (rule) return rule;
    return trimmed !== undefined ? this.nonExact(trimmed) : undefined;
  }

  private nonExact(path: string): Compiled | undefined {
    let prefix: string | undefined;
    let prefixRule: Compiled | undefined;
    for (const len of this.prefixLengths) {
      if (len > path.length) continue;
      const candidate = path.slice(0, len);
      const hit = this.prefixes.get(candidate);
      if (hit) {
        prefix = candidate;
        prefixRule = hit;
        break;
      }
    }
    if (this.wildcards.length === 0) return prefixRule;

    const parts = path.split("/");
    const best = this.wildcards.find((wc) => matchesSegments(wc, parts));
    if (!best) return prefixRule;
    if (!prefixRule || prefix === undefined) return best.rule;
    const globDescr: WildcardRule = {
      segments: [],
      isPrefix: true,
      firstWc: prefix.length,
      wildcards: 0,
      wcPath: prefix,
      rule: prefixRule,
    };
    return comparePriority(best, globDescr) > 0 ? best.rule : prefixRule;
  }
}

function stripLeadingSlashes(path: string): string {
  let i = 0;
  while (i < path.length && path.charCodeAt(i) === 47) i++;
  return i === 0 ? path : path.slice(i);
}

const ROOT_ACL: Acl = Object.freeze({
  root: true,
  check: (): AclDecision => ROOT_DECISION,
  capabilities: (): Capability[] => [...ALL_CAPS],
});

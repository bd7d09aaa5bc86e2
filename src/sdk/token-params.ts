import { canonicalCidrs } from "./cidr.js";
import { badRequest } from "./errors.js";
import type { FieldSchema, ParsedFields } from "./fields.js";

/**
 * The `token_*` settings every auth method's roles carry (Vault's tokenutil). A plugin adds
 * `tokenFields` to its role path, stores the TokenParams that `tokenParamsFromFields` returns, and
 * hands them back in its login result; the core applies them when it mints the token.
 */
export interface TokenParams {
  policies: string[];
  /** Seconds; 0 = the mount's default. */
  ttl: number;
  /** Seconds; 0 = the mount's max. */
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
  boundCidrs: string[];
  /** 0 = unlimited. */
  numUses: number;
  noDefaultPolicy: boolean;
  type: "default" | "service";
  /** Which deprecated keys were set, so reads echo them back as Vault does. */
  legacy: Partial<Record<LegacyKey, true>>;
}

export const emptyTokenParams = (): TokenParams => ({
  policies: [],
  ttl: 0,
  maxTtl: 0,
  explicitMaxTtl: 0,
  period: 0,
  boundCidrs: [],
  numUses: 0,
  noDefaultPolicy: false,
  type: "default",
  legacy: {},
});

export const tokenFields = {
  token_policies: { type: "comma_string_slice", description: "Policies of the tokens issued" },
  token_ttl: { type: "duration", description: "Initial TTL of issued tokens (0 = mount default)" },
  token_max_ttl: { type: "duration", description: "Maximum lifetime of issued tokens (0 = mount max)" },
  token_explicit_max_ttl: { type: "duration", description: "Hard cap on lifetime, survives role changes" },
  token_period: { type: "duration", description: "Makes tokens periodic: renewable forever in steps of this" },
  token_bound_cidrs: { type: "comma_string_slice", description: "Addresses allowed to log in and use the tokens" },
  token_num_uses: { type: "int", description: "Uses allowed per token (0 = unlimited)" },
  token_no_default_policy: { type: "bool", description: "Do not attach the default policy" },
  token_type: { type: "string", description: "default, default-service or service" },
} satisfies Record<string, FieldSchema>;

/** Deprecated spellings that Vault's older plugins still accept. */
export const legacyTokenFields = {
  policies: { type: "comma_string_slice", deprecated: true, description: 'Use "token_policies" instead' },
  ttl: { type: "duration", deprecated: true, description: 'Use "token_ttl" instead' },
  max_ttl: { type: "duration", deprecated: true, description: 'Use "token_max_ttl" instead' },
  period: { type: "duration", deprecated: true, description: 'Use "token_period" instead' },
  bound_cidrs: { type: "comma_string_slice", deprecated: true, description: 'Use "token_bound_cidrs" instead' },
} satisfies Record<string, FieldSchema>;

type LegacyKey = keyof typeof legacyTokenFields;

const LEGACY_TO_CURRENT: Record<LegacyKey, keyof typeof tokenFields> = {
  policies: "token_policies",
  ttl: "token_ttl",
  max_ttl: "token_max_ttl",
  period: "token_period",
  bound_cidrs: "token_bound_cidrs",
};

export type TokenFieldValues = ParsedFields<typeof tokenFields & Partial<typeof legacyTokenFields>>;

/** Policy names as Vault keeps them: trimmed, lower-cased, de-duplicated, sorted. */
export function sanitizePolicies(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n !== ""))].sort();
}

/**
 * Applies the supplied token fields (and legacy aliases) over `existing`. A `token_*` key wins over
 * its legacy alias; a lone legacy key sets the value and is remembered so reads echo it.
 */
export function tokenParamsFromFields(
  parsed: { values: Record<string, unknown>; supplied: Set<string> },
  existing: TokenParams = emptyTokenParams(),
): TokenParams {
  const next: TokenParams = { ...existing, legacy: { ...existing.legacy } };
  const v = parsed.values;
  const pick = (current: keyof typeof tokenFields): unknown => {
    if (parsed.supplied.has(current)) {
      for (const [legacy, cur] of Object.entries(LEGACY_TO_CURRENT)) {
        if (cur === current) delete next.legacy[legacy as LegacyKey];
      }
      return v[current];
    }
    for (const [legacy, cur] of Object.entries(LEGACY_TO_CURRENT)) {
      if (cur === current && parsed.supplied.has(legacy)) {
        next.legacy[legacy as LegacyKey] = true;
        return v[legacy];
      }
    }
    return undefined;
  };
  const policies = pick("token_policies");
  if (policies !== undefined) next.policies = sanitizePolicies(policies as string[]);
  const ttl = pick("token_ttl");
  if (ttl !== undefined) next.ttl = ttl as number;
  const maxTtl = pick("token_max_ttl");
  if (maxTtl !== undefined) next.maxTtl = maxTtl as number;
  const period = pick("token_period");
  if (period !== undefined) next.period = period as number;
  const cidrs = pick("token_bound_cidrs");
  if (cidrs !== undefined) next.boundCidrs = canonicalCidrs(cidrs as string[]);
  if (parsed.supplied.has("token_explicit_max_ttl")) next.explicitMaxTtl = v.token_explicit_max_ttl as number;
  if (parsed.supplied.has("token_num_uses")) next.numUses = v.token_num_uses as number;
  if (parsed.supplied.has("token_no_default_policy")) next.noDefaultPolicy = v.token_no_default_policy as boolean;
  if (parsed.supplied.has("token_type")) next.type = parseTokenType(v.token_type as string);
  validateTokenParams(next);
  return next;
}

function parseTokenType(value: string): TokenParams["type"] {
  switch (value.trim()) {
    case "":
    case "default":
    case "default-service":
      return "default";
    case "service":
      return "service";
    case "batch":
    case "default-batch":
      throw badRequest(`invalid 'token_type' value "${value}": batch tokens are not supported by warden`);
    default:
      throw badRequest(`invalid 'token_type' value "${value.slice(0, 40)}"`);
  }
}

export function validateTokenParams(p: TokenParams): void {
  if (p.numUses < 0) throw badRequest("'token_num_uses' cannot be negative");
  if (p.maxTtl > 0 && p.ttl > p.maxTtl) throw badRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
}

/** The read-back shape of the token fields (durations as integer seconds, lists never null). */
export function tokenParamsToData(p: TokenParams): Record<string, unknown> {
  const data: Record<string, unknown> = {
    token_bound_cidrs: p.boundCidrs,
    token_explicit_max_ttl: p.explicitMaxTtl,
    token_max_ttl: p.maxTtl,
    token_no_default_policy: p.noDefaultPolicy,
    token_num_uses: p.numUses,
    token_period: p.period,
    token_policies: p.policies,
    token_ttl: p.ttl,
    token_type: p.type === "default" ? "default-service" : p.type,
  };
  if (p.legacy.policies) data.policies = p.policies;
  if (p.legacy.ttl) data.ttl = p.ttl;
  if (p.legacy.max_ttl) data.max_ttl = p.maxTtl;
  if (p.legacy.period) data.period = p.period;
  if (p.legacy.bound_cidrs) data.bound_cidrs = p.boundCidrs;
  return data;
}

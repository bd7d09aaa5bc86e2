import type { TokenRecord } from "../../storage/types.js";

/** How tokens are shown: Vault's lookup `data` and login/create `auth` block. */

const unixSeconds = (ms: number): number => Math.floor(ms / 1000);

const DAY_MS = 86_400_000;
/** Date.prototype.toISOString's range of four-digit years: 0000-01-01 to 9999-12-31. */
const ISO_FIRST_MS = -62_167_219_200_000;
const ISO_END_MS = 253_402_300_800_000;
/** "YYYY-MM-DDT" per day number: a lookup shows two times, mostly of the same few days. */
const isoDays = new Map<number, string>();
const pad2 = (n: number): string => (n < 10 ? "0" + n : String(n));

/**
 * Vault formats times as RFC3339 with nanoseconds; milliseconds are what we have. Exactly
 * new Date(ms).toISOString() (a test holds it to that), with the date part cached per day and the
 * time of day formatted by hand: every lookup formats two times.
 */
export function rfc3339(ms: number): string {
  if (!Number.isInteger(ms) || ms < ISO_FIRST_MS || ms >= ISO_END_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  let date = isoDays.get(day);
  if (date === undefined) {
    date = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (isoDays.size >= 4096) isoDays.clear();
    isoDays.set(day, date);
  }
  const t = ms - day * DAY_MS;
  const milli = t % 1000;
  const seconds = (t - milli) / 1000;
  return date + pad2(Math.floor(seconds / 3600)) + ":" + pad2(Math.floor(seconds / 60) % 60) + ":" + pad2(seconds % 60) + "." + (milli < 10 ? "00" : milli < 100 ? "0" : "") + milli + "Z";
}

/**
 * A token as an answer carries it (login, create, renew), typed from the mint to the HTTP edge: the
 * response envelope's `auth` block (authBlock) and the audit entry's auth (audit/auth-facts.ts) are
 * both derived from this one value, never re-parsed from each other.
 */
export interface TokenAuth {
  /** The raw token handed to the client; "" when the answer withholds it (renew-accessor). */
  clientToken: string;
  record: TokenRecord;
  /** Policies the token's entity adds (its own and its groups'); none without an entity. */
  identityPolicies: readonly string[];
}

/** Token and identity policies together, as Vault's `auth.policies` shows them. */
export const allPolicies = (a: TokenAuth): string[] => [...new Set([...a.record.policies, ...a.identityPolicies])].sort();

/** The token's metadata as Vault shows it: null when there is none. */
export const shownMeta = (record: TokenRecord): Record<string, string> | null => (Object.keys(record.meta).length === 0 ? null : record.meta);

/** Lookup's `ttl`: whole seconds left (0 for a token that never expires, never below 0). */
export const remainingTtl = (record: TokenRecord, now: number): number => (record.expiresAt === 0 ? 0 : Math.max(0, Math.floor((record.expiresAt - now) / 1000)));

export function lookupData(record: TokenRecord, id: string, now = Date.now(), identityPolicies: string[] = []): Record<string, unknown> {
  const data: Record<string, unknown> = {
    accessor: record.accessor,
    creation_time: unixSeconds(record.createdAt),
    creation_ttl: record.ttl === 0 ? 0 : record.lastRenewalAt === 0 ? record.ttl : Math.round((record.expiresAt - record.createdAt) / 1000),
    display_name: record.displayName,
    entity_id: record.entityId,
    expire_time: record.expiresAt === 0 ? null : rfc3339(record.expiresAt),
    explicit_max_ttl: record.explicitMaxTtl,
    id,
    issue_time: rfc3339(record.createdAt),
    meta: shownMeta(record),
    num_uses: Math.max(record.numUses, 0),
    orphan: record.parentHash === null,
    path: record.path,
    policies: record.policies,
    renewable: record.renewable,
    ttl: remainingTtl(record, now),
    type: "service",
  };
  if (identityPolicies.length > 0) data.identity_policies = identityPolicies;
  if (record.period > 0) data.period = record.period;
  if (record.boundCidrs.length > 0) data.bound_cidrs = record.boundCidrs;
  if (record.role) data.role = record.role;
  if (record.lastRenewalAt > 0) {
    data.last_renewal_time = unixSeconds(record.lastRenewalAt);
    data.last_renewal = rfc3339(record.lastRenewalAt);
  }
  return data;
}

/** Vault's `auth` block of a response. */
export function authBlock(a: TokenAuth): Record<string, unknown> {
  const record = a.record;
  const block: Record<string, unknown> = {
    client_token: a.clientToken,
    accessor: record.accessor,
    policies: allPolicies(a),
    token_policies: record.policies,
    metadata: shownMeta(record),
    lease_duration: record.ttl,
    renewable: record.renewable,
    entity_id: record.entityId,
    token_type: "service",
    orphan: record.parentHash === null,
    mfa_requirement: null,
    num_uses: Math.max(record.numUses, 0),
  };
  if (a.identityPolicies.length > 0) block.identity_policies = [...a.identityPolicies];
  return block;
}

import type { TokenRecord } from "../../storage/types.js";

/** How tokens are shown: Vault's lookup `data` and login/create `auth` block. */

const unixSeconds = (ms: number): number => Math.floor(ms / 1000);

/** Vault formats times as RFC3339 with nanoseconds; milliseconds are what we have. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString();

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
    meta: Object.keys(record.meta).length === 0 ? null : record.meta,
    num_uses: Math.max(record.numUses, 0),
    orphan: record.parentHash === null,
    path: record.path,
    policies: record.policies,
    renewable: record.renewable,
    ttl: record.expiresAt === 0 ? 0 : Math.max(0, Math.floor((record.expiresAt - now) / 1000)),
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

export function authBlock(record: TokenRecord, clientToken: string, identityPolicies: string[] = []): Record<string, unknown> {
  const block: Record<string, unknown> = {
    client_token: clientToken,
    accessor: record.accessor,
    policies: [...new Set([...record.policies, ...identityPolicies])].sort(),
    token_policies: record.policies,
    metadata: Object.keys(record.meta).length === 0 ? null : record.meta,
    lease_duration: record.ttl,
    renewable: record.renewable,
    entity_id: record.entityId,
    token_type: "service",
    orphan: record.parentHash === null,
    mfa_requirement: null,
    num_uses: Math.max(record.numUses, 0),
  };
  if (identityPolicies.length > 0) block.identity_policies = identityPolicies;
  return block;
}

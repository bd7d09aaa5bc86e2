/**
 * The options a secret id is issued with (`secret-id` and `custom-secret-id` share them) and the
 * rules that keep a secret id within its role: its CIDRs are subsets of the role's, and its uses and
 * lifetime never exceed a limit the role sets.
 */
import { badRequest, canonicalCidrs, cidrWithin } from "warden/sdk";
import type { RoleEntry } from "./role-entry.js";
import { newAccessor, type SecretRecord } from "./secret-store.js";

export const secretOptionFields = {
  metadata: { type: "map", description: "JSON object of string values, copied into the token's metadata" },
  cidr_list: { type: "comma_string_slice", description: "Client addresses allowed to use this secret id (within the role's secret_id_bound_cidrs)" },
  token_bound_cidrs: { type: "comma_string_slice", description: "Addresses the token may be used from (within the role's token_bound_cidrs)" },
  num_uses: { type: "int", description: "Uses of this secret id (0 = unlimited; at most the role's secret_id_num_uses when set)" },
  ttl: { type: "duration", description: "Lifetime of this secret id (0 = the role's secret_id_ttl; at most it when set)" },
} as const;

export interface SecretOptionValues {
  metadata?: Record<string, unknown>;
  cidr_list?: string[];
  token_bound_cidrs?: string[];
  num_uses?: number;
  ttl?: number;
}

const MAX_METADATA_KEYS = 64;
const MAX_METADATA_VALUE = 512;

function stringMetadata(input: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!input) return out;
  const entries = Object.entries(input);
  if (entries.length > MAX_METADATA_KEYS) throw badRequest("metadata has too many keys");
  for (const [k, v] of entries) {
    if (typeof v !== "string") throw badRequest("failed to parse metadata: values must be strings");
    if (k === "" || k.length > 128 || v.length > MAX_METADATA_VALUE) throw badRequest("failed to parse metadata: key or value too long");
    out[k] = v;
  }
  return out;
}

function subset(field: string, wanted: string[] | undefined, allowed: string[]): string[] {
  const list = canonicalCidrs(wanted ?? []);
  if (allowed.length > 0) {
    for (const c of list) {
      if (!cidrWithin(c, allowed)) throw badRequest(`failed to verify the CIDR restrictions set on the secret ID: "${field}" must be a subset of the role's`);
    }
  }
  return list;
}

/** Validates the options against the role and builds the record to store. */
export function secretRecordFor(role: RoleEntry, opts: SecretOptionValues, has: (f: string) => boolean, now = Date.now()): SecretRecord {
  if (!role.bindSecretId) throw badRequest("bind_secret_id is not set on the role");
  let numUses = role.secretIdNumUses;
  if (has("num_uses")) {
    numUses = opts.num_uses ?? 0;
    if (numUses < 0) throw badRequest("num_uses cannot be negative");
    if (role.secretIdNumUses > 0 && (numUses === 0 || numUses > role.secretIdNumUses)) {
      throw badRequest("num_uses cannot be higher than the role's secret_id_num_uses");
    }
  }
  let ttl = role.secretIdTtl;
  if (has("ttl") && (opts.ttl ?? 0) > 0) {
    ttl = opts.ttl!;
    if (role.secretIdTtl > 0 && ttl > role.secretIdTtl) throw badRequest("ttl cannot be longer than the role's secret_id_ttl");
  }
  return {
    accessor: newAccessor(),
    metadata: stringMetadata(opts.metadata),
    cidrList: subset("cidr_list", opts.cidr_list, role.secretIdBoundCidrs),
    tokenBoundCidrs: subset("token_bound_cidrs", opts.token_bound_cidrs, role.token.boundCidrs),
    numUses,
    ttl,
    createdAt: now,
  };
}

/**
 * The role's fields, how a write applies them (the full role path and every per-field sub-path go
 * through `applyRoleWrite`, so the validation is one piece of code), and the read-back shape.
 */
import {
  badRequest,
  canonicalCidrs,
  emptyTokenParams,
  legacyTokenFields,
  tokenFields,
  tokenParamsFromFields,
  tokenParamsToData,
} from "warden/sdk";
import { newRoleId, newRoleKeys, type RoleEntry } from "./role-entry.js";

export const roleOwnFields = {
  bind_secret_id: { type: "bool", default: true, description: "Require a secret id at login" },
  secret_id_bound_cidrs: { type: "comma_string_slice", description: "Client addresses allowed to log in with a secret id of this role" },
  bound_cidr_list: { type: "comma_string_slice", deprecated: true, description: 'Use "secret_id_bound_cidrs" instead' },
  secret_id_num_uses: { type: "int", description: "Uses of each secret id (0 = unlimited)" },
  secret_id_ttl: { type: "duration", description: "Lifetime of each secret id (0 = never expires)" },
  local_secret_ids: { type: "bool", description: "Secret ids local to this cluster (set at creation only)" },
  role_id: { type: "string", description: "A custom role_id (default: a random UUID)" },
} as const;

export const roleWriteFields = { ...roleOwnFields, ...tokenFields, ...legacyTokenFields } as const;

/** What a write supplied: values plus the names the caller actually sent. */
export interface RoleInput {
  values: Record<string, unknown>;
  has(field: string): boolean;
}

const TOKEN_NAMES = [...Object.keys(tokenFields), ...Object.keys(legacyTokenFields)];

/**
 * Builds the role a write leaves behind, from the existing one (or defaults on create). Throws a 400
 * for anything invalid, so nothing is stored half-applied.
 */
export function applyRoleWrite(name: string, existing: RoleEntry | undefined, input: RoleInput): RoleEntry {
  const v = input.values;
  const role: RoleEntry = existing
    ? { ...existing, secretIdBoundCidrs: [...existing.secretIdBoundCidrs] }
    : {
        name,
        roleId: newRoleId(),
        ...newRoleKeys(),
        bindSecretId: true,
        secretIdBoundCidrs: [],
        secretIdNumUses: 0,
        secretIdTtl: 0,
        localSecretIds: false,
        token: emptyTokenParams(),
      };
  if (input.has("bind_secret_id")) role.bindSecretId = v.bind_secret_id as boolean;
  if (input.has("secret_id_bound_cidrs")) {
    role.secretIdBoundCidrs = canonicalCidrs(v.secret_id_bound_cidrs as string[]);
    delete role.legacyBoundCidrList;
  } else if (input.has("bound_cidr_list")) {
    role.secretIdBoundCidrs = canonicalCidrs(v.bound_cidr_list as string[]);
    role.legacyBoundCidrList = true;
  }
  if (input.has("secret_id_num_uses")) {
    const n = v.secret_id_num_uses as number;
    if (n < 0) throw badRequest("secret_id_num_uses cannot be negative");
    role.secretIdNumUses = n;
  }
  if (input.has("secret_id_ttl")) role.secretIdTtl = v.secret_id_ttl as number;
  if (input.has("local_secret_ids")) {
    const wanted = v.local_secret_ids as boolean;
    if (existing && wanted !== existing.localSecretIds) throw badRequest("local_secret_ids can only be modified during role creation");
    role.localSecretIds = wanted;
  }
  if (input.has("role_id")) {
    const id = String(v.role_id ?? "").trim();
    if (id === "") throw badRequest("role_id cannot be empty");
    if (id.length > 4096) throw badRequest("role_id is too long");
    role.roleId = id;
  }
  const supplied = new Set(TOKEN_NAMES.filter((n) => input.has(n)));
  role.token = tokenParamsFromFields({ values: v, supplied }, role.token);
  if (!role.bindSecretId && role.secretIdBoundCidrs.length === 0 && role.token.boundCidrs.length === 0) {
    throw badRequest("at least one constraint should be enabled on the role");
  }
  return role;
}

/** The role as `role/:role_name` reads it (Vault's keys; never the role_id, key or keyId). */
export function roleData(role: RoleEntry): Record<string, unknown> {
  const data: Record<string, unknown> = {
    bind_secret_id: role.bindSecretId,
    local_secret_ids: role.localSecretIds,
    secret_id_bound_cidrs: role.secretIdBoundCidrs,
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTtl,
    ...tokenParamsToData(role.token),
  };
  if (role.legacyBoundCidrList) data.bound_cidr_list = role.secretIdBoundCidrs;
  return data;
}

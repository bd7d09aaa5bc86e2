/**
 * Vault's per-field sub-paths of a role (`role/:role_name/policies`, `.../secret-id-ttl`, ...): read
 * one setting, update it, or delete it (back to its default). Each is a view on the role path, and
 * writes go through the same `writeRole`, so the validation ("at least one constraint" included)
 * cannot differ between the two ways of changing a role.
 */
import { badRequest, definePath, type AnyPathDefinition, type FieldSchema } from "warden/sdk";
import { writeRole } from "./path-role.js";
import { roleData, roleWriteFields } from "./role-fields.js";
import { canonicalRoleName, getRole, requireRole, roleNameField } from "./role-entry.js";

type FieldName = keyof typeof roleWriteFields;

interface SubPath {
  suffix: string;
  /** Fields a write accepts; the first is the one named in "missing ..." errors. */
  write: FieldName[];
  /** Keys a read returns (taken from the full role read, plus always-shown ones). */
  read: string[];
  /** The value a delete restores. */
  reset?: Record<string, unknown>;
}

const SUB_PATHS: SubPath[] = [
  { suffix: "policies", write: ["token_policies", "policies"], read: ["token_policies", "policies"], reset: { token_policies: [] } },
  { suffix: "secret-id-num-uses", write: ["secret_id_num_uses"], read: ["secret_id_num_uses"], reset: { secret_id_num_uses: 0 } },
  { suffix: "secret-id-ttl", write: ["secret_id_ttl"], read: ["secret_id_ttl"], reset: { secret_id_ttl: 0 } },
  { suffix: "token-ttl", write: ["token_ttl"], read: ["token_ttl"], reset: { token_ttl: 0 } },
  { suffix: "token-max-ttl", write: ["token_max_ttl"], read: ["token_max_ttl"], reset: { token_max_ttl: 0 } },
  { suffix: "token-num-uses", write: ["token_num_uses"], read: ["token_num_uses"], reset: { token_num_uses: 0 } },
  { suffix: "period", write: ["token_period", "period"], read: ["token_period", "period"], reset: { token_period: 0 } },
  { suffix: "bind-secret-id", write: ["bind_secret_id"], read: ["bind_secret_id"], reset: { bind_secret_id: true } },
  { suffix: "secret-id-bound-cidrs", write: ["secret_id_bound_cidrs"], read: ["secret_id_bound_cidrs"], reset: { secret_id_bound_cidrs: [] } },
  { suffix: "bound-cidr-list", write: ["bound_cidr_list"], read: ["bound_cidr_list"], reset: { secret_id_bound_cidrs: [] } },
  { suffix: "token-bound-cidrs", write: ["token_bound_cidrs"], read: ["token_bound_cidrs"], reset: { token_bound_cidrs: [] } },
  { suffix: "local-secret-ids", write: [], read: ["local_secret_ids"] },
];

// Legacy keys a sub-path shows even when the role was not written with them (Vault does).
const ALWAYS: Record<string, (d: Record<string, unknown>) => unknown> = {
  policies: (d) => d.token_policies,
  period: (d) => d.token_period,
  bound_cidr_list: (d) => d.secret_id_bound_cidrs,
};

function subPath(sp: SubPath): AnyPathDefinition {
  const fields: Record<string, FieldSchema> = { ...roleNameField };
  for (const f of sp.write) fields[f] = roleWriteFields[f];
  const operations: AnyPathDefinition["operations"] = {
    read: async (req) => {
      const role = await getRole(req.storage, canonicalRoleName(req.data.role_name as string | undefined));
      if (!role) return;
      const all = roleData(role);
      const data: Record<string, unknown> = {};
      for (const k of sp.read) data[k] = k in all ? all[k] : ALWAYS[k]?.(all);
      return { data };
    },
  };
  if (sp.write.length > 0) {
    operations.update = async (req) => {
      const role = await requireRole(req.storage, req.data.role_name as string | undefined);
      if (!sp.write.some((f) => req.has(f))) throw badRequest(`missing ${sp.write[0]}`);
      const values = req.data as Record<string, unknown>;
      await writeRole(req.storage, role.name, role, { values, has: (f) => sp.write.includes(f as FieldName) && req.has(f) });
    };
    operations.delete = async (req) => {
      const role = await getRole(req.storage, canonicalRoleName(req.data.role_name as string | undefined));
      if (!role) return;
      const reset = sp.reset ?? {};
      await writeRole(req.storage, role.name, role, { values: reset, has: (f) => f in reset });
    };
  }
  return definePath({ pattern: `role/:role_name/${sp.suffix}`, fields, operations, help: `Read, set or reset the role's ${sp.read[0]}.` });
}

export const roleFieldPaths: AnyPathDefinition[] = SUB_PATHS.map(subPath);

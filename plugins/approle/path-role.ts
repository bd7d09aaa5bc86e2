/**
 * `role/?` (list), `role/:role_name` (create/read/update/delete, with an existence check so the ACL
 * sees create vs update) and `role/:role_name/role-id` (read; update sets a custom role_id, which
 * must be unique in the mount because a login finds its role by it).
 */
import { badRequest, definePath, type PluginRequest, type StorageView } from "warden/sdk";
import { applyRoleWrite, roleData, roleWriteFields, type RoleInput } from "./role-fields.js";
import {
  canonicalRoleName,
  deleteRoleEntry,
  getRole,
  listRoles,
  putRole,
  requireRole,
  claimRoleId,
  roleNameField,
  type RoleEntry,
} from "./role-entry.js";
import { deleteAllSecrets } from "./secret-store.js";

const rolePathFields = { ...roleNameField, ...roleWriteFields } as const;

/** Applies a write to a role and stores it: the one place a role changes. */
export async function writeRole(storage: StorageView, name: string, existing: RoleEntry | undefined, input: RoleInput): Promise<RoleEntry> {
  const next = applyRoleWrite(name, existing, input);
  if (next.roleId !== existing?.roleId && !(await claimRoleId(storage, next.roleId, name))) {
    throw badRequest("role_id already in use");
  }
  await putRole(storage, next, existing?.roleId);
  return next;
}

const inputOf = (req: PluginRequest<any>): RoleInput => ({ values: req.data as Record<string, unknown>, has: (f) => req.has(f) });

export const rolePath = definePath({
  pattern: "role/:role_name",
  fields: rolePathFields,
  existenceCheck: async (req) => (await getRole(req.storage, canonicalRoleName(req.data.role_name))) !== undefined,
  operations: {
    create: async (req) => {
      const name = canonicalRoleName(req.data.role_name);
      await writeRole(req.storage, name, await getRole(req.storage, name), inputOf(req));
    },
    update: async (req) => {
      const role = await requireRole(req.storage, req.data.role_name);
      await writeRole(req.storage, role.name, role, inputOf(req));
    },
    read: async (req) => {
      const role = await getRole(req.storage, canonicalRoleName(req.data.role_name));
      return role ? { data: roleData(role) } : undefined;
    },
    delete: async (req) => {
      const role = await getRole(req.storage, canonicalRoleName(req.data.role_name));
      if (!role) return;
      // The role goes first: from then on no login can find it, whatever is left to clean.
      await deleteRoleEntry(req.storage, role);
      await deleteAllSecrets(req.storage, role);
    },
  },
  help: "Manage an AppRole role: secret-id constraints and the settings of the tokens it issues.",
});

export const roleListPath = definePath({
  pattern: "role/?",
  fields: {},
  operations: { list: async (req) => ({ data: { keys: await listRoles(req.storage) } }) },
  help: "List the roles.",
});

export const roleIdPath = definePath({
  pattern: "role/:role_name/role-id",
  fields: { ...roleNameField, role_id: { type: "string", description: "The custom role_id to set" } },
  operations: {
    read: async (req) => {
      const role = await getRole(req.storage, canonicalRoleName(req.data.role_name));
      return role ? { data: { role_id: role.roleId } } : undefined;
    },
    update: async (req) => {
      const role = await requireRole(req.storage, req.data.role_name);
      if (!req.has("role_id")) throw badRequest("missing role_id");
      await writeRole(req.storage, role.name, role, { values: { role_id: req.data.role_id }, has: (f) => f === "role_id" });
    },
  },
  help: "Read the role's role_id, or set a custom one.",
});

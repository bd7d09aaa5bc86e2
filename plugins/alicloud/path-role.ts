/**
 * `role/:role` (create/read/update/delete) and `role/?`, `roles/?` (list), Vault-compatible: role
 * names are lower-cased, `arn` is required on create and must be a RAM role ARN, and the shared
 * token_* fields (plus their deprecated aliases) come from the SDK mixin.
 */
import {
  badRequest,
  definePath,
  legacyTokenFields,
  tokenFields,
  tokenParamsFromRequest,
  tokenParamsToData,
  type PluginRequest,
} from "warden/sdk";
import { parseRoleArn } from "./arn.js";
import { canonicalRoleName, deleteRole, getRole, listRoles, putRole } from "./role-entry.js";

const roleFields = {
  role: { type: "lowercase_string", required: true, description: "Name of the role (lower-cased)" },
  arn: { type: "string", description: "The RAM role ARN whose sessions may log in: acs:ram::<account>:role/<name>" },
  ...tokenFields,
  ...legacyTokenFields,
} as const;

type RoleFields = typeof roleFields;

function nameOf(req: PluginRequest<RoleFields>): string {
  const name = canonicalRoleName(req.data.role ?? "");
  if (name === undefined) throw badRequest("invalid role name");
  return name;
}

async function writeRole(req: PluginRequest<RoleFields>): Promise<void> {
  const name = nameOf(req);
  const existing = await getRole(req.storage, name);
  if (!existing && req.operation === "update") throw badRequest(`no role found to update for ${name}`);
  let arn = existing?.arn;
  if (req.has("arn")) {
    const parsed = parseRoleArn(req.data.arn ?? "");
    if (typeof parsed === "string") throw badRequest(parsed);
    arn = parsed.full;
  }
  if (arn === undefined) throw badRequest("the arn is required to create a role");
  const token = tokenParamsFromRequest(req, existing?.token);
  await putRole(req.storage, name, { arn, token });
}

export const rolePath = definePath({
  pattern: "role/:role",
  fields: roleFields,
  existenceCheck: async (req) => (await getRole(req.storage, nameOf(req))) !== undefined,
  operations: {
    create: writeRole,
    update: writeRole,
    read: async (req) => {
      const role = await getRole(req.storage, nameOf(req));
      if (!role) return;
      return { data: { arn: role.arn, ...tokenParamsToData(role.token) } };
    },
    delete: async (req) => {
      await deleteRole(req.storage, nameOf(req));
    },
  },
  help: "Bind a RAM role (by ARN) to the token settings its sessions receive.",
});

const listHandler = async (req: PluginRequest<Record<string, never>>) => ({
  data: { keys: await listRoles(req.storage) },
});

export const roleListPath = definePath({
  pattern: "role/?",
  fields: {},
  operations: { list: listHandler },
  help: "List the configured roles.",
});

export const rolesListPath = definePath({
  pattern: "roles/?",
  fields: {},
  operations: { list: listHandler },
  help: "List the configured roles (alias of role/).",
});

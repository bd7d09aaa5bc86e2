/**
 * `role/:role` (create/read/update/delete) and `role/?` (list), Vault-compatible: names lower-cased,
 * `ocid_list` a comma list of at most 100 group / dynamic-group OCIDs (required and non-empty while
 * the mount is in authenticate_client mode), the get_user allow-lists, and the SDK's token_* fields.
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
import { readConfig } from "./config-entry.js";
import { isOcid } from "./ocid.js";
import { canonicalRoleName, deleteRole, getRole, listRoles, MAX_OCIDS, putRole } from "./role-entry.js";

const roleFields = {
  role: { type: "lowercase_string", required: true, description: "Name of the role (lower-cased)" },
  ocid_list: { type: "comma_string_slice", description: "Group or dynamic-group OCIDs allowed to take this role" },
  allowed_user_ocids: { type: "comma_string_slice", description: "get_user mode: user OCIDs allowed" },
  allowed_usernames: { type: "comma_string_slice", description: "get_user mode: OCI user names allowed (exact match)" },
  ...tokenFields,
  ...legacyTokenFields,
} as const;

type RoleFields = typeof roleFields;

function nameOf(req: PluginRequest<RoleFields>): string {
  const name = canonicalRoleName(req.data.role ?? "");
  if (name === undefined) throw badRequest("invalid role name");
  return name;
}

function ocids(list: string[], field: string, ...kinds: Parameters<typeof isOcid>[1][]): string[] {
  const unique = [...new Set(list)];
  if (unique.length > MAX_OCIDS) throw badRequest(`Number of OCIDs for this role exceeds the limit (${MAX_OCIDS})`);
  for (const o of unique) if (!isOcid(o, ...kinds)) throw badRequest(`${field} holds a value that is not a ${kinds.join(" or ")} OCID`);
  return unique;
}

async function writeRole(req: PluginRequest<RoleFields>): Promise<void> {
  const name = nameOf(req);
  const existing = await getRole(req.storage, name);
  if (!existing && req.operation === "update") throw badRequest("The specified role does not exist");
  const ocidList = req.has("ocid_list") ? ocids(req.data.ocid_list ?? [], "ocid_list", "group", "dynamicgroup") : (existing?.ocid_list ?? []);
  const users = req.has("allowed_user_ocids") ? ocids(req.data.allowed_user_ocids ?? [], "allowed_user_ocids", "user") : (existing?.allowed_user_ocids ?? []);
  const names = req.has("allowed_usernames") ? [...new Set(req.data.allowed_usernames ?? [])] : (existing?.allowed_usernames ?? []);
  if (names.length > MAX_OCIDS || names.some((n) => n.length > 256)) throw badRequest("allowed_usernames is too long");
  const cfg = await readConfig(req.storage);
  // Vault documents ocid_list as required but never enforced it, so roles that could never log in were accepted.
  if ((cfg?.mode ?? "authenticate_client") === "authenticate_client" && ocidList.length === 0) {
    throw badRequest("ocid_list is required (at least one group or dynamic-group OCID)");
  }
  const token = tokenParamsFromRequest(req, existing?.token);
  await putRole(req.storage, name, { ocid_list: ocidList, allowed_user_ocids: users, allowed_usernames: names, token });
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
      return {
        data: {
          ocid_list: role.ocid_list,
          allowed_user_ocids: role.allowed_user_ocids,
          allowed_usernames: role.allowed_usernames,
          ...tokenParamsToData(role.token),
        },
      };
    },
    delete: async (req) => deleteRole(req.storage, nameOf(req)),
  },
  help: "Bind OCI groups / dynamic groups (or, in get_user mode, users) to the token settings they receive.",
});

export const roleListPath = definePath({
  pattern: "role/?",
  fields: {},
  operations: { list: async (req) => ({ data: { keys: await listRoles(req.storage) } }) },
  help: "List the configured roles.",
});

/**
 * `role/:name` (names lower-cased as Vault does) and `role/?` (list): the SDK's roleCrudPaths brings
 * the name handling, existence check and token_* fields; this method adds who may take the role —
 * group / dynamic-group OCIDs (authenticate_client mode) or users (get_user mode).
 */
import { badRequest, roleCrudPaths } from "warden/sdk";
import { readConfig } from "./config-entry.js";
import { isOcid } from "./ocid.js";
import { MAX_OCIDS, type RoleEntry, roleStore } from "./role-entry.js";

function ocids(list: string[], field: string, ...kinds: Parameters<typeof isOcid>[1][]): string[] {
  const unique = [...new Set(list)];
  if (unique.length > MAX_OCIDS) throw badRequest(`Number of OCIDs for this role exceeds the limit (${MAX_OCIDS})`);
  for (const o of unique) if (!isOcid(o, ...kinds)) throw badRequest(`${field} holds a value that is not a ${kinds.join(" or ")} OCID`);
  return unique;
}

export const [rolePath, roleListPath] = roleCrudPaths({
  store: roleStore,
  fields: {
    ocid_list: { type: "comma_string_slice", description: "Group or dynamic-group OCIDs allowed to take this role" },
    allowed_user_ocids: { type: "comma_string_slice", description: "get_user mode: user OCIDs allowed" },
    allowed_usernames: { type: "comma_string_slice", description: "get_user mode: OCI user names allowed (exact match)" },
  },
  async write(req, existing, token): Promise<RoleEntry> {
    const ocidList = req.has("ocid_list") ? ocids(req.data.ocid_list ?? [], "ocid_list", "group", "dynamicgroup") : (existing?.ocid_list ?? []);
    const users = req.has("allowed_user_ocids") ? ocids(req.data.allowed_user_ocids ?? [], "allowed_user_ocids", "user") : (existing?.allowed_user_ocids ?? []);
    const names = req.has("allowed_usernames") ? [...new Set(req.data.allowed_usernames ?? [])] : (existing?.allowed_usernames ?? []);
    if (names.length > MAX_OCIDS || names.some((n) => n.length > 256)) throw badRequest("allowed_usernames is too long");
    const cfg = await readConfig(req.storage);
    // Vault documents ocid_list as required but never enforced it, so roles that could never log in were accepted.
    if ((cfg?.mode ?? "authenticate_client") === "authenticate_client" && ocidList.length === 0) {
      throw badRequest("ocid_list is required (at least one group or dynamic-group OCID)");
    }
    return { ocid_list: ocidList, allowed_user_ocids: users, allowed_usernames: names, token };
  },
  view: (role) => ({ ocid_list: role.ocid_list, allowed_user_ocids: role.allowed_user_ocids, allowed_usernames: role.allowed_usernames }),
  missingOnUpdate: () => "The specified role does not exist",
  listPatterns: ["role/?"],
  help: "Bind OCI groups / dynamic groups (or, in get_user mode, users) to the token settings they receive.",
});

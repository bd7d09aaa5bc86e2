/**
 * `role/:role` (create/read/update/delete) and `role/?`, `roles/?` (list), Vault-compatible: the SDK's
 * roleCrudPaths brings the name handling, existence check and token_* fields; this method adds `arn`,
 * required on create and necessarily a RAM role ARN.
 */
import { badRequest, roleCrudPaths } from "warden/sdk";
import { parseRoleArn } from "./arn.js";
import { type RoleEntry, roleStore } from "./role-entry.js";

export const [rolePath, roleListPath, rolesListPath] = roleCrudPaths({
  store: roleStore,
  fields: {
    arn: { type: "string", description: "The RAM role ARN whose sessions may log in: acs:ram::<account>:role/<name>" },
  },
  write(req, existing, token): RoleEntry {
    let arn = existing?.arn;
    if (req.has("arn")) {
      const parsed = parseRoleArn(req.data.arn ?? "");
      if (typeof parsed === "string") throw badRequest(parsed);
      arn = parsed.full;
    }
    if (arn === undefined) throw badRequest("the arn is required to create a role");
    return { arn, token };
  },
  view: (role) => ({ arn: role.arn }),
  help: "Bind a RAM role (by ARN) to the token settings its sessions receive.",
});

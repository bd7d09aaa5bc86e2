import { randomUUID } from "node:crypto";
import { badRequest } from "../../sdk/errors.js";
import type { FieldValues } from "../../sdk/fields.js";
import { sanitizePolicies } from "../../sdk/token-params.js";
import type { GroupRecord, IdentityStore } from "../../storage/types.js";
import { type AnyCorePath, type CoreResult, corePath } from "../framework/core-path.js";
import { checkName, refuseRootPolicy } from "./identity-input.js";
import type { IdentityService } from "./identity-service.js";
import { groupView } from "./identity-views.js";
import { type IdentityKind, keyListPath, keyedPath } from "./keyed-paths.js";

const groupFields = {
  id: { type: "string" },
  name: { type: "string" },
  policies: { type: "comma_string_slice" },
  member_entity_ids: { type: "comma_string_slice" },
  metadata: { type: "kv_pairs" },
  type: { type: "string" },
} as const;

/** identity/group*: Vault's group API (Vault's path_group), internal groups only: members are listed, not derived. */
export function groupPaths(store: IdentityStore, identity: IdentityService): AnyCorePath[] {
  /** Create or update a group; an update keeps what the request leaves out. */
  const writeGroup = async (existing: GroupRecord | undefined, d: FieldValues<typeof groupFields>): Promise<CoreResult> => {
    if (d.type !== undefined && d.type !== "" && d.type !== "internal") throw badRequest("only internal groups are supported");
    const now = Date.now();
    const members = d.member_entity_ids ?? existing?.memberEntityIds ?? [];
    for (const m of members) if (!(await store.getEntity(m))) throw badRequest(`invalid member entity id "${m.slice(0, 40)}"`);
    const id = existing?.id ?? randomUUID();
    const group: GroupRecord = {
      id,
      name: d.name !== undefined ? checkName(d.name) : (existing?.name ?? `group_${id.slice(0, 8)}`),
      policies: d.policies !== undefined ? sanitizePolicies(d.policies) : (existing?.policies ?? []),
      memberEntityIds: [...new Set(members)],
      metadata: d.metadata ?? existing?.metadata ?? {},
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    refuseRootPolicy(group.policies, "group");
    const ok = existing ? await identity.updateGroup(group) : await identity.insertGroup(group);
    if (!ok) throw badRequest(`group name "${group.name}" is already in use`);
    return { data: { id, name: group.name } };
  };

  const groups: IdentityKind<GroupRecord, typeof groupFields> = {
    prefix: "group",
    fields: groupFields,
    view: groupView,
    write: writeGroup,
    remove: (g) => identity.deleteGroup(g.id),
  };

  return [
    corePath({
      pattern: "group", help: "Create an identity group (or update one by id or name).",
      fields: groupFields,
      // An id naming no group creates a new group (with an id of its own), as before the split.
      operations: { update: async (req) => writeGroup(req.data.id ? await store.getGroup(req.data.id) : undefined, req.data) },
    }),
    keyListPath("group", "id", () => store.listGroups()),
    keyListPath("group", "name", () => store.listGroups()),
    keyedPath(groups, { by: "id", find: (id) => store.getGroup(id), missing: () => badRequest("group not found") }),
    keyedPath(groups, { by: "name", find: (name) => store.getGroupByName(name) }),
  ];
}

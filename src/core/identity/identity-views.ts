import type { EntityAliasRecord, EntityRecord, GroupRecord, IdentityStore } from "../../storage/types.js";
import type { MountTable } from "../mounts/mount-table.js";

/** How identity objects are shown: the shapes Vault's identity/ read and list answers have. */

const time = (ms: number): string => new Date(ms).toISOString();

export function aliasView(a: EntityAliasRecord, mounts: MountTable): Record<string, unknown> {
  const mount = mounts.authMounts().find((m) => m.record.accessor === a.mountAccessor);
  return {
    id: a.id,
    canonical_id: a.entityId,
    name: a.name,
    mount_accessor: a.mountAccessor,
    mount_path: mount?.record.path ?? "",
    mount_type: mount?.record.type ?? "",
    custom_metadata: a.metadata,
    // Vault answers both keys; warden keeps one map for them.
    metadata: a.metadata,
    creation_time: time(a.createdAt),
    // An alias record keeps no update time of its own.
    last_update_time: time(a.createdAt),
  };
}

/** Groups are internal and flat (no group in a group): every group is direct, none inherited. */
export async function entityView(e: EntityRecord, store: IdentityStore, mounts: MountTable): Promise<Record<string, unknown>> {
  const groups = await store.groupsOf(e.id);
  return {
    id: e.id,
    name: e.name,
    policies: e.policies,
    metadata: e.metadata,
    disabled: e.disabled,
    aliases: (await store.aliasesOf(e.id)).map((a) => aliasView(a, mounts)),
    group_ids: groups.map((g) => g.id),
    direct_group_ids: groups.map((g) => g.id),
    inherited_group_ids: [],
    creation_time: time(e.createdAt),
    last_update_time: time(e.updatedAt),
    namespace_id: "root",
  };
}

export function groupView(g: GroupRecord): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    type: "internal",
    policies: g.policies,
    member_entity_ids: g.memberEntityIds,
    metadata: g.metadata,
    creation_time: time(g.createdAt),
    last_update_time: time(g.updatedAt),
    namespace_id: "root",
  };
}

import { randomUUID } from "node:crypto";
import { badRequest, notFound } from "../../sdk/errors.js";
import { sanitizePolicies } from "../../sdk/token-params.js";
import type { EntityAliasRecord, EntityRecord, GroupRecord, Storage } from "../../storage/types.js";
import { type CoreBackend, corePath } from "../framework/core-path.js";
import type { MountTable } from "../mounts/mount-table.js";
import type { IdentityService } from "./identity-service.js";

const NAME = /^[A-Za-z0-9_.@-]{1,128}$/;

const entityFields = {
  id: { type: "string" },
  name: { type: "string" },
  policies: { type: "comma_string_slice" },
  metadata: { type: "kv_pairs" },
  disabled: { type: "bool" },
} as const;

const aliasFields = {
  id: { type: "string" },
  name: { type: "string" },
  canonical_id: { type: "string" },
  mount_accessor: { type: "string" },
  custom_metadata: { type: "kv_pairs" },
} as const;

const groupFields = {
  id: { type: "string" },
  name: { type: "string" },
  policies: { type: "comma_string_slice" },
  member_entity_ids: { type: "comma_string_slice" },
  metadata: { type: "kv_pairs" },
  type: { type: "string" },
} as const;

const time = (ms: number): string => new Date(ms).toISOString();

/** identity/*: Vault's entity, entity-alias and group API (internal groups). */
export function identityBackend(storage: Storage, identity: IdentityService, mounts: MountTable): CoreBackend {
  const store = storage.identity;

  const aliasView = (a: EntityAliasRecord): Record<string, unknown> => {
    const mount = mounts.authMounts().find((m) => m.record.accessor === a.mountAccessor);
    return {
      id: a.id,
      canonical_id: a.entityId,
      name: a.name,
      mount_accessor: a.mountAccessor,
      mount_path: mount?.record.path ?? "",
      mount_type: mount?.record.type ?? "",
      custom_metadata: a.metadata,
      metadata: a.metadata,
      creation_time: time(a.createdAt),
      last_update_time: time(a.createdAt),
    };
  };

  const entityView = async (e: EntityRecord): Promise<Record<string, unknown>> => {
    const groups = await store.groupsOf(e.id);
    return {
      id: e.id,
      name: e.name,
      policies: e.policies,
      metadata: e.metadata,
      disabled: e.disabled,
      aliases: (await store.aliasesOf(e.id)).map(aliasView),
      group_ids: groups.map((g) => g.id),
      direct_group_ids: groups.map((g) => g.id),
      inherited_group_ids: [],
      creation_time: time(e.createdAt),
      last_update_time: time(e.updatedAt),
      namespace_id: "root",
    };
  };

  const groupView = (g: GroupRecord): Record<string, unknown> => ({
    id: g.id,
    name: g.name,
    type: "internal",
    policies: g.policies,
    member_entity_ids: g.memberEntityIds,
    metadata: g.metadata,
    creation_time: time(g.createdAt),
    last_update_time: time(g.updatedAt),
    namespace_id: "root",
  });

  const checkName = (name: string): string => {
    if (!NAME.test(name)) throw badRequest(`invalid name "${name.slice(0, 40)}"`);
    return name;
  };

  /** Create or update an entity; `existing` decides which. */
  const writeEntity = async (existing: EntityRecord | undefined, d: { name?: string; policies?: string[]; metadata?: Record<string, string>; disabled?: boolean }) => {
    const now = Date.now();
    if (existing) {
      const next: EntityRecord = {
        ...existing,
        name: d.name !== undefined ? checkName(d.name) : existing.name,
        policies: d.policies !== undefined ? sanitizePolicies(d.policies) : existing.policies,
        metadata: d.metadata ?? existing.metadata,
        disabled: d.disabled ?? existing.disabled,
        updatedAt: now,
      };
      if (next.policies.includes("root")) throw badRequest('policy "root" cannot be assigned to an entity');
      if (!(await identity.updateEntity(next))) throw badRequest(`entity name "${next.name}" is already in use`);
      return { data: { id: next.id, name: next.name } };
    }
    const id = randomUUID();
    const entity: EntityRecord = {
      id,
      name: d.name !== undefined ? checkName(d.name) : `entity_${id.slice(0, 8)}`,
      policies: sanitizePolicies(d.policies ?? []),
      metadata: d.metadata ?? {},
      disabled: d.disabled ?? false,
      createdAt: now,
      updatedAt: now,
    };
    if (entity.policies.includes("root")) throw badRequest('policy "root" cannot be assigned to an entity');
    if (!(await identity.insertEntity(entity))) throw badRequest(`entity name "${entity.name}" is already in use`);
    return { data: { id, name: entity.name, aliases: null } };
  };

  const entityById = async (id: string | undefined): Promise<EntityRecord> => {
    const e = id ? await store.getEntity(id) : undefined;
    if (!e) throw notFound();
    return e;
  };

  const writeAlias = async (existing: EntityAliasRecord | undefined, d: { name?: string; canonical_id?: string; mount_accessor?: string; custom_metadata?: Record<string, string> }) => {
    const entityId = d.canonical_id ?? existing?.entityId;
    const accessor = d.mount_accessor ?? existing?.mountAccessor;
    const name = d.name ?? existing?.name;
    if (!entityId) throw badRequest("missing canonical_id");
    if (!accessor) throw badRequest("missing mount_accessor");
    if (!name) throw badRequest("missing alias name");
    if (!(await store.getEntity(entityId))) throw badRequest("invalid canonical_id: no such entity");
    if (!mounts.authMounts().some((m) => m.record.accessor === accessor && m.record.type !== "token")) {
      throw badRequest(`invalid mount accessor "${accessor.slice(0, 60)}"`);
    }
    const alias: EntityAliasRecord = {
      id: existing?.id ?? randomUUID(),
      entityId,
      mountAccessor: accessor,
      name,
      metadata: d.custom_metadata ?? existing?.metadata ?? {},
      createdAt: existing?.createdAt ?? Date.now(),
    };
    const ok = existing ? await identity.updateAlias(alias, existing.entityId) : await identity.insertAlias(alias);
    if (!ok) throw badRequest("alias already exists for requested mount accessor and name");
    return { data: { id: alias.id, canonical_id: entityId } };
  };

  const writeGroup = async (existing: GroupRecord | undefined, d: { name?: string; policies?: string[]; member_entity_ids?: string[]; metadata?: Record<string, string>; type?: string }) => {
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
    if (group.policies.includes("root")) throw badRequest('policy "root" cannot be assigned to a group');
    const ok = existing ? await identity.updateGroup(group) : await identity.insertGroup(group);
    if (!ok) throw badRequest(`group name "${group.name}" is already in use`);
    return { data: { id, name: group.name } };
  };

  const listEntities = async (by: "id" | "name") => {
    const all = await store.listEntities();
    const keys = all.map((e) => (by === "id" ? e.id : e.name)).sort();
    return { data: { keys, key_info: Object.fromEntries(all.map((e) => [by === "id" ? e.id : e.name, { name: e.name, id: e.id }])) } };
  };

  return {
    type: "identity",
    description: "identity store",
    paths: [
      corePath({
        pattern: "entity",
        fields: entityFields,
        operations: { update: async (req) => writeEntity(req.data.id ? await entityById(req.data.id) : undefined, req.data) },
      }),
      corePath({ pattern: "entity/id/?", fields: {}, operations: { list: () => listEntities("id") } }),
      corePath({ pattern: "entity/name/?", fields: {}, operations: { list: () => listEntities("name") } }),
      corePath({
        pattern: "entity/id/:id",
        fields: entityFields,
        operations: {
          read: async (req) => ({ data: await entityView(await entityById(req.data.id)) }),
          update: async (req) => writeEntity(await entityById(req.data.id), req.data),
          delete: async (req) => void (await identity.deleteEntity(req.data.id!)),
        },
      }),
      corePath({
        pattern: "entity/name/:name",
        fields: entityFields,
        operations: {
          read: async (req) => {
            const e = await store.getEntityByName(req.data.name!);
            if (!e) throw notFound();
            return { data: await entityView(e) };
          },
          update: async (req) => writeEntity(await store.getEntityByName(req.data.name!), req.data),
          delete: async (req) => {
            const e = await store.getEntityByName(req.data.name!);
            if (e) await identity.deleteEntity(e.id);
          },
        },
      }),
      corePath({ pattern: "entity-alias", fields: aliasFields, operations: { update: async (req) => writeAlias(undefined, req.data) } }),
      corePath({
        pattern: "entity-alias/id/?",
        fields: {},
        operations: { list: async () => ({ data: { keys: (await store.listAliases()).map((a) => a.id).sort() } }) },
      }),
      corePath({
        pattern: "entity-alias/id/:id",
        fields: aliasFields,
        operations: {
          read: async (req) => {
            const a = await store.getAlias(req.data.id!);
            if (!a) throw notFound();
            return { data: aliasView(a) };
          },
          update: async (req) => {
            const a = await store.getAlias(req.data.id!);
            if (!a) throw badRequest("entity alias not found");
            return writeAlias(a, req.data);
          },
          delete: async (req) => {
            const a = await store.getAlias(req.data.id!);
            if (a) await identity.deleteAlias(a);
          },
        },
      }),
      corePath({ pattern: "group", fields: groupFields, operations: { update: async (req) => writeGroup(req.data.id ? await store.getGroup(req.data.id) : undefined, req.data) } }),
      corePath({
        pattern: "group/id/?",
        fields: {},
        operations: { list: async () => ({ data: { keys: (await store.listGroups()).map((g) => g.id).sort() } }) },
      }),
      corePath({
        pattern: "group/name/?",
        fields: {},
        operations: { list: async () => ({ data: { keys: (await store.listGroups()).map((g) => g.name).sort() } }) },
      }),
      corePath({
        pattern: "group/id/:id",
        fields: groupFields,
        operations: {
          read: async (req) => {
            const g = await store.getGroup(req.data.id!);
            if (!g) throw notFound();
            return { data: groupView(g) };
          },
          update: async (req) => {
            const g = await store.getGroup(req.data.id!);
            if (!g) throw badRequest("group not found");
            return writeGroup(g, req.data);
          },
          delete: async (req) => void (await identity.deleteGroup(req.data.id!)),
        },
      }),
      corePath({
        pattern: "group/name/:name",
        fields: groupFields,
        operations: {
          read: async (req) => {
            const g = await store.getGroupByName(req.data.name!);
            if (!g) throw notFound();
            return { data: groupView(g) };
          },
          update: async (req) => writeGroup(await store.getGroupByName(req.data.name!), req.data),
          delete: async (req) => {
            const g = await store.getGroupByName(req.data.name!);
            if (g) await identity.deleteGroup(g.id);
          },
        },
      }),
    ],
  };
}

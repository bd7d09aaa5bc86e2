import { randomUUID } from "node:crypto";
import { badRequest } from "../../sdk/errors.js";
import type { FieldValues } from "../../sdk/fields.js";
import type { EntityAliasRecord, IdentityStore } from "../../storage/types.js";
import { type AnyCorePath, type CoreResult, corePath } from "../framework/core-path.js";
import type { MountTable } from "../mounts/mount-table.js";
import type { IdentityService } from "./identity-service.js";
import { aliasView } from "./identity-views.js";
import { type IdentityKind, keyListPath, keyedPath } from "./keyed-paths.js";

const aliasFields = {
  id: { type: "string" },
  name: { type: "string" },
  canonical_id: { type: "string" },
  mount_accessor: { type: "string" },
  custom_metadata: { type: "kv_pairs" },
} as const;

/** identity/entity-alias*: Vault's entity-alias API (Vault's path_entity_alias). Aliases are addressed by id only. */
export function entityAliasPaths(store: IdentityStore, identity: IdentityService, mounts: MountTable): AnyCorePath[] {
  /** Create or update an alias; an update keeps what the request leaves out. */
  const writeAlias = async (existing: EntityAliasRecord | undefined, d: FieldValues<typeof aliasFields>): Promise<CoreResult> => {
    const entityId = d.canonical_id ?? existing?.entityId;
    const accessor = d.mount_accessor ?? existing?.mountAccessor;
    const name = d.name ?? existing?.name;
    if (!entityId) throw badRequest("missing canonical_id");
    if (!accessor) throw badRequest("missing mount_accessor");
    if (!name) throw badRequest("missing alias name");
    if (!(await store.getEntity(entityId))) throw badRequest("invalid canonical_id: no such entity");
    // Token-store logins have no principal to alias.
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

  const aliases: IdentityKind<EntityAliasRecord, typeof aliasFields> = {
    prefix: "entity-alias",
    fields: aliasFields,
    view: (a) => aliasView(a, mounts),
    write: writeAlias,
    remove: (a) => identity.deleteAlias(a),
  };

  return [
    corePath({ pattern: "entity-alias", help: "Create an entity alias (an auth method's name for an entity).", fields: aliasFields, operations: { update: async (req) => writeAlias(undefined, req.data) } }),
    keyListPath("entity-alias", "id", () => store.listAliases()),
    keyedPath(aliases, { by: "id", find: (id) => store.getAlias(id), missing: () => badRequest("entity alias not found") }),
  ];
}

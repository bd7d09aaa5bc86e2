import { badRequest } from "../../sdk/errors.js";
import type { EntityRecord, IdentityStore } from "../../storage/types.js";
import { type AnyCorePath, corePath } from "../framework/core-path.js";
import type { MountTable } from "../mounts/mount-table.js";
import { entityView } from "./identity-views.js";

const lookupFields = {
  id: { type: "string", description: "The entity's id." },
  name: { type: "string", description: "The entity's name." },
  alias_id: { type: "string", description: "The id of one of its aliases." },
  alias_name: { type: "string", description: "An alias name; with alias_mount_accessor." },
  alias_mount_accessor: { type: "string", description: "The accessor of the alias' auth mount; with alias_name." },
} as const;

/**
 * identity/lookup/entity (Vault's): the entity behind an id, a name, an alias id, or a principal of
 * an auth mount (alias_name + alias_mount_accessor) — how an operator finds the entity a login made
 * on its own, e.g. to merge it. Exactly one criterion; nothing found answers 204, as in Vault.
 */
export function entityLookupPath(store: IdentityStore, mounts: MountTable): AnyCorePath {
  return corePath({
    pattern: "lookup/entity",
    help: "Find an entity by id, name, alias id, or alias name and mount accessor.",
    fields: lookupFields,
    operations: {
      update: async (req) => {
        const d = req.data;
        const byAlias = d.alias_name !== undefined || d.alias_mount_accessor !== undefined;
        const criteria = [d.id !== undefined, d.name !== undefined, d.alias_id !== undefined, byAlias].filter(Boolean).length;
        if (criteria !== 1) throw badRequest("give exactly one of id, name, alias_id, or alias_name with alias_mount_accessor");
        let entity: EntityRecord | undefined;
        if (d.id !== undefined) entity = await store.getEntity(d.id);
        else if (d.name !== undefined) entity = await store.getEntityByName(d.name);
        else if (d.alias_id !== undefined) {
          const alias = await store.getAlias(d.alias_id);
          entity = alias && (await store.getEntity(alias.entityId));
        } else {
          if (!d.alias_name || !d.alias_mount_accessor) throw badRequest("alias_name and alias_mount_accessor go together");
          const alias = await store.findAlias(d.alias_mount_accessor, d.alias_name);
          entity = alias && (await store.getEntity(alias.entityId));
        }
        return entity ? { data: await entityView(entity, store, mounts) } : undefined;
      },
    },
  });
}

import { randomUUID } from "node:crypto";
import { badRequest, notFound } from "../../sdk/errors.js";
import type { FieldValues } from "../../sdk/fields.js";
import { sanitizePolicies } from "../../sdk/token-params.js";
import type { EntityRecord, IdentityStore } from "../../storage/types.js";
import { type AnyCorePath, type CoreResult, corePath } from "../framework/core-path.js";
import type { MountTable } from "../mounts/mount-table.js";
import { checkName, refuseRootPolicy } from "./identity-input.js";
import type { IdentityService } from "./identity-service.js";
import { entityMergePath } from "./entity-merge.js";
import { entityView } from "./identity-views.js";
import { type IdentityKind, keyListPath, keyedPath } from "./keyed-paths.js";

const entityFields = {
  id: { type: "string" },
  name: { type: "string" },
  policies: { type: "comma_string_slice" },
  metadata: { type: "kv_pairs" },
  disabled: { type: "bool" },
} as const;

/** identity/entity*: Vault's entity API (Vault's path_entities). */
export function entityPaths(store: IdentityStore, identity: IdentityService, mounts: MountTable): AnyCorePath[] {
  /** Create or update an entity; `existing` decides which. Writes go through the service so its cache stays true. */
  const writeEntity = async (existing: EntityRecord | undefined, d: FieldValues<typeof entityFields>): Promise<CoreResult> => {
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
      refuseRootPolicy(next.policies, "entity");
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
    refuseRootPolicy(entity.policies, "entity");
    if (!(await identity.insertEntity(entity))) throw badRequest(`entity name "${entity.name}" is already in use`);
    return { data: { id, name: entity.name, aliases: null } };
  };

  const entities: IdentityKind<EntityRecord, typeof entityFields> = {
    prefix: "entity",
    fields: entityFields,
    view: (e) => entityView(e, store, mounts),
    write: writeEntity,
    // Deleting an entity also revokes its tokens (IdentityService.deleteEntity).
    remove: (e) => identity.deleteEntity(e.id),
  };
  const byId = keyedPath(entities, { by: "id", find: (id) => store.getEntity(id), missing: () => notFound() });
  const keyInfo = (e: EntityRecord) => ({ name: e.name, id: e.id });

  return [
    corePath({
      pattern: "entity", help: "Create an identity entity (or update one by id or name).",
      fields: entityFields,
      // With an id this is an update of that entity, exactly as entity/id/:id.
      operations: { update: async (req) => (req.data.id ? byId.operations.update!(req) : writeEntity(undefined, req.data)) },
    }),
    entityMergePath(store, identity),
    keyListPath("entity", "id", () => store.listEntities(), keyInfo),
    keyListPath("entity", "name", () => store.listEntities(), keyInfo),
    byId,
    keyedPath(entities, { by: "name", find: (name) => store.getEntityByName(name) }),
  ];
}

import { badRequest } from "../../sdk/errors.js";
import { sanitizePolicies } from "../../sdk/token-params.js";
import type { EntityAliasRecord, EntityRecord, IdentityStore } from "../../storage/types.js";
import { type AnyCorePath, corePath } from "../framework/core-path.js";
import type { IdentityService } from "./identity-service.js";

const mergeFields = {
  from_entity_ids: { type: "comma_string_slice", description: "Entities merged into to_entity_id; they are deleted afterwards." },
  to_entity_id: { type: "string", description: "The entity that remains." },
  force: { type: "bool", description: "Vault's switch for conflicting MFA secrets; warden keeps none, so it changes nothing." },
  conflicting_alias_ids_to_keep: {
    type: "comma_string_slice",
    description: "When two merged entities have an alias on the same mount, the alias id to keep (the other is deleted).",
  },
} as const;

/**
 * identity/entity/merge (Vault's): an operator who aliased a principal too late — its first login
 * already made it an entity of its own — folds that entity into the one it belongs to. The from
 * entities' aliases and group memberships move to the target, their policies are added to its own,
 * and the from entities are deleted, which revokes their tokens (warden keeps no merged-id
 * forwarding: a workload logs in again and gets the merged entity). Two aliases on one mount would
 * make one principal two identities, so such a conflict is a 400 naming them unless
 * `conflicting_alias_ids_to_keep` picks the survivor, as in Vault. Nothing is changed before every
 * check passed; each write goes through the identity service (caches here, change feed elsewhere).
 */
export function entityMergePath(store: IdentityStore, identity: IdentityService): AnyCorePath {
  return corePath({
    pattern: "entity/merge",
    help: "Merge entities into one: aliases, group memberships and policies move to to_entity_id.",
    fields: mergeFields,
    operations: {
      update: async (req) => {
        const d = req.data;
        if (!d.to_entity_id) throw badRequest("missing to_entity_id");
        const fromIds = [...new Set(d.from_entity_ids ?? [])];
        if (fromIds.length === 0) throw badRequest("missing from_entity_ids");
        if (fromIds.includes(d.to_entity_id)) throw badRequest("to_entity_id should not be present in from_entity_ids");
        const to = await store.getEntity(d.to_entity_id);
        if (!to) throw badRequest("entity id to merge to is invalid");
        const from: EntityRecord[] = [];
        for (const id of fromIds) {
          const e = await store.getEntity(id);
          if (!e) throw badRequest(`entity id to merge from is invalid: ${id.slice(0, 60)}`);
          from.push(e);
        }

        // Plan: which alias ends up on which mount, and which aliases go.
        const keep = new Set(d.conflicting_alias_ids_to_keep ?? []);
        const onMount = new Map<string, EntityAliasRecord>();
        for (const a of await store.aliasesOf(to.id)) onMount.set(a.mountAccessor, a);
        const moves: Array<{ alias: EntityAliasRecord; from: string }> = [];
        const drops: EntityAliasRecord[] = [];
        const conflicts: string[] = [];
        for (const e of from) {
          for (const a of await store.aliasesOf(e.id)) {
            const there = onMount.get(a.mountAccessor);
            if (!there) {
              onMount.set(a.mountAccessor, a);
              moves.push({ alias: a, from: e.id });
            } else if (keep.has(a.id) && !keep.has(there.id)) {
              drops.push(there);
              const moved = moves.findIndex((m) => m.alias.id === there.id);
              if (moved !== -1) moves.splice(moved, 1);
              onMount.set(a.mountAccessor, a);
              moves.push({ alias: a, from: e.id });
            } else if (keep.has(there.id) && !keep.has(a.id)) {
              drops.push(a);
            } else {
              conflicts.push(`${there.id} and ${a.id} (mount accessor ${a.mountAccessor})`);
            }
          }
        }
        if (conflicts.length > 0) {
          throw badRequest(`conflicting aliases on one mount: ${conflicts.join(", ")}; repeat with conflicting_alias_ids_to_keep naming the alias to keep of each pair`);
        }

        for (const a of drops) await identity.deleteAlias(a);
        for (const m of moves) {
          if (!(await identity.updateAlias({ ...m.alias, entityId: to.id }, m.from))) throw badRequest(`alias ${m.alias.id} could not be moved`);
        }
        for (const e of from) {
          for (const g of await store.groupsOf(e.id)) {
            const members = [...new Set(g.memberEntityIds.map((id) => (id === e.id ? to.id : id)))];
            await identity.updateGroup({ ...g, memberEntityIds: members, updatedAt: Date.now() });
          }
        }
        const policies = sanitizePolicies([...to.policies, ...from.flatMap((e) => e.policies)]);
        await identity.updateEntity({ ...to, policies, updatedAt: Date.now() });
        // Its aliases are gone already: deleting the entity now only ends it and its tokens.
        for (const e of from) await identity.deleteEntity(e.id);
        return undefined;
      },
    },
  });
}

import type { Storage } from "../../storage/types.js";
import type { CoreBackend } from "../framework/core-path.js";
import type { MountTable } from "../mounts/mount-table.js";
import { entityAliasPaths } from "./entity-alias-paths.js";
import { entityLookupPath } from "./entity-lookup.js";
import { entityPaths } from "./entity-paths.js";
import { groupPaths } from "./group-paths.js";
import type { IdentityService } from "./identity-service.js";

/**
 * identity/*: Vault's entity, entity-alias and group API (internal groups). Each kind's paths live
 * in a module of their own, as in Vault; the OIDC provider (identity/oidc/*) is added by core.ts.
 */
export function identityBackend(storage: Storage, identity: IdentityService, mounts: MountTable): CoreBackend {
  const store = storage.identity;
  return {
    type: "identity",
    description: "identity store",
    paths: [...entityPaths(store, identity, mounts), ...entityAliasPaths(store, identity, mounts), ...groupPaths(store, identity), entityLookupPath(store, mounts)],
  };
}

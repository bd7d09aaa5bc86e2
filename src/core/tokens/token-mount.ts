import type { MountTable } from "../mounts/mount-table.js";
import { type LeaseLimits, effectiveLimits } from "./ttl.js";

/** The auth/token/ mount as the token store's own handlers (create, renew) see it. */

const TOKEN_MOUNT = "auth/token/";

/** The token mount's lease limits resolved against the system's; read per request, so a tune applies at once. */
export function tokenMountLimits(systemLimits: LeaseLimits, mounts: MountTable): LeaseLimits {
  return effectiveLimits(systemLimits, mounts.get(TOKEN_MOUNT)?.limits ?? { defaultTtl: 0, maxTtl: 0 });
}

/** The accessor created tokens record as their issuing mount's. */
export function tokenMountAccessor(mounts: MountTable): string {
  return mounts.get(TOKEN_MOUNT)?.record.accessor ?? "";
}

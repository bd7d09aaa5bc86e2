import { type AnyCorePath, corePath } from "../framework/core-path.js";
import type { LockoutService } from "../login/lockout.js";

/** sys/locked-users (Vault's shape, one namespace) and sys/locked-users/:accessor/unlock/:alias. */
export function sysLockoutPaths(lockout: LockoutService): AnyCorePath[] {
  return [
    corePath({
      pattern: "locked-users", help: "List the users locked out by repeated failed logins.",
      fields: { mount_accessor: { type: "string" } },
      sudo: true,
      operations: {
        read: async (req) => {
          const locked = (await lockout.list()).filter((l) => !req.data.mount_accessor || l.mountAccessor === req.data.mount_accessor);
          const byMount = new Map<string, typeof locked>();
          for (const l of locked) byMount.set(l.mountAccessor, [...(byMount.get(l.mountAccessor) ?? []), l]);
          return {
            data: {
              by_namespace: [
                {
                  namespace_id: "root",
                  namespace_path: "",
                  counts: locked.length,
                  mount_accessors: [...byMount].map(([accessor, list]) => ({
                    mount_accessor: accessor,
                    counts: list.length,
                    alias_identifiers: [...new Set(list.map((l) => l.alias))],
                    locked: list.map((l) => ({ alias: l.alias, client_address: l.clientAddress, locked_until: new Date(l.lockedUntil).toISOString(), failures: l.failures })),
                  })),
                },
              ],
              total: locked.length,
            },
          };
        },
      },
    }),
    corePath({
      pattern: "locked-users/:mount_accessor/unlock/:alias", help: "Unlock a user locked out of an auth method.",
      fields: { mount_accessor: { type: "string" }, alias: { type: "string" } },
      sudo: true,
      operations: {
        update: async (req) => {
          await lockout.unlock(req.data.mount_accessor!, req.data.alias!);
        },
      },
    }),
  ];
}

import { type AnyCorePath, corePath } from "../framework/core-path.js";

/** What sys/ needs from the seal (src/core/seal/manager.ts). */
export interface SealControls {
  rotate(): Promise<void>;
  keyStatus(): { term: number; installTime: number; encryptions: number };
}

/**
 * sys/seal, sys/rotate and sys/key-status go through the pipeline like any sys/ path, so the token,
 * the ACL (sudo) and audit apply. sys/seal itself only authorises here: the HTTP layer seals after the
 * 204 is decided, because sealing stops the very core that is answering.
 */
export function sysSealPaths(seal: SealControls | undefined): AnyCorePath[] {
  if (!seal) return [];
  return [
    corePath({ pattern: "seal", help: "Seal the server: nothing behind the barrier is reachable until it is unsealed.", sudo: true, fields: {}, operations: { update: async () => undefined } }),
    corePath({
      pattern: "rotate", help: "Add a new encryption key to the keyring; new values are written with it.",
      sudo: true,
      fields: {},
      operations: {
        update: async () => {
          await seal.rotate();
        },
      },
    }),
    // The snapshot itself is streamed by the HTTP layer (server/snapshot-routes.ts) once this authorised it (sudo),
    // as sys/seal: a body that is a file, not JSON, and a restore that replaces the core answering it.
    corePath({
      pattern: "storage/snapshot",
      help: "Online snapshot of the storage (SQLite): read saves one (streamed), update restores one (the request body). PostgreSQL: use pg_dump.",
      sudo: true,
      fields: {},
      operations: { read: async () => ({ data: {} }), update: async () => undefined },
    }),
    corePath({
      pattern: "key-status", help: "Show the keyring's current key term and install time.",
      sudo: true,
      fields: {},
      operations: {
        read: async () => {
          const k = seal.keyStatus();
          return { data: { term: k.term, install_time: new Date(k.installTime).toISOString(), encryptions: k.encryptions } };
        },
      },
    }),
  ];
}

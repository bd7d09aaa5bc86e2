import type { Logger } from "../../sdk/plugin.js";
import type { Storage } from "../../storage/types.js";
import { BARRIER_PREFIX } from "../seal/keyring.js";
import type { Barrier } from "./barrier.js";

const INIT_MARK = "init/done";

/**
 * A database written before the barrier existed holds its values in clear. Encrypting them in place
 * (one transaction per dialect, then WAL checkpoint + VACUUM on SQLite) is not implemented yet: such
 * a database is refused at unseal, with this message, rather than served half-readable.
 */
export async function encryptClearValues(raw: Storage, _barrier: Barrier, log: Logger): Promise<void> {
  const mark = await raw.system.get(INIT_MARK);
  if (mark === undefined || mark.startsWith(BARRIER_PREFIX)) return;
  log.error("seal: this database was written by a release without the barrier; its clear values cannot be migrated by this build");
  throw new Error("database written before the barrier: upgrade migration not available in this build");
}

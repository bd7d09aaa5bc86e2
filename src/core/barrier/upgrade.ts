/**
 * The upgrade of a database written before the barrier existed: every clear value is encrypted in
 * place, in ONE transaction per dialect (storage.rewriteAll), so a crash leaves either the old clear
 * database or the fully encrypted one, never a mix. SQLite then VACUUMs and truncates its WAL, so no
 * clear copy stays in the file; PostgreSQL's dead row versions are the operator's VACUUM.
 *
 * At sys/init the seal record is inserted in that same transaction: a crash before the commit leaves
 * the database uninitialised and as it was (init again; no key was handed out), after it initialised
 * and encrypted. An unseal that finds a clear value again (a node of the old release wrote after the
 * upgrade) finishes the job the same way before the core boots.
 */
import type { Logger } from "../../sdk/plugin.js";
import type { RowRewrite, Storage } from "../../storage/types.js";
import { BARRIER_PREFIX } from "../seal/keyring.js";
import { SEAL_SYSTEM_KEYS, aad, sealAlias, sealEntity, sealGroup, sealMount, sealToken, sealedOf, tokenIsSealed } from "./barrier-storage.js";
import type { Barrier } from "./barrier.js";

/** Written by every release at init; clear means the database predates the barrier. */
const INIT_MARK = "init/done";

const isSealedText = (v: unknown): boolean => typeof v === "string" && v.startsWith(BARRIER_PREFIX);

/** Per table: the encrypted columns of a row still in clear; undefined for a row already encrypted. */
export function encryptRows(b: Barrier): RowRewrite["rows"] {
  return {
    system: (r) => (SEAL_SYSTEM_KEYS.test(r.key) || isSealedText(r.value) ? undefined : { value: b.encrypt(r.value, aad.system(r.key)) }),
    kv: (r) => (isSealedText(r.value) ? undefined : { value: b.encryptJson(r.value, aad.kv(r.namespace, r.key)) }),
    counted: (r) => (isSealedText(r.value) ? undefined : { value: b.encryptJson(r.value, aad.counted(r.namespace, r.key)) }),
    policies: (r) => (isSealedText(r.text) ? undefined : { text: b.encrypt(r.text, aad.policy(r.name)) }),
    mounts: (r) => (sealedOf(r.options) ? undefined : sealMount(b, r)),
    tokens: (r) => (tokenIsSealed(r) ? undefined : sealToken(b, r)),
    entities: (r) => (sealedOf(r.metadata) ? undefined : sealEntity(b, r)),
    entityAliases: (r) => (sealedOf(r.metadata) ? undefined : sealAlias(b, r)),
    groups: (r) => (sealedOf(r.metadata) ? undefined : sealGroup(b, r)),
  };
}

/**
 * Encrypts every clear value; `insertSystem` rows (the seal record at init) go in the same
 * transaction. Returns how many rows were rewritten.
 */
export async function encryptClearValues(raw: Storage, barrier: Barrier, log: Logger, insertSystem?: RowRewrite["insertSystem"]): Promise<number> {
  if (await hasClearValues(raw)) log.info("seal: upgrading a database written before the barrier: encrypting every clear value in one transaction");
  const n = await raw.rewriteAll({ rows: encryptRows(barrier), insertSystem });
  if (n > 0) log.info("seal: encrypted the clear values of a database written before the barrier", { rows: n });
  return n;
}

/** Cheap check at unseal (no table scan): is the init mark still clear? */
export async function hasClearValues(raw: Storage): Promise<boolean> {
  const mark = await raw.system.get(INIT_MARK);
  return mark !== undefined && !isSealedText(mark);
}

/**
 * What both adapters' rewriteAll share: which columns identify a row of each rewritten table, so a
 * rewrite never changes a key and each update names exactly one row.
 */
import type { RewriteTable } from "./types.js";

export const REWRITE_KEYS: Record<RewriteTable, readonly string[]> = {
  system: ["key"],
  kv: ["namespace", "key"],
  counted: ["namespace", "key"],
  policies: ["name"],
  mounts: ["path"],
  tokens: ["idHash"],
  entities: ["id"],
  entityAliases: ["id"],
  groups: ["id"],
};

/** The changed columns without the key columns (a rewrite cannot move a row). */
export function withoutKeys(table: RewriteTable, changed: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...changed };
  for (const k of REWRITE_KEYS[table]) delete out[k];
  return out;
}

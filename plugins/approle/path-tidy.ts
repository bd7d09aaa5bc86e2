/**
 * `tidy/secret-id`: removes expired and used-up secret ids, accessor entries that point at nothing,
 * and secret ids left behind by roles that no longer exist. Runs inline (Vault runs it in the
 * background and answers 202; the result is the same, and a mount cannot run two at once).
 */
import { WardenError, definePath, type AnyPathDefinition, type StorageView } from "warden/sdk";
import { getRole, listRoles, type RoleEntry } from "./role-entry.js";
import { deleteAccessorEntry, destroySecret, hmacForAccessor, listAccessors, peekSecret } from "./secret-store.js";

export interface TidyCounts {
  secret_ids: number;
  accessors: number;
}

async function tidyRole(storage: StorageView, role: RoleEntry, counts: TidyCounts): Promise<void> {
  const live = new Set<string>();
  for (const accessor of await listAccessors(storage, role)) {
    const hmac = await hmacForAccessor(storage, role, accessor);
    const secret = hmac === undefined ? undefined : await peekSecret(storage, role, hmac);
    if (hmac !== undefined && secret && secret.record.accessor === accessor) {
      live.add(hmac);
      continue;
    }
    // A live secret behind a stale accessor (re-registered custom id) keeps its entry.
    if (hmac !== undefined && !secret && (await destroySecret(storage, role, hmac, accessor))) counts.secret_ids += 1;
    else await deleteAccessorEntry(storage, role, accessor);
    counts.accessors += 1;
  }
  // Counted entries with no live accessor: expired, used up, or orphaned by a crash.
  for (const key of await storage.listCounted(`secret/${role.keyId}/`)) {
    if (live.has(key.slice(key.lastIndexOf("/") + 1))) continue;
    if (await storage.deleteCounted(key)) counts.secret_ids += 1;
  }
}

export async function tidySecretIds(storage: StorageView): Promise<TidyCounts> {
  const counts: TidyCounts = { secret_ids: 0, accessors: 0 };
  const keyIds = new Set<string>();
  for (const name of await listRoles(storage)) {
    const role = await getRole(storage, name);
    if (!role) continue;
    keyIds.add(role.keyId);
    await tidyRole(storage, role, counts);
  }
  // Leftovers of deleted roles (deletion interrupted half-way).
  for (const key of await storage.listCounted("secret/")) {
    if (keyIds.has(key.split("/")[1] ?? "")) continue;
    if (await storage.deleteCounted(key)) counts.secret_ids += 1;
  }
  for (const dir of await storage.list("accessor/")) {
    if (!dir.endsWith("/") || keyIds.has(dir.slice(0, -1))) continue;
    for (const a of await storage.list(`accessor/${dir}`)) {
      await storage.delete(`accessor/${dir}${a}`);
      counts.accessors += 1;
    }
  }
  return counts;
}

/** The mount's tidy path: one tidy at a time per mount (its instance holds the flag). */
export function tidyPath(): AnyPathDefinition {
  let running = false;
  return definePath({
    pattern: "tidy/secret-id",
    fields: {},
    operations: {
      update: async (req) => {
        if (running) throw new WardenError(429, "SecretID tidy operation already in progress");
        running = true;
        try {
          return { data: { ...(await tidySecretIds(req.storage)) }, warnings: ["Tidy operation completed."] };
        } finally {
          running = false;
        }
      },
    },
    help: "Remove expired and used-up secret ids and dangling accessors.",
  });
}

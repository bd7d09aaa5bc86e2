import type { StorageView } from "../../sdk/plugin.js";
import type { KvStore } from "../../storage/types.js";

/**
 * A mount's private slice of the key/value store: the namespace is the mount's uuid, so a plugin
 * can neither see nor touch another mount's keys, and unmounting drops exactly its data.
 */
export function mountStorageView(kv: KvStore, namespace: string): StorageView {
  return {
    get: async <T>(key: string) => (await kv.get(namespace, key)) as T | undefined,
    put: (key, value) => kv.put(namespace, key, value),
    delete: async (key) => {
      await kv.delete(namespace, key);
    },
    async list(prefix) {
      const keys = await kv.listKeys(namespace, prefix);
      const out = new Set<string>();
      for (const key of keys) {
        const rest = key.slice(prefix.length);
        const slash = rest.indexOf("/");
        out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
      }
      return [...out].sort();
    },
    claimOnce: (key, ttlSeconds) => kv.claimOnce(namespace, `claim/${key}`, Date.now() + ttlSeconds * 1000),
    putCounted: (key, value, { uses, ttlSeconds }) =>
      kv.putCounted(namespace, key, value, Math.max(0, Math.floor(uses)), ttlSeconds > 0 ? Date.now() + ttlSeconds * 1000 : 0),
    takeCounted: async <T>(key: string) => (await kv.takeCounted(namespace, key, Date.now())) as { value: T; usesLeft: number } | undefined,
    peekCounted: async <T>(key: string) =>
      (await kv.peekCounted(namespace, key, Date.now())) as { value: T; usesLeft: number; expiresAt: number } | undefined,
    deleteCounted: (key) => kv.deleteCounted(namespace, key),
    listCounted: (prefix) => kv.listCounted(namespace, prefix),
  };
}

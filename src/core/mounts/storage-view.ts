import { type Clock, systemClock } from "../../sdk/clock.js";
import type { StorageView } from "../../sdk/plugin.js";
import type { ClaimOptions, KvStore } from "../../storage/types.js";

/** A StorageView the core can also tell to forget cached values (writes made by another node). */
export interface CachedStorageView extends StorageView {
  invalidate(key?: string): void;
}

const MAX_CACHED = 10_000;
/** A login's claim: committed with the token that follows it (ClaimOptions.withNextWrite). */
const WITH_NEXT_WRITE: ClaimOptions = Object.freeze({ withNextWrite: true });
const ABSENT = "\u0000absent";

/**
 * A mount's private slice of the key/value store: the namespace is the mount's uuid, so a plugin
 * can neither see nor touch another mount's keys, and unmounting drops exactly its data.
 *
 * Plain get/put keys (role and config entries, read on every login) are cached here as their JSON
 * text, so a hit costs a JSON.parse instead of a database read and callers never share an object.
 * Every write through this view updates the cache first; writes elsewhere reach it via invalidate().
 * Counted entries and claims are never cached: they must be exact.
 */
export function mountStorageView(kv: KvStore, namespace: string, clock: Clock = systemClock): CachedStorageView {
  const cache = new Map<string, string>();
  // Bumped by every write: a read that started before a write must not cache what it read.
  let generation = 0;
  const remember = (key: string, text: string): void => {
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, text);
  };
  /**
   * Every write drops the key before and after, and bumps the generation both times: a read that
   * overlapped the write (and may have seen the old value) never fills the cache.
   */
  const writing = async <R>(key: string, write: () => Promise<R>): Promise<R> => {
    generation++;
    cache.delete(key);
    try {
      return await write();
    } finally {
      generation++;
      cache.delete(key);
    }
  };
  return {
    async get<T>(key: string): Promise<T | undefined> {
      const hit = cache.get(key);
      if (hit !== undefined) return hit === ABSENT ? undefined : (JSON.parse(hit) as T);
      const started = generation;
      const value = await kv.get(namespace, key);
      if (started === generation) remember(key, value === undefined ? ABSENT : JSON.stringify(value));
      return value as T | undefined;
    },
    put: (key, value) => writing(key, () => kv.put(namespace, key, value)),
    putIfAbsent: (key, value) => writing(key, () => kv.putIfAbsent(namespace, key, value)),
    delete: (key) => writing(key, async () => void (await kv.delete(namespace, key))),
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
    claimOnce: (key, ttlSeconds, options) => {
      const now = clock.now();
      return kv.claimOnce(namespace, `claim/${key}`, now + ttlSeconds * 1000, now, options?.beforeLogin ? WITH_NEXT_WRITE : undefined);
    },
    putCounted: (key, value, { uses, ttlSeconds }) =>
      kv.putCounted(namespace, key, value, Math.max(0, Math.floor(uses)), ttlSeconds > 0 ? clock.now() + ttlSeconds * 1000 : 0),
    takeCounted: async <T>(key: string) => (await kv.takeCounted(namespace, key, clock.now())) as { value: T; usesLeft: number } | undefined,
    peekCounted: async <T>(key: string) =>
      (await kv.peekCounted(namespace, key, clock.now())) as { value: T; usesLeft: number; expiresAt: number } | undefined,
    deleteCounted: (key) => kv.deleteCounted(namespace, key),
    listCounted: (prefix) => kv.listCounted(namespace, prefix),
    invalidate(key) {
      generation++;
      if (key === undefined) cache.clear();
      else cache.delete(key);
    },
  };
}

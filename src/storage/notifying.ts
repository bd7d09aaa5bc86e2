/**
 * Makes the stores of an adapter announce their writes on its change feed. Done here, once, under
 * both dialects, rather than in every core write path: the adapter is the one place that knows the
 * write committed (each store method resolves after its commit), and a write path added later (a
 * plugin's key, the plugin catalog) cannot forget to announce itself.
 *
 * Only records some node caches are announced: policies, mounts, plain plugin keys, identity, system
 * keys. Tokens, counters, claims and counted entries are never cached (they must be exact), so their
 * writes cost no notice. A write that fails announces nothing; one that committed announces even if
 * its caller goes on to fail.
 */
import type { ChangeFeed, IdentityStore, KvStore, MountStore, PolicyStore, SystemStore } from "./types.js";

interface Announced {
  identity: IdentityStore;
  mounts: MountStore;
  policies: PolicyStore;
  kv: KvStore;
  system: SystemStore;
}

/** Keys the system store writes for its own bookkeeping, which nobody caches (HA node adverts). */
const QUIET_SYSTEM_KEY = /^ha\//;

export function announceWrites<S extends Announced>(stores: S, feed: ChangeFeed): S {
  const { identity, mounts, policies, kv, system } = stores;
  const after =
    <A extends unknown[], R>(run: (...a: A) => Promise<R>, notice: (r: R, ...a: A) => [Parameters<ChangeFeed["publish"]>[0], string] | undefined) =>
    async (...a: A): Promise<R> => {
      const r = await run(...a);
      const n = notice(r, ...a);
      if (n) await feed.publish(n[0], n[1]);
      return r;
    };
  const kvKey = (namespace: string, key: string): string => `${namespace}\n${key}`;
  return {
    ...stores,
    mounts: delegate(mounts, {
      insert: after(mounts.insert.bind(mounts), (ok, m) => (ok ? ["mount", m.path] : undefined)),
      update: after(mounts.update.bind(mounts), (_r, m) => ["mount", m.path]),
      delete: after(mounts.delete.bind(mounts), (ok, path) => (ok ? ["mount", path] : undefined)),
    }),
    policies: delegate(policies, {
      put: after(policies.put.bind(policies), (ok, p) => (ok ? ["policy", p.name] : undefined)),
      delete: after(policies.delete.bind(policies), (ok, name) => (ok ? ["policy", name] : undefined)),
      release: after(policies.release.bind(policies), (ok, name) => (ok ? ["policy", name] : undefined)),
    }),
    kv: delegate(kv, {
      put: after(kv.put.bind(kv), (_r, ns, key) => ["kv", kvKey(ns, key)]),
      putIfAbsent: after(kv.putIfAbsent.bind(kv), (ok, ns, key) => (ok ? ["kv", kvKey(ns, key)] : undefined)),
      delete: after(kv.delete.bind(kv), (ok, ns, key) => (ok ? ["kv", kvKey(ns, key)] : undefined)),
      // An empty key: everything of the namespace (an unmount, or a catalog dropping its entries).
      deleteNamespace: after(kv.deleteNamespace.bind(kv), (_r, ns) => ["kv", kvKey(ns, "")]),
    }),
    system: delegate(system, {
      put: after(system.put.bind(system), (_r, key) => (QUIET_SYSTEM_KEY.test(key) ? undefined : ["system", key])),
      putIfAbsent: after(system.putIfAbsent.bind(system), (ok, key) => (ok && !QUIET_SYSTEM_KEY.test(key) ? ["system", key] : undefined)),
      delete: after(system.delete.bind(system), (_r, key) => (QUIET_SYSTEM_KEY.test(key) ? undefined : ["system", key])),
    }),
    identity: delegate(identity, {
      insertEntity: after(identity.insertEntity.bind(identity), (ok, e) => (ok ? ["identity", e.id] : undefined)),
      updateEntity: after(identity.updateEntity.bind(identity), (ok, e) => (ok ? ["identity", e.id] : undefined)),
      deleteEntity: after(identity.deleteEntity.bind(identity), (ok, id) => (ok ? ["identity", id] : undefined)),
      insertAlias: after(identity.insertAlias.bind(identity), (ok, a) => (ok ? ["identity", a.entityId] : undefined)),
      // The alias may have moved from another entity, which this layer cannot name: all entities.
      updateAlias: after(identity.updateAlias.bind(identity), (ok) => (ok ? ["identity", ""] : undefined)),
      deleteAlias: after(identity.deleteAlias.bind(identity), (ok) => (ok ? ["identity", ""] : undefined)),
      insertGroup: after(identity.insertGroup.bind(identity), (ok) => (ok ? ["identity", ""] : undefined)),
      updateGroup: after(identity.updateGroup.bind(identity), (ok) => (ok ? ["identity", ""] : undefined)),
      deleteGroup: after(identity.deleteGroup.bind(identity), (ok) => (ok ? ["identity", ""] : undefined)),
    }),
  };
}

/**
 * `target`'s methods bound to it (class stores keep #private fields, so they must run with their own
 * `this`), with some replaced. Bound once here, not per call: this sits on the request path.
 */
export function delegate<T extends object>(target: T, overrides: Partial<T>): T {
  const out: Record<string, unknown> = {};
  for (let proto: object | null = target; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === "constructor" || name in out) continue;
      const v = (target as Record<string, unknown>)[name];
      if (typeof v === "function") out[name] = (v as (...a: unknown[]) => unknown).bind(target);
    }
  }
  return Object.assign(out, overrides) as T;
}

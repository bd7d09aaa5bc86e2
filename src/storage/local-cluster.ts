/**
 * The change feed and leader election of an embedded database, where one process is the whole
 * cluster. The feed is an in-process bus per database file: two Storage instances opened on one file
 * in one process hear each other (as two PostgreSQL nodes do), and nothing crosses a process. The
 * election has nobody to elect: this node is always the leader.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import type { Change, ChangeFeed, HaNode, LeaderElection } from "./types.js";

type Listener = (change: Change) => void;
/** Per database: the set of subscriber lists, one per open Storage (its own is skipped on publish). */
const buses = new Map<string, Set<Set<Listener>>>();

export interface LocalFeed extends ChangeFeed {
  close(): void;
}

export function localChangeFeed(databasePath: string): LocalFeed {
  // ":memory:" databases are private to their connection: a bus of their own.
  const busKey = databasePath === ":memory:" ? `:memory:${randomUUID()}` : resolve(databasePath);
  const mine = new Set<Listener>();
  let bus = buses.get(busKey);
  if (!bus) buses.set(busKey, (bus = new Set()));
  bus.add(mine);
  return {
    async publish(topic, key) {
      const change: Change = { topic, key };
      for (const peer of buses.get(busKey) ?? []) {
        if (peer === mine) continue;
        // Delivered on a later tick, as a network notification would be: never inside the writer's call.
        for (const l of peer) queueMicrotask(() => l(change));
      }
    },
    subscribe(listener) {
      mine.add(listener);
      return () => mine.delete(listener);
    },
    close() {
      mine.clear();
      const b = buses.get(busKey);
      b?.delete(mine);
      if (b && b.size === 0) buses.delete(busKey);
    },
  };
}

/** Leader election with one candidate (SQLite, or PostgreSQL with ha_enabled = false). */
export function soleLeader(): LeaderElection {
  let self: HaNode | undefined;
  return {
    enabled: false,
    start(node, onChange) {
      if (self) return;
      self = { ...node, nodeId: randomUUID(), isLeader: true, leaderSince: Date.now() };
      onChange?.(true);
    },
    isLeader: () => true,
    async nodes() {
      return self ? [{ ...self }] : [];
    },
    async stop() {
      self = undefined;
    },
  };
}

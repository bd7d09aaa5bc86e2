/**
 * Typed tables. Property names equal the contract's record fields so a selected row IS the record:
 * no per-row mapping code on the hot path. The SQL that creates these lives in the versioned
 * migrations (src/storage/migrations/sqlite); test/storage/sqlite.test.ts checks the two agree.
 */
import { sql } from "drizzle-orm";
import type { StoredAuth } from "../types.js";
import { bool, bytes, epochMs, index, int, json, primaryKey, str, table, uniqueIndex } from "./columns.js";

export const tokens = table(
  "tokens",
  {
    idHash: str("id_hash").primaryKey(),
    accessor: str("accessor").notNull(),
    parentHash: str("parent_hash"),
    policies: json("policies").$type<string[]>().notNull(),
    path: str("path").notNull(),
    mountAccessor: str("mount_accessor").notNull(),
    meta: json("meta").$type<Record<string, string>>().notNull(),
    displayName: str("display_name").notNull(),
    numUses: int("num_uses").notNull(),
    createdAt: epochMs("created_at").notNull(),
    ttl: int("ttl").notNull(),
    expiresAt: epochMs("expires_at").notNull(),
    explicitMaxTtl: int("explicit_max_ttl").notNull(),
    maxTtl: int("max_ttl").notNull(),
    period: int("period").notNull(),
    renewable: bool("renewable").notNull(),
    lastRenewalAt: epochMs("last_renewal_at").notNull(),
    entityId: str("entity_id").notNull(),
    boundCidrs: json("bound_cidrs").$type<string[]>().notNull(),
    role: str("role").notNull(),
    auth: json("auth").$type<StoredAuth>(),
    // Migration 0005.
    loginRole: str("login_role").notNull(),
    // Migration 0007: the barrier's encrypted blob of the token (NULL on rows written without it).
    sealed: bytes("sealed"),
  },
  (t) => [
    uniqueIndex("tokens_accessor").on(t.accessor),
    // Only tokens with a parent (a login's has none): revocation looks children up by parent_hash = ?.
    index("tokens_parent_hash").on(t.parentHash).where(sql`parent_hash IS NOT NULL`),
    index("tokens_path").on(t.path),
    // Non-expiring tokens (0) are never swept, so they stay out of the sweeper's index.
    index("tokens_expires_at").on(t.expiresAt).where(sql`expires_at > 0`),
    // revokeByEntity, which never asks for '' (no entity): those tokens stay out (migration 0003).
    index("tokens_entity_id").on(t.entityId).where(sql`entity_id <> ''`),
  ],
);

export const mounts = table(
  "mounts",
  {
    path: str("path").primaryKey(),
    type: str("type").notNull(),
    accessor: str("accessor").notNull(),
    uuid: str("uuid").notNull(),
    description: str("description").notNull(),
    config: json("config").$type<Record<string, unknown>>().notNull(),
    options: json("options").$type<Record<string, unknown>>().notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [uniqueIndex("mounts_accessor").on(t.accessor)],
);

export const policies = table("policies", {
  name: str("name").primaryKey(),
  text: str("text").notNull(),
  updatedAt: epochMs("updated_at").notNull(),
  // Migration 0003.
  managedBy: str("managed_by").notNull(),
});

export const kv = table(
  "kv",
  {
    namespace: str("namespace").notNull(),
    key: str("key").notNull(),
    value: json("value").$type<unknown>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.key] })],
);

/** Replay cache: one row per (namespace, key) until it expires. */
export const claims = table(
  "claims",
  {
    namespace: str("namespace").notNull(),
    key: str("key").notNull(),
    expiresAt: epochMs("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.key] }), index("claims_expires_at").on(t.expiresAt).where(sql`expires_at > 0`)],
);

export const system = table("system", {
  key: str("key").primaryKey(),
  value: str("value").notNull(),
});

/** Counted entries: a value that can be taken `uses` times (0 = unlimited, -1 = used up) until expiry. */
export const counted = table(
  "counted",
  {
    namespace: str("namespace").notNull(),
    key: str("key").notNull(),
    value: json("value").$type<unknown>().notNull(),
    uses: int("uses").notNull(),
    expiresAt: epochMs("expires_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.namespace, t.key] }),
    index("counted_expires_at").on(t.expiresAt).where(sql`expires_at > 0`),
    // -1 is the only used-up value (takeCounted writes it; putCounted refuses negative uses).
    index("counted_used_up").on(t.uses).where(sql`uses = -1`),
  ],
);

/** Windowed counters (rate limits, lockouts): the window starts with the first bump after the last one ended. */
export const counters = table(
  "counters",
  {
    namespace: str("namespace").notNull(),
    key: str("key").notNull(),
    count: int("count").notNull(),
    windowEnd: epochMs("window_end").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.key] })],
);

export const entities = table(
  "entities",
  {
    id: str("id").primaryKey(),
    name: str("name").notNull(),
    policies: json("policies").$type<string[]>().notNull(),
    metadata: json("metadata").$type<Record<string, string>>().notNull(),
    disabled: bool("disabled").notNull(),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [uniqueIndex("entities_name").on(t.name)],
);

export const entityAliases = table(
  "entity_aliases",
  {
    id: str("id").primaryKey(),
    entityId: str("entity_id").notNull(),
    mountAccessor: str("mount_accessor").notNull(),
    name: str("name").notNull(),
    metadata: json("metadata").$type<Record<string, string>>().notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [index("entity_aliases_entity_id").on(t.entityId), uniqueIndex("entity_aliases_mount_name").on(t.mountAccessor, t.name)],
);

export const groups = table(
  "groups",
  {
    id: str("id").primaryKey(),
    name: str("name").notNull(),
    policies: json("policies").$type<string[]>().notNull(),
    memberEntityIds: json("member_entity_ids").$type<string[]>().notNull(),
    metadata: json("metadata").$type<Record<string, string>>().notNull(),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [uniqueIndex("groups_name").on(t.name)],
);

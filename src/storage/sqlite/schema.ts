/**
 * Typed tables. Property names equal the contract's record fields so a selected row IS the record:
 * no per-row mapping code on the hot path. The SQL that creates these lives in the versioned
 * migrations (src/storage/migrations/sqlite); test/storage/sqlite.test.ts checks the two agree.
 */
import { sql } from "drizzle-orm";
import type { StoredAuth } from "../types.js";
import { bool, epochMs, index, int, json, primaryKey, str, table, uniqueIndex } from "./columns.js";

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
  },
  (t) => [
    uniqueIndex("tokens_accessor").on(t.accessor),
    index("tokens_parent_hash").on(t.parentHash),
    index("tokens_path").on(t.path),
    // Non-expiring tokens (0) are never swept, so they stay out of the sweeper's index.
    index("tokens_expires_at").on(t.expiresAt).where(sql`expires_at > 0`),
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

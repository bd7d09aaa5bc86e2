/**
 * Typed tables for PostgreSQL, built per table prefix (several wardens, or a test per prefix, can share
 * one database). Property names equal the contract's record fields, as in ../sqlite/schema.ts, so a
 * selected row IS the record. The DDL lives in the versioned migrations
 * (src/storage/migrations/postgres); test/storage/postgres.test.ts checks the two agree.
 */
import { sql } from "drizzle-orm";
import type { StoredAuth } from "../types.js";
import { bool, bytes, epochMs, foreignKey, index, int, json, primaryKey, str, table, uniqueIndex } from "./columns.js";

export function pgTables(prefix: string) {
  // Index names are schema-wide in PostgreSQL, so they carry the prefix too.
  const n = (name: string) => `${prefix}_${name}`;

  const tokens = table(
    n("tokens"),
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
      uniqueIndex(n("tokens_accessor")).on(t.accessor),
      index(n("tokens_parent_hash")).on(t.parentHash).where(sql`parent_hash IS NOT NULL`),
      index(n("tokens_path")).on(t.path),
      index(n("tokens_expires_at")).on(t.expiresAt).where(sql`expires_at > 0`),
      index(n("tokens_entity_id")).on(t.entityId).where(sql`entity_id <> ''`),
      // Migration 0002 (NOT VALID there): PostgreSQL serialises a child's insert against its parent's
      // revocation across nodes. SQLite has one writer and checks the parent in the insert's transaction.
      foreignKey({ name: n("tokens_parent_fk"), columns: [t.parentHash], foreignColumns: [t.idHash] }).onDelete("cascade"),
    ],
  );

  const mounts = table(
    n("mounts"),
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
    (t) => [uniqueIndex(n("mounts_accessor")).on(t.accessor)],
  );

  const policies = table(n("policies"), {
    name: str("name").primaryKey(),
    text: str("text").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
    // Migration 0003.
    managedBy: str("managed_by").notNull(),
  });

  const kv = table(
    n("kv"),
    {
      namespace: str("namespace").notNull(),
      key: str("key").notNull(),
      value: json("value").$type<unknown>().notNull(),
    },
    (t) => [primaryKey({ name: n("kv_pkey"), columns: [t.namespace, t.key] })],
  );

  /** Replay cache: one row per (namespace, key) until it expires (0 = never). */
  const claims = table(
    n("claims"),
    {
      namespace: str("namespace").notNull(),
      key: str("key").notNull(),
      expiresAt: epochMs("expires_at").notNull(),
    },
    (t) => [
      primaryKey({ name: n("claims_pkey"), columns: [t.namespace, t.key] }),
      index(n("claims_expires_at")).on(t.expiresAt).where(sql`expires_at > 0`),
    ],
  );

  /** Limited-use values (secret ids): uses 0 = unlimited, >0 left, -1 used up. */
  const counted = table(
    n("counted"),
    {
      namespace: str("namespace").notNull(),
      key: str("key").notNull(),
      value: json("value").$type<unknown>().notNull(),
      uses: int("uses").notNull(),
      expiresAt: epochMs("expires_at").notNull(),
    },
    (t) => [
      primaryKey({ name: n("counted_pkey"), columns: [t.namespace, t.key] }),
      index(n("counted_expires_at")).on(t.expiresAt).where(sql`expires_at > 0`),
      // -1 is the only used-up value (migration 0003).
      index(n("counted_used_up")).on(t.uses).where(sql`uses = -1`),
    ],
  );

  /** Windowed counters (lockout): the window ends at windowEnd, then the count restarts. */
  const counters = table(
    n("counters"),
    {
      namespace: str("namespace").notNull(),
      key: str("key").notNull(),
      count: int("count").notNull(),
      windowEnd: epochMs("window_end").notNull(),
    },
    (t) => [primaryKey({ name: n("counters_pkey"), columns: [t.namespace, t.key] })],
  );

  const system = table(n("system"), {
    key: str("key").primaryKey(),
    value: str("value").notNull(),
  });

  const entities = table(
    n("entities"),
    {
      id: str("id").primaryKey(),
      name: str("name").notNull(),
      policies: json("policies").$type<string[]>().notNull(),
      metadata: json("metadata").$type<Record<string, string>>().notNull(),
      disabled: bool("disabled").notNull(),
      createdAt: epochMs("created_at").notNull(),
      updatedAt: epochMs("updated_at").notNull(),
    },
    (t) => [uniqueIndex(n("entities_name")).on(t.name)],
  );

  const entityAliases = table(
    n("entity_aliases"),
    {
      id: str("id").primaryKey(),
      entityId: str("entity_id").notNull(),
      mountAccessor: str("mount_accessor").notNull(),
      name: str("name").notNull(),
      metadata: json("metadata").$type<Record<string, string>>().notNull(),
      createdAt: epochMs("created_at").notNull(),
    },
    (t) => [uniqueIndex(n("entity_aliases_mount_name")).on(t.mountAccessor, t.name), index(n("entity_aliases_entity_id")).on(t.entityId)],
  );

  const groups = table(
    n("groups"),
    {
      id: str("id").primaryKey(),
      name: str("name").notNull(),
      policies: json("policies").$type<string[]>().notNull(),
      memberEntityIds: json("member_entity_ids").$type<string[]>().notNull(),
      metadata: json("metadata").$type<Record<string, string>>().notNull(),
      createdAt: epochMs("created_at").notNull(),
      updatedAt: epochMs("updated_at").notNull(),
    },
    (t) => [uniqueIndex(n("groups_name")).on(t.name)],
  );

  return { tokens, mounts, policies, kv, claims, counted, counters, system, entities, entityAliases, groups };
}

export type PgTables = ReturnType<typeof pgTables>;

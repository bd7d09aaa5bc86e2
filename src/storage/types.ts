/**
 * The storage contract. Every method is async, so a networked engine (PostgreSQL) fits behind the
 * same interface as the embedded one (SQLite). Every method that must be exact under concurrency
 * (use counts, replay claims, revocation) is ONE atomic statement or transaction inside the adapter;
 * callers never read-then-write.
 *
 * Times are integer epoch milliseconds. 0 means "never" for expiry columns.
 */

export interface TokenRecord {
  /** HMAC-SHA256 of the token under the server's token key, hex. The raw token is never stored. */
  idHash: string;
  /** Random, non-secret handle used by operators; unique. */
  accessor: string;
  /** idHash of the parent token; null for orphans. */
  parentHash: string | null;
  /** Sanitised token policies (without identity policies). */
  policies: string[];
  /** Creation path, e.g. "auth/token/create" or "auth/alicloud/login". */
  path: string;
  /** Accessor of the auth mount that issued the token ("auth_token_..." for the token store). */
  mountAccessor: string;
  meta: Record<string, string>;
  displayName: string;
  /** 0 = unlimited; >0 uses left; -1 = the last use was taken (revocation pending). */
  numUses: number;
  createdAt: number;
  /** Seconds of the current TTL (0 = non-expiring, root only). */
  ttl: number;
  /** Epoch ms when it expires; 0 = never. */
  expiresAt: number;
  explicitMaxTtl: number;
  /** Max TTL (seconds) that applied at creation, from the role/mount; 0 = none beyond the mount's. */
  maxTtl: number;
  period: number;
  renewable: boolean;
  lastRenewalAt: number;
  entityId: string;
  boundCidrs: string[];
  /** Token-store role name, when created through auth/token/create/:role. */
  role: string;
  /**
   * The role a login named (its plugin's resolveRole, or the login's `role` field), "" for other
   * tokens. Clear: a lease-count quota with a role counts on it in its one serialised step.
   */
  loginRole: string;
  /** What the issuing auth method needs to renew: alias, metadata, internal data. */
  auth: StoredAuth | null;
  /**
   * Only on the adapter's side of the barrier: the token's encrypted blob (src/core/barrier), in a
   * binary column of its own (schema version 7). Absent (never null) on a record read from a row
   * without one; the barrier's opened records never have it.
   */
  sealed?: Buffer;
  /**
   * Set by `get` (never stored): the token's entity is disabled. Read in the same statement as the
   * token, so an entity disabled on one node stops its tokens on every node at the next request.
   */
  entityDisabled?: true;
  /**
   * Set by `get` and `getByAccessor` (never stored): the earliest expiry (epoch ms) among the token's
   * ancestors, when one of them expires. Read in the same statement as the token, so a child of an
   * expired parent stops at once on every node, before the sweeper revokes the tree.
   */
  ancestorExpiresAt?: number;
}

/**
 * Generations of ancestors the token read walks. A token further below an ancestor (or in a corrupt
 * parent cycle) is treated as expired: fail closed rather than walk without bound.
 */
export const MAX_TOKEN_DEPTH = 1000;

/**
 * A token record made read-only, with its lists and metadata: TokenStore.peek's records (and what the
 * barrier opens from them) are shared between requests, so no caller may change one.
 */
export function frozenTokenRecord(record: TokenRecord): TokenRecord {
  Object.freeze(record.policies);
  Object.freeze(record.meta);
  Object.freeze(record.boundCidrs);
  return Object.freeze(record);
}

export interface StoredAuth {
  alias: string;
  metadata: Record<string, string>;
  internal: Record<string, unknown>;
}

export interface TokenRenewal {
  ttl: number;
  expiresAt: number;
  lastRenewalAt: number;
}

/** A lease-count quota as storage sees it: which creation paths count, and how many may live. */
export interface TokenCap {
  /** Serialises the count and insert of one quota (its name). */
  key: string;
  /** "" counts every token; a prefix counts paths starting with it; `exact` counts that one path. */
  path: string;
  exact: boolean;
  /** Set: only tokens whose loginRole is this one count (a lease-count quota with a role). */
  role?: string;
  max: number;
  now: number;
}

export interface TokenStore {
  /**
   * Inserts; false when the token has a parent that no longer exists (revoked meanwhile), atomically
   * with that check, so a child can never outlive a parent revoked while it was being created.
   */
  insert(token: TokenRecord): Promise<boolean>;
  /**
   * insert, only while fewer than `cap.max` live tokens (not expired at `cap.now`) have a creation path
   * under the cap: "full" when the cap is reached (nothing written), false as insert's. The count and
   * the insert are serialised per cap key across every node (a lease-count quota stays exact).
   */
  insertCapped(token: TokenRecord, cap: TokenCap): Promise<boolean | "full">;
  /** The hot path: one prepared read by primary key. */
  get(idHash: string): Promise<TokenRecord | undefined>;
  /**
   * get, without a promise when the adapter reads synchronously (SQLite; PostgreSQL has none): the
   * same one prepared read on every call, whose record is the very object the previous peek of this
   * id gave as long as the row reads the same, a new one as soon as anything in it differs (so a
   * caller may key what it derives from a record by the record's identity). The record is frozen:
   * shared between calls. A promise only when a layer in front must wait (the barrier reloading
   * its keyring).
   */
  peek?(idHash: string): TokenRecord | undefined | Promise<TokenRecord | undefined>;
  getByAccessor(accessor: string): Promise<TokenRecord | undefined>;
  /**
   * Takes one use of a limited token, atomically: returns the uses left after this one (-1 when this
   * was the last use), or undefined when the token has no uses left or does not exist. Never call it
   * for unlimited tokens (numUses 0).
   */
  use(idHash: string): Promise<number | undefined>;
  /** Updates TTL and expiry; false when the token no longer exists. */
  renew(idHash: string, renewal: TokenRenewal): Promise<boolean>;
  /** Deletes the token and all its descendants in one statement; returns how many went. */
  revokeTree(idHash: string): Promise<number>;
  /** Deletes the token only; its children become orphans (parentHash null). */
  revokeOrphan(idHash: string): Promise<number>;
  /** Deletes every token whose creation path starts with `pathPrefix`, and their descendants. */
  revokeByPathPrefix(pathPrefix: string): Promise<number>;
  /** Deletes (with descendants) up to `limit` tokens that expired before `now`. */
  revokeExpired(now: number, limit: number): Promise<number>;
  listAccessors(): Promise<string[]>;
  count(): Promise<number>;
  /** Deletes (with descendants) every token bound to the entity; returns how many went. */
  revokeByEntity(entityId: string): Promise<number>;
}

export interface MountRecord {
  /** "auth/alicloud/" — always with the trailing slash. */
  path: string;
  type: string;
  accessor: string;
  uuid: string;
  description: string;
  /** default_lease_ttl, max_lease_ttl (seconds, 0 = system), token_type, ... */
  config: Record<string, unknown>;
  options: Record<string, unknown>;
  createdAt: number;
}

export interface MountStore {
  list(): Promise<MountRecord[]>;
  /** Inserts; false when the path is already taken (one atomic insert). */
  insert(mount: MountRecord): Promise<boolean>;
  update(mount: MountRecord): Promise<void>;
  delete(path: string): Promise<boolean>;
}

export interface PolicyRecord {
  name: string;
  /** The policy source as written (HCL or JSON). */
  text: string;
  updatedAt: number;
  /**
   * "policies/<file>" when a file of the policy directory manages the policy (read-only through the
   * API); "" for a policy written through the API.
   */
  managedBy: string;
}

export interface PolicyStore {
  list(): Promise<PolicyRecord[]>;
  get(name: string): Promise<PolicyRecord | undefined>;
  /**
   * Upsert, in one statement. A record with managedBy "" (an API write) never replaces a stored
   * file-managed policy: then nothing is written and the answer is false. A file-managed record always
   * writes (a file takes over a policy of its name).
   */
  put(policy: PolicyRecord): Promise<boolean>;
  /** Deletes a policy that no file manages; false when there is none such. One statement. */
  delete(name: string): Promise<boolean>;
  /** Makes a file-managed policy an API one again (its file is gone), text unchanged; false if it was not managed. */
  release(name: string): Promise<boolean>;
}

/** How a claim (KvStore.claimOnce) may be committed. */
export interface ClaimOptions {
  /**
   * The caller answers success only after a later write that depends on the claim is durable (a
   * login: its replay claim, then its token), and an answer without that write is a refusal. An
   * embedded adapter may then leave the claim's commit to that write (one commit and one sync for
   * both) instead of committing it on its own; the claim is still one atomic statement, seen at once
   * by every later claim. An adapter whose every statement commits on its own (PostgreSQL) ignores it.
   */
  withNextWrite?: boolean;
}

/**
 * Key/value space for plugins, one namespace per mount (its uuid). Values are JSON.
 */
export interface KvStore {
  get(namespace: string, key: string): Promise<unknown | undefined>;
  put(namespace: string, key: string, value: unknown): Promise<void>;
  /** Inserts only when the key is free; true when this call wrote it. One atomic statement. */
  putIfAbsent(namespace: string, key: string, value: unknown): Promise<boolean>;
  delete(namespace: string, key: string): Promise<boolean>;
  /** Keys starting with `prefix`, as full keys, sorted. */
  listKeys(namespace: string, prefix: string): Promise<string[]>;
  /** Drops a whole namespace (unmount). */
  deleteNamespace(namespace: string): Promise<void>;
  /**
   * Inserts (namespace, key) with an expiry; true when inserted, false when a live entry exists
   * (one expiring after `now`, the caller's clock). An expired entry is replaced. One atomic statement. Its answer may precede its durability (an
   * embedded adapter commits it with the next group commit): anything that depends on the claim is
   * written after it and so is never durable without it.
   */
  claimOnce(namespace: string, key: string, expiresAt: number, now: number, options?: ClaimOptions): Promise<boolean>;
  /** Removes expired claims (periodic). */
  pruneClaims(now: number, limit: number): Promise<number>;
  /**
   * Stores a value that can be taken a limited number of times (`uses` 0 = unlimited) until
   * `expiresAt` (0 = never). Replaces any entry with that key.
   */
  putCounted(namespace: string, key: string, value: unknown, uses: number, expiresAt: number): Promise<void>;
  /**
   * Takes one use, atomically (one statement): returns the value and the uses left after this one
   * (0 for unlimited entries, -1 when this was the last use), or undefined when the entry is missing,
   * expired or used up. As with claimOnce, the answer may precede durability: what depends on the use
   * (the token of a login) is written after it and so never survives a crash without it.
   */
  takeCounted(namespace: string, key: string, now: number): Promise<{ value: unknown; usesLeft: number } | undefined>;
  /** Reads a counted entry without taking a use; undefined when missing, expired or used up. */
  peekCounted(namespace: string, key: string, now: number): Promise<{ value: unknown; usesLeft: number; expiresAt: number } | undefined>;
  deleteCounted(namespace: string, key: string): Promise<boolean>;
  /** Keys of counted entries starting with `prefix` (including expired or used-up ones), sorted. */
  listCounted(namespace: string, prefix: string): Promise<string[]>;
  /** Removes up to `limit` expired or used-up counted entries of every namespace. */
  pruneCounted(now: number, limit: number): Promise<number>;
  /**
   * Adds one to a windowed counter and returns the new count, atomically: a counter whose window
   * (started by its first bump) has passed restarts at 1 with a new window of `windowMs`.
   */
  bumpCounter(namespace: string, key: string, windowMs: number, now: number): Promise<number>;
  resetCounter(namespace: string, key: string): Promise<void>;
  /** The count of a windowed counter, 0 when absent or its window has passed (one prepared read). */
  peekCounter(namespace: string, key: string, now: number): Promise<number>;
  /**
   * get(namespace, key) and peekCounter(namespace, counterKey, now) in ONE statement (login lockout
   * reads a principal's lock and its failure count on every login).
   */
  getWithCounter(namespace: string, key: string, counterKey: string, now: number): Promise<{ value: unknown | undefined; count: number }>;
}

/** Small system records: init state, server keys, audit device table. */
export interface SystemStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  /** Atomic insert-if-absent; true when this call wrote it (init races, key generation). */
  putIfAbsent(key: string, value: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export interface EntityRecord {
  id: string;
  name: string;
  policies: string[];
  metadata: Record<string, string>;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface EntityAliasRecord {
  id: string;
  entityId: string;
  /** Accessor of the auth mount the alias belongs to. */
  mountAccessor: string;
  /** The principal's name within that mount (an ARN, an OCID, a role id). */
  name: string;
  metadata: Record<string, string>;
  createdAt: number;
}

export interface GroupRecord {
  id: string;
  name: string;
  policies: string[];
  memberEntityIds: string[];
  metadata: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** Entities, their aliases and groups (Vault's identity store). */
export interface IdentityStore {
  getEntity(id: string): Promise<EntityRecord | undefined>;
  getEntityByName(name: string): Promise<EntityRecord | undefined>;
  listEntities(): Promise<EntityRecord[]>;
  /** Inserts a new entity; false when the id or the name is taken. */
  insertEntity(entity: EntityRecord): Promise<boolean>;
  /** Updates by id; false when it does not exist or the new name is taken by another entity. */
  updateEntity(entity: EntityRecord): Promise<boolean>;
  /** Deletes the entity and its aliases (one transaction); false when absent. */
  deleteEntity(id: string): Promise<boolean>;

  getAlias(id: string): Promise<EntityAliasRecord | undefined>;
  findAlias(mountAccessor: string, name: string): Promise<EntityAliasRecord | undefined>;
  listAliases(): Promise<EntityAliasRecord[]>;
  aliasesOf(entityId: string): Promise<EntityAliasRecord[]>;
  /** Inserts; false when (mountAccessor, name) or the id is taken. */
  insertAlias(alias: EntityAliasRecord): Promise<boolean>;
  /** Updates by id; false when absent or (mountAccessor, name) is taken by another alias. */
  updateAlias(alias: EntityAliasRecord): Promise<boolean>;
  deleteAlias(id: string): Promise<boolean>;
  /**
   * Login-time resolution, atomic: returns the entity the alias (mountAccessor, alias.name) belongs
   * to, creating `entity` and `alias` together when the alias does not exist yet. Concurrent first
   * logins of one principal end up on one entity.
   */
  resolveAlias(entity: EntityRecord, alias: EntityAliasRecord): Promise<{ entity: EntityRecord; created: boolean }>;

  getGroup(id: string): Promise<GroupRecord | undefined>;
  getGroupByName(name: string): Promise<GroupRecord | undefined>;
  listGroups(): Promise<GroupRecord[]>;
  /** Groups that list the entity as a member. */
  groupsOf(entityId: string): Promise<GroupRecord[]>;
  insertGroup(group: GroupRecord): Promise<boolean>;
  updateGroup(group: GroupRecord): Promise<boolean>;
  deleteGroup(id: string): Promise<boolean>;
}

export interface Storage {
  readonly kind: "sqlite" | "postgresql";
  readonly tokens: TokenStore;
  readonly identity: IdentityStore;
  readonly mounts: MountStore;
  readonly policies: PolicyStore;
  readonly kv: KvStore;
  readonly system: SystemStore;
  /** Cross-node cache invalidation (in-process only on SQLite). */
  readonly changes: ChangeFeed;
  /** Leader election for periodic work (always leader on SQLite). */
  readonly ha: LeaderElection;
  /** Cheap liveness probe for sys/health. */
  ping(): Promise<boolean>;
  /**
   * Rewrites rows of the record tables in ONE transaction (the barrier's upgrade of a database
   * written before it), then compacts what the database keeps of the old versions where the adapter
   * can (SQLite: WAL checkpoint and VACUUM; PostgreSQL leaves dead row versions to the operator's
   * VACUUM). A throw from a callback, or an `insertSystem` key that exists, rolls everything back.
   */
  rewriteAll(rewrite: RowRewrite): Promise<number>;
  /**
   * Online snapshots (sys/storage/snapshot), where the adapter can take and restore them itself:
   * SQLite only. PostgreSQL has none: its operator's tool is pg_dump.
   */
  readonly snapshots?: SnapshotSupport;
  close(): Promise<void>;
}

/** An adapter's online snapshot support: files of its own format, which the core wraps and checks. */
export interface SnapshotSupport {
  /** A fresh path beside the database (same filesystem and protection) for a snapshot on its way in or out. */
  tempPath(purpose: "save" | "restore"): string;
  /** Writes a consistent copy of the live database to `file` while the server keeps serving. */
  save(file: string): Promise<{ schemaVersion: number }>;
  /**
   * Opens `file` as a database of this storage (integrity checked; a schema newer than this build's is
   * refused, an older one migrated in place) and returns the values of `systemKeys` as stored there.
   * Throws SnapshotInvalid when it is not such a database. The live database is not touched.
   */
  inspect(file: string, systemKeys: readonly string[]): Promise<{ schemaVersion: number; system: Record<string, string | undefined> }>;
  /**
   * Replaces every row of the live database with `file`'s in ONE transaction (all or nothing), except
   * the system rows named in `keepSystemKeys`, which keep their live values.
   */
  restore(file: string, keepSystemKeys?: readonly string[]): Promise<{ rows: number }>;
}

/** A snapshot file that is not a database this storage can take (the message says why). */
export class SnapshotInvalid extends Error {}

/** The tables rewriteAll walks, by their schema names (a selected row is the record). */
export type RewriteTable = "system" | "kv" | "counted" | "policies" | "mounts" | "tokens" | "entities" | "entityAliases" | "groups";

export interface RowRewrite {
  /** Per table: the columns to store instead (primary key columns untouched), or undefined to keep the row. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row of whichever table is named
  rows: Partial<Record<RewriteTable, (row: any) => object | undefined>>;
  /** System rows inserted in the same transaction; one that already exists aborts it (AlreadyExists). */
  insertSystem?: Array<{ key: string; value: string }>;
}

/** rewriteAll's insertSystem met an existing key: nothing was written. */
export class RewriteKeyExists extends Error {}

/**
 * A change to state some node may hold in memory. `key` narrows it ("" = anything under the topic).
 */
export interface Change {
  topic: ChangeTopic;
  key: string;
}

/**
 * "policy": a policy name. "mount": a mount path. "kv": "<namespace>\n<key>" of a plain key/value
 * entry (plugin roles and config, OIDC, catalog). "identity": an entity id ("" = several, e.g. a
 * group changed). "system": a SystemStore key (the audit device table). "*": changes may have been
 * missed (the feed reconnected): drop every cache.
 */
export type ChangeTopic = "policy" | "mount" | "kv" | "identity" | "system" | "*";

/**
 * How nodes on one database tell each other that cached state changed. The adapters publish for
 * every write of a cacheable record themselves, after the write committed, so no write path can
 * forget; a listener that re-reads on a notice sees the write. A node does not hear its own
 * publications: its write path updates its own caches directly. Notices are hints, never the data.
 */
export interface ChangeFeed {
  /** Never rejects: a lost notice is covered by the reconnect rule (a "*" drops every cache). */
  publish(topic: Exclude<ChangeTopic, "*">, key: string): Promise<void>;
  subscribe(listener: (change: Change) => void): () => void;
}

/** The advertisement of one node taking part in leader election. */
export interface HaNode {
  nodeId: string;
  apiAddress: string;
  hostname: string;
  version: string;
  isLeader: boolean;
  /** Epoch ms this node became leader (leaders only). */
  leaderSince?: number;
}

/**
 * One leader among the nodes of a database, for periodic work (tidy, key rotation, pruning). Every
 * node still serves every request; only housekeeping is the leader's.
 */
export interface LeaderElection {
  /** False when there is nothing to elect (SQLite, or PostgreSQL without ha_enabled): always leader. */
  readonly enabled: boolean;
  /**
   * Starts campaigning (idempotent while campaigning); `onChange` hears every gain or loss of
   * leadership. After stop() it campaigns again (a node unsealed after a seal).
   */
  start(self: Pick<HaNode, "apiAddress" | "hostname" | "version">, onChange?: (leader: boolean) => void): void;
  isLeader(): boolean;
  /** Live nodes (the leader first); never throws, [] when the database cannot be asked. */
  nodes(): Promise<HaNode[]>;
  /** Gives leadership up and stops campaigning (sys/seal, shutdown): another node can take over at once. */
  stop(): Promise<void>;
}

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
  /** What the issuing auth method needs to renew: alias, metadata, internal data. */
  auth: StoredAuth | null;
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

export interface TokenStore {
  insert(token: TokenRecord): Promise<void>;
  /** The hot path: one prepared read by primary key. */
  get(idHash: string): Promise<TokenRecord | undefined>;
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
}

export interface PolicyStore {
  list(): Promise<PolicyRecord[]>;
  get(name: string): Promise<PolicyRecord | undefined>;
  put(policy: PolicyRecord): Promise<void>;
  delete(name: string): Promise<boolean>;
}

/**
 * Key/value space for plugins, one namespace per mount (its uuid). Values are JSON.
 */
export interface KvStore {
  get(namespace: string, key: string): Promise<unknown | undefined>;
  put(namespace: string, key: string, value: unknown): Promise<void>;
  delete(namespace: string, key: string): Promise<boolean>;
  /** Keys starting with `prefix`, as full keys, sorted. */
  listKeys(namespace: string, prefix: string): Promise<string[]>;
  /** Drops a whole namespace (unmount). */
  deleteNamespace(namespace: string): Promise<void>;
  /**
   * Inserts (namespace, key) with an expiry; true when inserted, false when a live entry exists.
   * An expired entry is replaced. One atomic statement.
   */
  claimOnce(namespace: string, key: string, expiresAt: number): Promise<boolean>;
  /** Removes expired claims (periodic). */
  pruneClaims(now: number, limit: number): Promise<number>;
}

/** Small system records: init state, server keys, audit device table. */
export interface SystemStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  /** Atomic insert-if-absent; true when this call wrote it (init races, key generation). */
  putIfAbsent(key: string, value: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

export interface Storage {
  readonly kind: "sqlite" | "postgresql";
  readonly tokens: TokenStore;
  readonly mounts: MountStore;
  readonly policies: PolicyStore;
  readonly kv: KvStore;
  readonly system: SystemStore;
  /** Cheap liveness probe for sys/health. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

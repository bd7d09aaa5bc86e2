import type { FieldValues, Fields } from "./fields.js";
import type { HttpClient } from "./http-client.js";
import type { LoginHandler } from "./login-handler.js";
import type { PluginFactory } from "./mount-instance.js";
import type { TokenParams } from "./token-params.js";

/** The SDK contract version a plugin is written against. The core refuses other major versions. */
export const SDK_VERSION = "1.0";

export type Operation = "read" | "list" | "create" | "update" | "delete";

/** Storage private to one mount. Keys are plain strings; values are JSON. */
export interface StorageView {
  get<T = unknown>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
  /** Writes only when the key is free, in one atomic statement: true when this call wrote it (unique names, ids). */
  putIfAbsent(key: string, value: unknown): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Keys directly under `prefix` ("role/"); deeper levels are listed once, with a trailing "/". */
  list(prefix: string): Promise<string[]>;
  /**
   * Records `key` until `ttlSeconds` from now and answers true, or answers false when it is already
   * recorded and not expired. One atomic statement: the replay cache for nonces and signatures.
   *
   * `{ beforeLogin: true }`: the claim guards a login, whose success is answered only once its token
   * is durably written, after the claim; embedded storage may then commit the claim together with
   * that token instead of on its own (one commit per login). Only for a claim whose holder answers
   * nothing but a refusal unless a login's token follows it: a claim lost in a crash before that
   * token lets only a request that was never answered with success be retried.
   */
  claimOnce(key: string, ttlSeconds: number, options?: { beforeLogin?: boolean }): Promise<boolean>;
  /**
   * Stores a value that can be taken `uses` times (0 = unlimited) for `ttlSeconds` (0 = forever):
   * one-time or limited credentials such as secret ids. Kept apart from get/put keys.
   */
  putCounted(key: string, value: unknown, opts: { uses: number; ttlSeconds: number }): Promise<void>;
  /**
   * Takes one use in one atomic statement: the value and the uses left after this one (0 for
   * unlimited, -1 when this was the last), or undefined when missing, expired or used up. Under any
   * concurrency, an entry with k uses is taken exactly k times. The answer may come before the use
   * is durable (embedded storage commits it with the next batch); a login's token is always written
   * after it, so a crash can never leave a token whose use was given back.
   */
  takeCounted<T = unknown>(key: string): Promise<{ value: T; usesLeft: number } | undefined>;
  /** Reads a counted entry without using it; undefined when missing, expired or used up. */
  peekCounted<T = unknown>(key: string): Promise<{ value: T; usesLeft: number; expiresAt: number } | undefined>;
  deleteCounted(key: string): Promise<boolean>;
  /** Keys of counted entries under `prefix` (full keys, sorted; may include expired ones). */
  listCounted(prefix: string): Promise<string[]>;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface MountInfo {
  /** "auth/alicloud/" */
  path: string;
  type: string;
  accessor: string;
}

/**
 * Who is calling, as much as a plugin may know: never the caller's token, its accessor or its
 * compiled ACL (the core decided access before the handler runs).
 */
export interface CallerInfo {
  /** The caller's identity entity ("" when its token has none). */
  readonly entityId: string;
  readonly displayName: string;
  /** The token's own policies (sorted). */
  readonly policies: readonly string[];
}

/**
 * What a handler gets: typed fields, and the few services a plugin may use. The core builds a new
 * object with exactly these properties for every call; nothing else of the core is reachable from it.
 */
export interface PluginRequest<F extends Fields = Fields> {
  operation: Operation;
  /** The path inside the mount ("role/dev"). */
  path: string;
  data: FieldValues<F>;
  /** True when the caller supplied the field (as opposed to a default). */
  has(field: keyof F & string): boolean;
  storage: StorageView;
  mount: MountInfo;
  /** The client's address: the socket peer, or the forwarded one from an authorized proxy. */
  clientAddress: string | undefined;
  /** Host (and port) the client addressed this server by, from the listener's view. */
  requestHost: string;
  http: HttpClient;
  log: Logger;
  /** The authenticated caller; undefined on unauthenticated (login) paths. */
  caller?: CallerInfo;
}

/** An identity proven by a login: the core mints the token from it. */
export interface AuthResult {
  /** The principal's stable name within this mount (an ARN, an OCID, a role id). */
  alias: { name: string; metadata?: Record<string, string> };
  /** Appended to the mount path to form the token's display name. */
  displayName?: string;
  /** Shown in token lookups and the login response. */
  metadata?: Record<string, string>;
  /** Settings of the role that matched: TTLs, policies, bound CIDRs, uses. */
  token: TokenParams;
  /** Kept with the token and given back to `renew`; never shown to clients. */
  internal?: Record<string, unknown>;
  /**
   * The role this login used, when its path declares `resolveRole`: the name resolveRole would give.
   * The token records it (lease-count quotas with a role count it), and the core does not run
   * resolveRole again after the login to learn it. Absent: the core asks resolveRole, as before.
   */
  role?: string;
}

export interface HandlerResult {
  data?: Record<string, unknown>;
  warnings?: string[];
  auth?: AuthResult;
}

export type Handler<F extends Fields> = (req: PluginRequest<F>) => Promise<HandlerResult | void>;

/**
 * One path of a backend. `Req` and `Res` are what its handlers take and give: a plugin's paths use
 * the defaults (PluginRequest, HandlerResult); the server's own backends declare theirs with a
 * request type of their own, through the same framework.
 */
export interface PathDefinition<F extends Fields = Fields, Req = PluginRequest<F>, Res = HandlerResult> {
  /**
   * Segments separated by "/"; ":name" captures one segment into the field of that name; a trailing
   * "/?" makes the final slash optional (list paths). Matching is exact: no prefixes, no regex.
   * A segment captured into a `lowercase` (or `lowercase_string`) field is folded to lower case
   * before the ACL is asked, so the ACL, the handler and the audit log see one name.
   */
  pattern: string;
  fields: F;
  operations: Partial<Record<Operation, (req: Req) => Promise<Res | void>>>;
  /** Decides create vs update for writes (and so which capability the ACL asks for). */
  existenceCheck?: (req: Req) => Promise<boolean>;
  /** Login paths: no token needed; a returned `auth` makes the core mint a token. */
  unauthenticated?: boolean;
  /** Root-protected: the caller also needs `sudo` on the path. */
  sudo?: boolean;
  /**
   * Login paths with lockout (Vault's user lockout): the field naming the principal. The core counts
   * failures thrown with `invalidCredentials()` per (mount, that value, client address), refuses
   * logins while locked, and resets the count on success. Other errors never count. The value is
   * trimmed before keying (ids often come from files ending in a newline).
   */
  lockout?: { aliasField: string };
  /**
   * Login paths: the role this login names, for quotas with a `role` (Vault's resolve-role operation):
   * AppRole maps its role_id to the role's name. Called before the handler only while a rate-limit
   * quota with a role exists on the mount, and after a successful login (unless already called) to
   * record the role with the token (a lease-count role quota counts those tokens). Must be cheap and free of side effects: read what
   * names the role, check no credential, count no failure. Undefined (or a 4xx thrown) when the
   * request names no role the plugin knows: no role quota applies then. A plugin whose paths declare
   * none keeps the old rule: the request's `role` field is the role.
   */
  resolveRole?: (req: Req) => Promise<string | undefined>;
  /** One line saying what the path is for: `path-help`'s synopsis and the OpenAPI path's summary. */
  help?: string;
  /** Longer text (optional): `path-help`'s DESCRIPTION section and the OpenAPI path's description. */
  description?: string;
}

/** A token being renewed: what was stored at login. */
export interface RenewRequest {
  metadata: Record<string, string>;
  internal: Record<string, unknown>;
  alias: string;
  policies: string[];
  storage: StorageView;
  mount: MountInfo;
  clientAddress: string | undefined;
  log: Logger;
}

/** Renewal re-checks the login's grounds and may return the role's current TTL settings. */
export type RenewHandler = (
  req: RenewRequest,
) => Promise<Partial<Pick<TokenParams, "ttl" | "maxTtl" | "period" | "explicitMaxTtl">>>;

/** A path of any field shape: what lists of paths hold. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPathDefinition = PathDefinition<any>;

/**
 * The first shape of a plugin: paths shared by every mount, no lifecycle. Still loaded (each mount
 * gets an instance wrapping these paths; the server logs a deprecation once per type); new plugins
 * give `setup` instead (PluginFactory), so that each mount's state lives and dies with the mount.
 */
export interface PluginDefinition {
  /** The auth method's type name ("alicloud"); mounts refer to it. */
  type: string;
  sdkVersion: string;
  description: string;
  paths: AnyPathDefinition[];
  /** Without it, tokens from this method cannot be renewed. */
  renew?: RenewHandler;
  /**
   * Hosts this method may call, over https on the default port: exact names ("sts.aliyuncs.com") or
   * rules for families of hosts (regional endpoints). The core's outbound client refuses every other
   * origin, except those `configuredEndpoints` names. Without either, the mount calls nothing.
   */
  outboundHosts?: readonly HostRule[];
  /**
   * The endpoints the mount's own config names (operator choices: sts_endpoint, jwks_url...), read
   * at call time; their exact origins (any scheme and port the operator wrote) are allowed too.
   */
  configuredEndpoints?: (ctx: { storage: StorageView; mount: MountInfo }) => Promise<ReadonlyArray<string | undefined>>;
  /** The client side of `warden login -method=<type>`. */
  login?: LoginHandler;
}

/** Either shape of plugin the server loads. */
export type AnyPlugin = PluginDefinition | PluginFactory;

export const isPluginFactory = (plugin: AnyPlugin): plugin is PluginFactory => typeof (plugin as Partial<PluginFactory>).setup === "function";

/** A host a plugin may call: an exact lowercase name, or a predicate over lowercase host names. */
export type HostRule = string | ((host: string) => boolean);

/** Declares a plugin: `setup` makes one instance per mount (PluginFactory); `paths` is the older shape. */
export function definePlugin(def: PluginFactory): PluginFactory;
export function definePlugin(def: PluginDefinition): PluginDefinition;
export function definePlugin(def: AnyPlugin): AnyPlugin {
  return def;
}

/** Keeps field inference per path while a plugin lists paths of different shapes. */
export function definePath<F extends Fields>(def: PathDefinition<F>): PathDefinition<F> {
  return def;
}

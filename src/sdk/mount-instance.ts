/**
 * A plugin mount is an instance with a lifecycle (Vault's logical.Factory / Backend): every mount of
 * an auth method gets its own instance from the plugin's `setup`, holding that mount's in-memory
 * state (caches, in-flight work). The core tells the instance what happens to its mount:
 *
 *   enable, boot, reload (new instance)  -> setup(context)
 *   disable, reload (old instance), shutdown -> cleanup()
 *   another node changed the mount's storage -> invalidate(key)
 *   tune (on every node)                  -> tuned(settings); the instance is kept
 */
import type { Clock } from "./clock.js";
import type { HttpClient } from "./http-client.js";
import type { LoginHandler } from "./login-handler.js";
import type { AnyPathDefinition, HostRule, Logger, MountInfo, RenewHandler, StorageView } from "./plugin.js";

/** The mount's settings an operator changes with sys/auth/<path>/tune. TTLs in seconds; 0 = the system's. */
export interface MountSettings {
  description: string;
  defaultLeaseTtl: number;
  maxLeaseTtl: number;
}

/** What `setup` gets: the mount and the services its handlers use (the same ones requests carry). */
export interface MountContext {
  mount: MountInfo;
  /** The mount's private key/value view (what `req.storage` is for this mount). */
  storage: StorageView;
  /** The mount's outbound client, with its allow-list. */
  http: HttpClient;
  log: Logger;
  settings: MountSettings;
  /**
   * The server's clock (epoch ms). Read the time from it, not from Date.now(), for anything a test
   * should be able to move on without sleeping (cache ages, cooldowns): tests run the server on a
   * TestClock.
   */
  clock: Clock;
}

/** One mount's backend: its paths and callbacks, closing over the mount's own state. */
export interface PluginInstance {
  paths: AnyPathDefinition[];
  /** Without it, tokens from this mount cannot be renewed. */
  renew?: RenewHandler;
  /**
   * The endpoints the mount's own config names (operator choices: sts_endpoint, jwks_url...), read at
   * call time; their exact origins (any scheme and port the operator wrote) are allowed too.
   */
  configuredEndpoints?: () => Promise<ReadonlyArray<string | undefined>>;
  /**
   * The mount is going away from this process: disabled, replaced by a reload, or the server stops.
   * Release what the instance holds (timers, sockets, caches). Runs once, after the mount stopped
   * serving; errors are logged.
   */
  cleanup?: () => void | Promise<void>;
  /**
   * Another node wrote `key` of this mount's storage (the mount's storage view has already dropped
   * its cached copy): drop whatever the instance derived from it. `undefined`: changes may have been
   * missed (the change feed reconnected); drop everything derived from storage.
   */
  invalidate?: (key: string | undefined) => void;
  /** The mount was tuned (here or on another node). The instance is kept, caches and all. */
  tuned?: (settings: MountSettings) => void;
}

/** An auth method whose mounts are instances: `setup` runs once per mount (and per reload). */
export interface PluginFactory {
  /** The auth method's type name ("alicloud"); mounts refer to it. */
  type: string;
  sdkVersion: string;
  description: string;
  /**
   * Hosts this method may call, over https on the default port: exact names ("sts.aliyuncs.com") or
   * rules for families of hosts (regional endpoints). The core's outbound client refuses every other
   * origin, except those the instance's `configuredEndpoints` names. Without either, the mount calls nothing.
   */
  outboundHosts?: readonly HostRule[];
  /** The client side of `warden login -method=<type>`. */
  login?: LoginHandler;
  /**
   * Builds the mount's instance. Runs before the mount serves (and, on enable, before it is stored:
   * a throw refuses the enable with a 400). Keep it quick: it runs under the plugin deadline.
   */
  setup(context: MountContext): PluginInstance | Promise<PluginInstance>;
}

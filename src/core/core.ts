import { randomBytes, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type Clock, systemClock } from "../sdk/clock.js";
import { createHttpClient } from "../sdk/http-client.js";
import type { MountRecord, Storage } from "../storage/types.js";
import { createAuditBroker } from "./audit/broker.js";
import { CacheSync } from "./cluster/cache-sync.js";
import type { AuditBroker, AuditDeviceInfo } from "./audit/types.js";
import type { AuditDeviceRules } from "./audit/device-rules.js";
import type { ServerLogger } from "./logging/logger.js";
import { Metrics } from "./metrics/metrics.js";
import { MountTable } from "./mounts/mount-table.js";
import { PolicyService } from "./policy/policy-service.js";
import { RequestPipeline } from "./request-pipeline.js";
import { SweepSteps, skipWhileRunning } from "./sweep-steps.js";
import { sysBackend } from "./sys/sys-backend.js";
import { tokenBackend } from "./tokens/token-backend.js";
import { TokenService, bareOrphanSpec } from "./tokens/token-service.js";
import type { LeaseLimits } from "./tokens/ttl.js";
import { checkSdkVersion } from "./plugins/sdk-compat.js";
import { identityBackend } from "./identity/identity-backend.js";
import { IdentityService } from "./identity/identity-service.js";
import { LockoutService } from "./login/lockout.js";
import { QuotaService } from "./quotas/quota-service.js";
import { OidcIssuer } from "./identity/oidc/issuer.js";
import { oidcPaths } from "./identity/oidc/oidc-paths.js";
import { OidcAdmin } from "./identity/oidc/oidc-service.js";
import { OidcStore } from "./identity/oidc/oidc-store.js";
import { PluginCatalog } from "./plugins/catalog.js";
import { DEFAULT_PLUGIN_DEADLINE_MS } from "./plugins/deadline.js";
import { type PluginFileRules, pluginFileRules } from "./plugins/file-checks.js";
import { PluginLoader } from "./plugins/loader.js";
import { mountAllowOrigin } from "./plugins/outbound.js";
import { PluginRegistry, type PluginSource, isDeferredPlugin } from "./plugins/registry.js";
import type { SealControls } from "./sys/sys-seal.js";
import type { PolicyFile } from "./policy/dir.js";
import { ResponseWrapping } from "./wrapping/response-wrapping.js";
import { WrappedResponses } from "./wrapping/wrapped-responses.js";

export { WARDEN_VERSION } from "./version.js";
import { WARDEN_VERSION } from "./version.js";
import { recordRunningVersion } from "./sys/sys-version.js";

export interface CoreOptions {
  storage: Storage;
  limits: LeaseLimits;
  /** Auth method types that can be mounted: definitions, or builtins imported on first need. */
  plugins: readonly PluginSource[];
  /**
   * The policy directory's files: each manages the policy of its name (read-only through the API).
   * Undefined when no directory is configured: file-managed policies are then left as they are.
   */
  policyFiles?: PolicyFile[];
  clusterName?: string;
  log: ServerLogger;
  /** Where out-of-tree plugin files live (config file only, never the API); unset = none allowed. */
  pluginDirectory?: string;
  /** Time a plugin handler or renew callback may take (default 30 s); past it, that request gets a 500. */
  pluginDeadlineMs?: number;
  /** sys/rotate and sys/key-status (the seal manager); absent in cores built without a seal. */
  seal?: SealControls;
  /** Owner and mode plugin files must have (plugin_file_uid / plugin_file_permissions); default: owned by the server's uid, no group/other write. */
  pluginFileRules?: PluginFileRules;
  /** allow_audit_log_prefixing, the directories API-enabled audit files stay out of, the config file's devices. */
  audit?: { rules: AuditDeviceRules; configDevices: AuditDeviceInfo[] };
  /** The server's metrics (boot.ts makes one per server, shared with the listeners and the seal); default a new one. */
  metrics?: Metrics;
  /** "Now" for every expiry and TTL (tests move it forward instead of sleeping); default the system clock. */
  clock?: Clock;
}

const INIT_KEY = "init/done";
const TOKEN_KEY = "keys/token-hmac";
const CLUSTER_KEY = "cluster/id";

/** Everything the server is made of, wired once at boot. */
export class Core {
  private initializedCache = false;
  private timers: NodeJS.Timeout[] = [];
  /** The identity-token issuer (identity/oidc/*); set once in boot. */
  oidc!: { admin: OidcAdmin; issuer: OidcIssuer };
  /** Follows other nodes' writes into this node's caches; more caches register with `on`. */
  cluster!: CacheSync;
  /** Rate-limit and lease-count quotas; `quotas.onReject` is where a refusal is counted (metrics). */
  quotas!: QuotaService;
  /** scheme://host:port clients reach this server at: api_addr, else the first listener (see boot.ts). */
  apiAddress = "http://127.0.0.1:8200";
  private pluginLoader: PluginLoader | undefined;

  private constructor(
    readonly storage: Storage,
    readonly pipeline: RequestPipeline,
    readonly mounts: MountTable,
    readonly tokens: TokenService,
    readonly policies: PolicyService,
    readonly audit: AuditBroker,
    readonly identity: IdentityService,
    readonly clusterId: string,
    readonly clusterName: string,
    private readonly log: CoreOptions["log"],
    /** The server's clock (see CoreOptions.clock). */
    readonly clock: Clock,
    /** The server's metrics; quotas count their rejections with metrics.quotaRejected(type). */
    readonly metrics: Metrics,
  ) {}

  static async boot(options: CoreOptions): Promise<Core> {
    const { storage, log } = options;
    const clock = options.clock ?? systemClock;
    const metrics = options.metrics ?? new Metrics();
    const system = storage.system;
    const key = Buffer.from(await readOrCreate(system, TOKEN_KEY, () => randomBytes(32).toString("base64")), "base64");
    const clusterId = await readOrCreate(system, CLUSTER_KEY, () => randomUUID());
    await recordRunningVersion(storage.kv, clock);

    const builtins = new Map<string, PluginSource>();
    for (const plugin of options.plugins) {
      // A deferred one is checked when it is imported (PluginRegistry).
      if (!isDeferredPlugin(plugin)) checkSdkVersion(plugin);
      builtins.set(plugin.type, plugin);
    }
    const deadlineMs = options.pluginDeadlineMs ?? DEFAULT_PLUGIN_DEADLINE_MS;
    const loader = new PluginLoader(options.pluginDirectory, deadlineMs, options.pluginFileRules ?? pluginFileRules(undefined, undefined));
    const registry = new PluginRegistry(builtins, new PluginCatalog(storage.kv), loader, WARDEN_VERSION);
    const policies = new PolicyService(storage.policies);
    const applied = await policies.load(options.policyFiles);
    for (const name of applied.takenOver) log.warn("a policy file now manages a policy written through the API; its text was replaced", { policy: name });
    for (const name of applied.released) log.warn("the file that managed this policy is gone; the policy is kept and editable through the API again", { policy: name });
    const audit = await createAuditBroker(system, {
      onError: (msg: string) => log.error("audit device failed", { error: msg }),
      onWriteFailure: () => metrics.auditFailed(),
      rules: options.audit?.rules,
      configDevices: options.audit?.configDevices,
    });
    const mounts = new MountTable({
      storage,
      registry,
      log,
      // Every mount gets its own client: its allow-list is its plugin's declared hosts and its config's endpoints.
      httpClientFor: (record, backend, view, mountLog) =>
        createHttpClient({
          allowOrigin: mountAllowOrigin(backend, view, { path: record.path, type: record.type, accessor: record.accessor }, mountLog),
          observe: (service, outcome, seconds) => metrics.upstream(service, outcome, seconds),
        }),
      deadlineMs,
      clock,
    });
    const tokens = new TokenService(storage, key, options.limits, clock);
    const identity = new IdentityService(storage);
    const lockout = new LockoutService(storage.kv, clock);
    const quotas = new QuotaService(storage.kv, clock);
    const wrapping = new ResponseWrapping({ tokens, responses: new WrappedResponses(storage.kv), tokenMountAccessor: () => mounts.get("auth/token/")?.record.accessor ?? "" });
    mounts.addBuiltin(builtinRecord("sys/", "system", "system_builtin"), sysBackend({ mounts, tokens, policies, audit, lockout, plugins: registry, ha: storage.ha, wrapping, quotas, seal: options.seal, metrics, identity, kv: storage.kv }));
    // identity/oidc/* is served by the identity mount, as in Vault; its handlers live in identity/oidc/.
    const oidcStore = new OidcStore(storage.kv, clock);
    const oidcAdmin = new OidcAdmin(oidcStore, log.child("identity/oidc"), clock);
    let core: Core | undefined;
    const oidcIssuer = new OidcIssuer(oidcStore, storage.identity, () => core?.apiAddress ?? "", clock);
    const identityDef = identityBackend(storage, identity, mounts);
    mounts.addBuiltin(builtinRecord("identity/", "identity", "identity_builtin"), { ...identityDef, paths: [...identityDef.paths, ...oidcPaths(oidcAdmin, oidcIssuer)] });
    mounts.addBuiltin(await ensureTokenMount(storage), tokenBackend(tokens, mounts, async (id) => (await identity.snapshot(id))?.identityPolicies ?? []));
    await mounts.load();
    const pipeline = new RequestPipeline({ mounts, tokens, policies, audit, identity, lockout, wrapping, quotas, log: log.child("request"), metrics });
    core = new Core(storage, pipeline, mounts, tokens, policies, audit, identity, clusterId, options.clusterName ?? "warden", log, clock, metrics);
    // Counted by storage at most every few seconds (Metrics caches it): a scrape never walks the table per request.
    metrics.countTokensWith(() => storage.tokens.count());
    // The one place a quota refusal is counted.
    quotas.onReject = (type) => metrics.quotaRejected(type);
    core.oidc = { admin: oidcAdmin, issuer: oidcIssuer };
    core.cluster = new CacheSync({ feed: storage.changes, policies, mounts, identity, audit, log: log.child("cluster") });
    core.cluster.on((change) => quotas.changed(change));
    core.quotas = quotas;
    core.pluginLoader = loader;
    return core;
  }

  async initialized(): Promise<boolean> {
    if (!this.initializedCache) this.initializedCache = (await this.storage.system.get(INIT_KEY)) !== undefined;
    return this.initializedCache;
  }

  /**
   * Issues the first root token. The seal (seal/manager.ts) answers sys/init once per storage and calls
   * this; a database initialised before the seal existed already has the mark and gets a new root token.
   */
  async init(rootTokenId?: string): Promise<{ rootToken: string }> {
    await this.storage.system.putIfAbsent(INIT_KEY, new Date(this.clock.now()).toISOString());
    this.initializedCache = true;
    const minted = await this.tokens.mint(
      bareOrphanSpec({
        id: rootTokenId,
        policies: ["root"],
        path: "auth/token/root",
        mountAccessor: this.mounts.get("auth/token/")?.record.accessor ?? "",
        displayName: "root",
        numUses: 0,
        ttl: 0,
        explicitMaxTtl: 0,
      }),
    );
    this.log.info("initialized; root token issued");
    return { rootToken: minted.token };
  }

  /** Periodic housekeeping in small bounded steps, so no pass ever scans the whole store or holds the loop for long. */
  startBackgroundJobs(intervalMs = 2000): void {
    // Every node serves requests; only the elected one does housekeeping (always this one on SQLite).
    this.storage.ha.start({ apiAddress: this.apiAddress, hostname: hostname(), version: WARDEN_VERSION });
    // Each kind keeps its own step size from pass to pass (sweep-steps.ts).
    const sweeps = [
      new SweepSteps((now, n) => this.storage.tokens.revokeExpired(now, n)),
      new SweepSteps((now, n) => this.storage.kv.pruneClaims(now, n)),
      new SweepSteps((now, n) => this.storage.kv.pruneCounted(now, n)),
    ];
    const tidy = skipWhileRunning(async () => {
      if (this.storage.ha.isLeader()) await this.tidyOnce(sweeps);
    });
    const timer = setInterval(() => void tidy(), intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  /** One housekeeping pass: the sweeps, then the OIDC keys' rotation; a failure of either is logged, not thrown. */
  private async tidyOnce(sweeps: readonly SweepSteps[]): Promise<void> {
    try {
      const now = this.clock.now();
      for (const sweep of sweeps) await sweep.pass(now);
    } catch (e) {
      this.log.warn("tidy failed", { error: e instanceof Error ? e.message : String(e) });
    }
    try {
      // The leader runs it; OidcStore's per-generation claim still makes a rotation happen once.
      await this.oidc.admin.periodic(this.clock.now());
    } catch (e) {
      this.log.warn("oidc key rotation failed", { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Stops the periodic housekeeping (tests that must see what a request does without the sweeper). */
  stopBackgroundJobs(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  async close(): Promise<void> {
    this.stopBackgroundJobs();
    this.metrics.countTokensWith(undefined);
    // A sealed (or stopping) node does no periodic work: it gives leadership up so another node takes
    // it at once; the next unseal boots a core that campaigns again (startBackgroundJobs).
    await this.storage.ha.stop();
    this.cluster?.close();
    // Every plugin instance hears cleanup while storage is still open.
    await this.mounts.close();
    this.pluginLoader?.close();
    await this.audit.close();
    await this.storage.close();
  }
}

/**
 * A system value, created once (the first node to write it wins). Read first: a start on an existing
 * store writes nothing, and so waits for no WAL sync (each write is synced before it is answered).
 */
async function readOrCreate(system: Storage["system"], key: string, make: () => string): Promise<string> {
  const existing = await system.get(key);
  if (existing !== undefined) return existing;
  await system.putIfAbsent(key, make());
  return (await system.get(key))!;
}

function builtinRecord(path: string, type: string, accessor: string): MountRecord {
  return { path, type, accessor, uuid: accessor, description: "", config: {}, options: {}, createdAt: 0 };
}

async function ensureTokenMount(storage: Storage): Promise<MountRecord> {
  const existing = (await storage.mounts.list()).find((m) => m.path === "auth/token/");
  if (existing) return existing;
  const record: MountRecord = {
    path: "auth/token/",
    type: "token",
    accessor: `auth_token_${randomBytes(4).toString("hex")}`,
    uuid: randomUUID(),
    description: "token based credentials",
    config: {},
    options: {},
    createdAt: Date.now(),
  };
  if (await storage.mounts.insert(record)) return record;
  // Another node created it first.
  return (await storage.mounts.list()).find((m) => m.path === "auth/token/")!;
}

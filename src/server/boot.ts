import type { RequestListener } from "node:http";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ServerConfig } from "../config/server-config.js";
import { Core } from "../core/core.js";
import { checkSdkVersion } from "../core/plugins/sdk-compat.js";
import { SealManager } from "../core/seal/manager.js";
import { type AutoSeal, staticSeal } from "../core/seal/static-seal.js";
import { type ServerLogger, createLogger } from "../core/logging/logger.js";
import { Metrics } from "../core/metrics/metrics.js";
import { checkPluginDirectory, pluginFileRules } from "../core/plugins/file-checks.js";
import { type PluginSource, isDeferredPlugin } from "../core/plugins/registry.js";
import { loadPolicyDir } from "../core/policy/dir.js";
import type { Clock } from "../sdk/clock.js";
import { openStorage } from "../storage/open.js";
import { createApp } from "./app.js";
import { type ForwardedForOptions, requestAddresses } from "./client-address.js";
import { lookupSelfFront } from "./lookup-self-edge.js";
import { apiFront } from "./api-edge.js";
import { type RunningListener, listen, parseListenAddress } from "./listen.js";
import { protectedAuditDirs } from "./protected-dirs.js";
import { reloadServer } from "./reload.js";
import { reportNativeGcm } from "../core/native-gcm.js";

/** The repository's policies/ folder: loaded at every boot; its files manage their policies. */
export const DEFAULT_POLICY_DIR = fileURLToPath(new URL("../../../policies/", import.meta.url));

/** Bodies above this are refused whatever max_request_size says: no auth call needs more. */
const BODY_CAP = 1024 * 1024;

type Front = (next: RequestListener) => RequestListener;
/** Fronts in order: the first sees each request first, and what it passes on goes to the next. */
const frontOf =
  (...fronts: Front[]): Front =>
  (app) =>
    fronts.reduceRight((next, front) => front(next), app);

export interface StartOptions {
  config: ServerConfig;
  /** Auth method types that can be mounted: definitions, or builtins imported on first need. */
  plugins: readonly PluginSource[];
  policyDir?: string | null;
  /** Log sink (tests capture it); default stderr. */
  logSink?: (line: string) => void;
  /** The server's clock; default the system's (tests pass one they can move forward). */
  clock?: Clock;
}

export interface RunningServer {
  /** The unsealed core; throws while the node is sealed. */
  readonly core: Core;
  /** The node's seal: init, unseal, seal, status. */
  seal: SealManager;
  listeners: RunningListener[];
  /** "http://127.0.0.1:8200" of the first listener. */
  url: string;
  /** The server's root logger (scope "core"). */
  log: ServerLogger;
  /** SIGHUP: applies the TLS pairs and log_level of `next` (the config file read again); see reload.ts. */
  reload(next: ServerConfig): boolean;
  /** Stops listening and seals. `drainMs`: requests in flight are answered first, up to that long. */
  close(drainMs?: number): Promise<void>;
  /**
   * sys/health answers only once `setUp` settles: a server that sets itself up after it listens (dev
   * mode's init, unseal, auth mount and plugins) is not reported ready by a 200 before it is.
   */
  holdHealth(setUp: Promise<unknown>): void;
}

/**
 * Opens storage and every listener, sealed; the core boots behind the barrier when the seal opens
 * (sys/unseal with Shamir shares, or the auto seal by itself). The one way a warden server starts.
 */
export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const { config } = opts;
  const log = createLogger(config.logLevel, "core", opts.logSink);
  // The barrier seals every token with AES-256-GCM: natively (native/gcm.c) unless the binding is missing.
  reportNativeGcm(log);
  // Files and plugins first: a bad policy file or plugin stops the boot before any storage is opened.
  const policyDir = opts.policyDir === undefined ? DEFAULT_POLICY_DIR : opts.policyDir;
  // No directory (none configured, or absent): file-managed policies are left as they are.
  const policyFiles = policyDir && existsSync(policyDir) ? await loadPolicyDir(policyDir) : undefined;
  const fileRules = pluginFileRules(config.pluginFileUid, config.pluginFilePermissions);
  // A plugin directory others can write to would let them plant code the pin was meant to keep out.
  if (config.pluginDirectory !== undefined) await checkPluginDirectory(config.pluginDirectory, fileRules);
  // The core boots only at unseal: a plugin built for another SDK must stop the start, not the unseal.
  // (A deferred builtin is checked when it is imported.)
  for (const plugin of opts.plugins) if (!isDeferredPlugin(plugin)) checkSdkVersion(plugin);
  // One registry per server: its listeners, its seal and every core it boots (after each unseal) share it.
  const metrics = new Metrics({ prometheusRetentionSeconds: config.telemetry?.prometheusRetentionSeconds });
  const autoSeal = await autoSealFor(config, log, metrics);
  const storage = await openStorage(config.storage, log);
  let apiAddress = config.apiAddr ?? "";
  const seal: SealManager = new SealManager({
    raw: storage,
    autoSeal,
    log: log.child("seal"),
    bootCore: async (barrier) => {
      const core = await Core.boot({
        storage: barrier,
        limits: { defaultTtl: config.defaultLeaseTtl, maxTtl: config.maxLeaseTtl },
        plugins: opts.plugins,
        policyFiles,
        clusterName: config.clusterName,
        log,
        pluginDirectory: config.pluginDirectory,
        pluginDeadlineMs: config.pluginDeadlineMs,
        pluginFileRules: fileRules,
        audit: {
          rules: { allowPrefixing: config.allowAuditLogPrefixing, protectedDirs: protectedAuditDirs(config, policyDir && existsSync(policyDir) ? policyDir : null) },
          configDevices: config.audit.map((d) => ({ path: d.path, type: "file", description: "from config", options: { ...d.options, file_path: d.filePath } })),
        },
        clock: opts.clock,
        metrics,
        seal: { rotate: () => seal.rotate(), keyStatus: () => seal.keyStatus() },
      });
      // The default OIDC issuer: known only once the listener has its (possibly random) port.
      core.apiAddress = apiAddress;
      core.startBackgroundJobs();
      return core;
    },
  });
  const stopCatching = catchStrayRejections(log);
  let settingUp: Promise<unknown> | undefined;
  const listeners: RunningListener[] = [];
  try {
    for (const l of config.listeners) {
      const { host, port } = parseListenAddress(l.address);
      const scheme = l.tlsDisable ? "http" : "https";
      const forwardedFor: ForwardedForOptions = {
          authorizedAddrs: l.xForwardedForAuthorizedAddrs,
          hopSkips: l.xForwardedForHopSkips,
          rejectNotAuthorized: l.xForwardedForRejectNotAuthorized,
          rejectNotPresent: l.xForwardedForRejectNotPresent,
      };
      const { app, api, edgeRoutes } = createApp(seal, {
        forwardedFor,
        maxRequestSize: Math.min(l.maxRequestSize, BODY_CAP),
        advertisedAddress: config.apiAddr ?? `${scheme}://${l.address}`,
        clusterName: config.clusterName,
        unauthenticatedMetricsAccess: l.unauthenticatedMetricsAccess === true,
        ui: config.ui === true,
        settingUp: () => settingUp,
      }, metrics);
      listeners.push(
        await listen(app, {
          host: host || "0.0.0.0",
          port,
          tls: l.tlsDisable ? undefined : { certFile: l.tlsCertFile!, keyFile: l.tlsKeyFile!, minVersion: l.tlsMinVersion === "tls13" ? "TLSv1.3" : "TLSv1.2" },
          // lookup-self first; what it declines, and every other API request, the API edge; the rest, hono.
          front: frontOf(lookupSelfFront(seal, requestAddresses(forwardedFor)), apiFront(app, api, edgeRoutes)),
          limits: { maxConnections: l.maxConnections, headersTimeout: l.httpReadHeaderTimeout, requestTimeout: l.httpReadTimeout, idleTimeout: l.httpIdleTimeout },
        }),
      );
    }
  } catch (e) {
    for (const l of listeners) await l.close();
    await seal.close();
    stopCatching();
    throw e;
  }
  const first = listeners[0]!;
  const scheme = config.listeners[0]!.tlsDisable ? "http" : "https";
  const host = first.address.family === "IPv6" ? `[${first.address.address}]` : first.address.address;
  const url = `${scheme}://${host}:${first.address.port}`;
  apiAddress = config.apiAddr ?? url;
  metrics.sealedWith(() => seal.sealed);
  seal.start();
  return {
    get core(): Core {
      if (!seal.core) throw new Error("warden is sealed");
      return seal.core;
    },
    seal,
    listeners,
    url,
    log,
    reload: (next) => reloadServer(listeners, config.listeners, next, log),
    holdHealth(setUp) {
      const held: Promise<unknown> = setUp.finally(() => {
        if (settingUp === held) settingUp = undefined;
      });
      // The outcome is the caller's to handle; this copy only marks the end.
      held.catch(() => undefined);
      settingUp = held;
    },
    async close(drainMs) {
      await Promise.all(listeners.map((l) => l.close(drainMs)));
      await seal.close();
      stopCatching();
    },
  };
}

async function autoSealFor(config: ServerConfig, log: ServerLogger, metrics: Metrics): Promise<AutoSeal | undefined> {
  const s = config.seal;
  if (!s || s.type === "shamir") return undefined;
  if (s.type === "static") return staticSeal(s);
  // The Alibaba SDK is a large module graph: only a server configured with this seal pays for loading it.
  const { alicloudKmsSeal } = await import("../seals/alicloudkms.js");
  return alicloudKmsSeal(s, log.child("seal"), (outcome, seconds) => metrics.upstream("kms", outcome, seconds));
}

const strayLogs = new Set<{ error(msg: string, fields?: Record<string, unknown>): void }>();
const onStray = (reason: unknown): void => {
  for (const log of strayLogs) log.error("unhandled promise rejection (a plugin's floating promise?); the server keeps running", { error: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason).slice(0, 200) });
};

/**
 * Node ends the process on an unhandled rejection. A plugin that forgets an `await` must not take
 * the whole server (and every other mount) down with it, so while a server runs such rejections are
 * logged instead. Synchronous throws in a plugin's own timers are not caught: those are left fatal,
 * as the process state after them is unknown.
 */
function catchStrayRejections(log: { error(msg: string, fields?: Record<string, unknown>): void }): () => void {
  if (strayLogs.size === 0) process.on("unhandledRejection", onStray);
  strayLogs.add(log);
  return () => {
    strayLogs.delete(log);
    if (strayLogs.size === 0) process.off("unhandledRejection", onStray);
  };
}

import { randomBytes, randomUUID } from "node:crypto";
import { type Clock, systemClock } from "../../sdk/clock.js";
import { WardenError, badRequest } from "../../sdk/errors.js";
import type { HttpClient } from "../../sdk/http-client.js";
import type { MountSettings, PluginInstance } from "../../sdk/mount-instance.js";
import { type AnyPathDefinition, type Logger, type MountInfo, type PluginDefinition, type StorageView, isPluginFactory } from "../../sdk/plugin.js";
import type { MountRecord, Storage } from "../../storage/types.js";
import type { AnyCorePath, CoreBackend } from "../framework/core-path.js";
import { PathMatcher } from "../framework/path-matcher.js";
import { withDeadline } from "../plugins/deadline.js";
import { endInstance, notifyInstance, setupInstance } from "../plugins/instance.js";
import type { ResolvedPlugin } from "../plugins/registry.js";
import type { LeaseLimits } from "../tokens/ttl.js";
import type { ServerLogger } from "../logging/logger.js";
import { type CachedStorageView, mountStorageView } from "./storage-view.js";

interface MountEntryCommon {
  record: MountRecord;
  info: MountInfo;
  storage: CachedStorageView;
  http: HttpClient;
  /** The mount's logger: its lines carry the mount's path. */
  log: ServerLogger;
  /** Mount's own lease limits (0 = inherit the system's). */
  limits: LeaseLimits;
  /** Which build serves the mount (sys/auth's running_plugin_version / running_sha256). */
  running: { version: string; sha256: string; external: boolean };
}

/** Built into the server (sys/, auth/token/, identity/): cannot be disabled or moved; trusted handlers. */
export interface CoreMountEntry extends MountEntryCommon {
  builtin: true;
  backend: CoreBackend;
  matcher: PathMatcher<AnyCorePath>;
}

/** A plugin's mount: its handlers only ever get a PluginRequest. */
export interface PluginMountEntry extends MountEntryCommon {
  builtin: false;
  /** What serves requests: the instance's paths and renew, the plugin's outbound rules. */
  backend: PluginDefinition;
  /** The mount's own plugin instance (made by setup; told of cleanup, invalidate, tune). */
  instance: PluginInstance;
  matcher: PathMatcher<AnyPathDefinition>;
  /**
   * Why the mount's plugin could not be loaded here (pin, owner or mode refused, module invalid,
   * setup failed). A failed mount keeps its record, storage and tokens, stays listed and keeps its
   * path; it serves nothing (every request is a 503 with this reason) until a reload succeeds.
   */
  failed?: string;
}

/** A live mount: its record, the backend serving it, and the services handed to that backend. */
export type MountEntry = CoreMountEntry | PluginMountEntry;

export interface MountTableDeps {
  storage: Storage;
  /** Auth method types an operator may enable: builtin, or loaded (pin verified) from the catalog. */
  registry: { resolve(type: string): Promise<ResolvedPlugin> };
  log: ServerLogger;
  /** The server's own backends declare no outbound hosts: their client calls nothing. */
  httpClientFor(mount: MountRecord, backend: Pick<PluginDefinition, "outboundHosts" | "configuredEndpoints">, storage: StorageView, log: Logger): HttpClient;
  /** How long a plugin handler or renew callback may run before its request is answered 500. */
  deadlineMs: number;
  /** The server's clock: expiry of the mounts' counted entries and claims; handed to plugin instances. */
  clock?: Clock;
}

const MOUNT_PATH = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/;

/** "alicloud", "/team/a/", "auth/x" -> canonical "auth/<p>/"; anything odd is a 400. */
export function canonicalAuthPath(input: string): string {
  let p = input.trim().replace(/^\/+/, "").replace(/\/+$/, "");
  if (p === "") throw badRequest("backend path must be specified");
  if (p.startsWith("auth/")) p = p.slice(5);
  if (!MOUNT_PATH.test(p) || p.length > 128) throw badRequest(`invalid mount path "${input.slice(0, 60)}"`);
  return `auth/${p}/`;
}

export function limitsOf(config: Record<string, unknown>): LeaseLimits {
  const n = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);
  return { defaultTtl: n(config.default_lease_ttl), maxTtl: n(config.max_lease_ttl) };
}

const settingsOf = (record: MountRecord): MountSettings => {
  const limits = limitsOf(record.config);
  return { description: record.description, defaultLeaseTtl: limits.defaultTtl, maxLeaseTtl: limits.maxTtl };
};

/**
 * The mount table: which backend serves which path prefix. Loaded once at boot and kept in memory;
 * every change goes to storage first, then to the in-memory copy. Each plugin mount has its own
 * instance: made by setup when the mount starts serving here (enable, boot, reload, or learning of
 * it from another node), ended by cleanup when it stops (disable, reload, shutdown, or another node
 * disabling it). An instance replaced in the table is always cleaned up by the call replacing it.
 */
export class MountTable {
  private readonly byPath = new Map<string, MountEntry>();
  /** Bumped before and after every local change: sync() repeats a read that overlapped one. */
  private writes = 0;
  /** Types whose paths-only (pre-lifecycle) shape has been reported, once each. */
  private readonly legacyReported = new Set<string>();

  private readonly clock: Clock;

  constructor(private readonly deps: MountTableDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Registers a backend the server itself provides (sys/, auth/token/). */
  addBuiltin(record: MountRecord, backend: CoreBackend): MountEntry {
    const services = this.servicesOf(record);
    // The server's own backends declare no outbound hosts: their client calls nothing.
    const http = this.deps.httpClientFor(record, {}, services.storage, services.log);
    const entry: CoreMountEntry = { ...services, http, builtin: true, backend, matcher: new PathMatcher(backend), running: { version: "", sha256: "", external: false } };
    this.byPath.set(record.path, entry);
    return entry;
  }

  async load(): Promise<void> {
    for (const record of await this.deps.storage.mounts.list()) {
      if (this.byPath.get(record.path)?.builtin) continue;
      // External plugins are re-read and their pin re-checked here, at every start.
      this.byPath.set(record.path, await this.startOrFail(record));
    }
  }

  /** Shutdown: every plugin instance is cleaned up; the table serves nothing afterwards. */
  async close(): Promise<void> {
    const entries = [...this.byPath.values()].filter((e) => !e.builtin);
    this.byPath.clear();
    await Promise.all(entries.map((e) => this.end(e)));
  }

  /**
   * Another node changed `key` of the mount's storage (undefined: anything may have changed): the
   * storage view drops its cached copy, then the instance hears of it.
   */
  storageChanged(entry: MountEntry, key: string | undefined): void {
    entry.storage.invalidate(key);
    if (!entry.builtin) notifyInstance(entry.instance, "invalidate", key, entry.log);
  }

  /**
   * Runs plugin code (a handler, an existence check, a renew callback) under the deadline. The
   * server's own backends are trusted and run as they are.
   */
  guard<T>(entry: MountEntry, what: string, run: () => Promise<T>): Promise<T> {
    if (entry.builtin) return run();
    // Started at once (a login is one promise hop shorter); a plugin that throws, or answers without a
    // promise, is still one settled promise here.
    let work: Promise<T>;
    try {
      work = Promise.resolve(run());
    } catch (e) {
      work = Promise.reject(e);
    }
    return withDeadline(work, this.deps.deadlineMs, () => {
      entry.log.error("plugin call exceeded its deadline; answered 500", { call: what, deadline_ms: this.deps.deadlineMs });
      return new WardenError(500, "internal error");
    });
  }

  /** Mounts served by plugin `type`. */
  mountsOfType(type: string): MountEntry[] {
    return [...this.byPath.values()].filter((e) => !e.builtin && e.record.type === type);
  }

  /**
   * Loads the mount's plugin again (pin re-checked, a fresh module) and swaps a fresh instance in;
   * the old instance is cleaned up. The mount's record, storage and tokens stay. A failed load or
   * setup leaves the running instance in place. `everywhere` (Vault's scope=global) also stamps the
   * stored mount record, so every other node sees a changed record and reloads it too (mount sync).
   */
  async reload(path: string, everywhere = false): Promise<MountEntry> {
    const entry = this.byPath.get(path);
    if (!entry || entry.builtin) throw badRequest(`no plugin mount at ${path}`);
    let record = entry.record;
    if (everywhere) record = { ...record, options: { ...record.options, reloaded_at: new Date().toISOString() } };
    let next: PluginMountEntry;
    try {
      next = await this.start(record, await this.deps.registry.resolve(entry.record.type));
    } catch (e) {
      // A failed mount that still cannot load shows the newest reason.
      if (entry.failed !== undefined && this.byPath.get(path) === entry) this.byPath.set(path, this.failedEntry(entry.record, e));
      throw e;
    }
    this.writes++;
    try {
      if (everywhere) await this.deps.storage.mounts.update(record);
    } catch (e) {
      this.writes++;
      await this.end(next);
      throw e;
    }
    await this.swap(path, next);
    this.writes++;
    return next;
  }

  /** Longest mount prefix of `path` ("auth/alicloud/login" -> auth/alicloud/ + "login"). */
  resolve(path: string): { entry: MountEntry; remainder: string } | undefined {
    const withSlash = path.endsWith("/") ? path : `${path}/`;
    // Each step cuts at the previous "/", so `end` strictly decreases. At end 1 ("" or a path that
    // starts with "/") lastIndexOf(…, -1) would find index 0 again and loop for ever: stop there.
    for (let end = withSlash.length; end > 0; end = end < 2 ? 0 : withSlash.lastIndexOf("/", end - 2) + 1) {
      const entry = this.byPath.get(withSlash.slice(0, end));
      if (entry) return { entry, remainder: path.slice(Math.min(end, path.length)) };
    }
    return undefined;
  }

  get(path: string): MountEntry | undefined {
    return this.byPath.get(path);
  }

  /** Every live mount, core and plugin, sorted by path (the API docs). */
  all(): MountEntry[] {
    return [...this.byPath.values()].sort((a, b) => a.record.path.localeCompare(b.record.path));
  }

  /** Auth mounts (what sys/auth lists), sorted by path. */
  authMounts(): MountEntry[] {
    return [...this.byPath.values()].filter((e) => e.record.path.startsWith("auth/")).sort((a, b) => a.record.path.localeCompare(b.record.path));
  }

  async enable(input: { path: string; type: string; description: string; config: Record<string, unknown>; options: Record<string, unknown> }): Promise<MountEntry> {
    const path = canonicalAuthPath(input.path);
    for (const existing of this.byPath.keys()) {
      if (existing.startsWith(path) || path.startsWith(existing)) throw badRequest(`path is already in use at ${existing.slice(5)}`);
    }
    const record: MountRecord = {
      path,
      type: input.type,
      accessor: `auth_${input.type}_${randomBytes(4).toString("hex")}`,
      uuid: randomUUID(),
      description: input.description,
      config: input.config,
      options: input.options,
      createdAt: Date.now(),
    };
    // Loaded (and, for a catalog plugin, verified) and set up before anything is written: a refused
    // plugin or a failing setup leaves no mount behind.
    const entry = await this.start(record, await this.deps.registry.resolve(input.type));
    this.writes++;
    let inserted = false;
    try {
      inserted = await this.deps.storage.mounts.insert(record);
    } finally {
      if (!inserted) {
        this.writes++;
        await this.end(entry);
      }
    }
    if (!inserted) throw badRequest(`path is already in use at ${path.slice(5)}`);
    await this.swap(path, entry);
    this.writes++;
    return entry;
  }

  /** Unmounts, revoking every token the mount issued and dropping its data. Absent: no-op. */
  async disable(pathInput: string): Promise<void> {
    const path = canonicalAuthPath(pathInput);
    const entry = this.byPath.get(path);
    if (!entry) return;
    if (entry.builtin) throw badRequest(`cannot disable the ${path.slice(5)} mount`);
    // Stop routing first so no new token is minted while the old ones are being revoked.
    this.writes++;
    this.byPath.delete(path);
    try {
      await this.deps.storage.tokens.revokeByPathPrefix(path);
      await this.deps.storage.kv.deleteNamespace(entry.record.uuid);
      await this.deps.storage.mounts.delete(path);
      this.writes++;
    } catch (e) {
      this.byPath.set(path, entry);
      this.writes++;
      throw e;
    }
    await this.end(entry);
  }

  async tune(pathInput: string, change: { description?: string; config?: Record<string, unknown> }): Promise<MountEntry> {
    const path = canonicalAuthPath(pathInput);
    const entry = this.byPath.get(path);
    if (!entry) throw new WardenError(400, `no mount at ${path}`);
    const record: MountRecord = {
      ...entry.record,
      description: change.description ?? entry.record.description,
      config: { ...entry.record.config, ...change.config },
    };
    this.writes++;
    await this.deps.storage.mounts.update(record);
    const next = this.tuned(entry, record);
    this.writes++;
    return next;
  }

  /**
   * Tune keeps the instance (its caches stay): the settings are the core's to apply; the instance is
   * told of them. The same on the node that tuned and on every node that learns of it.
   */
  private tuned(entry: MountEntry, record: MountRecord): MountEntry {
    const next: MountEntry = { ...entry, record, limits: limitsOf(record.config) };
    this.byPath.set(record.path, next);
    if (!entry.builtin) notifyInstance(entry.instance, "tuned", settingsOf(record), entry.log);
    return next;
  }

  /**
   * Brings the table in line with storage after another node mounted, unmounted or tuned (the
   * cluster change feed calls it). Unchanged entries, and with them their caches, stay.
   */
  async sync(): Promise<void> {
    for (;;) {
      const seen = this.writes;
      const records = await this.deps.storage.mounts.list();
      const started: MountEntry[] = [];
      const tunes: MountRecord[] = [];
      for (const record of records) {
        const current = this.byPath.get(record.path);
        if (current?.builtin || (current && sameRecord(current.record, record))) continue;
        // Only the description or config changed: a tune, which keeps the instance.
        if (current && sameInstance(current.record, record)) {
          tunes.push(record);
          continue;
        }
        try {
          started.push(await this.start(record, await this.deps.registry.resolve(record.type)));
        } catch (e) {
          // A mount new to this node is listed as failed; one already serving here keeps serving
          // its current build (as a failed local reload would).
          if (current && current.failed === undefined) this.deps.log.error("auth method cannot be reloaded; the running build keeps serving", { path: record.path, type: record.type, error: errorText(e) });
          else started.push(this.failedEntry(record, e));
        }
      }
      if (seen !== this.writes) {
        await Promise.all(started.map((e) => this.end(e)));
        continue;
      }
      const live = new Set(records.map((r) => r.path));
      const gone: PluginMountEntry[] = [];
      for (const [path, entry] of this.byPath) {
        if (entry.builtin || live.has(path)) continue;
        this.byPath.delete(path);
        gone.push(entry);
      }
      for (const record of tunes) this.tuned(this.byPath.get(record.path)!, record);
      await Promise.all([...started.map((e) => this.swap(e.record.path, e)), ...gone.map((e) => this.end(e))]);
      return;
    }
  }

  /** The mount served by its plugin, or, when that cannot load, listed as failed with the reason. */
  private async startOrFail(record: MountRecord): Promise<PluginMountEntry> {
    try {
      return await this.start(record, await this.deps.registry.resolve(record.type));
    } catch (e) {
      return this.failedEntry(record, e);
    }
  }

  /** A mount whose plugin could not be loaded: listed, keeps its path, answers 503 (see `failed`). */
  private failedEntry(record: MountRecord, error: unknown): PluginMountEntry {
    const reason = errorText(error);
    this.deps.log.error("auth method cannot be loaded; mount listed as failed until a plugin reload succeeds", { path: record.path, type: record.type, error: reason });
    const services = this.servicesOf(record);
    const backend: PluginDefinition = { type: record.type, sdkVersion: "", description: "", paths: [] };
    const http = this.deps.httpClientFor(record, {}, services.storage, services.log);
    return { ...services, http, builtin: false, backend, instance: { paths: [] }, matcher: new PathMatcher(backend), running: { version: "", sha256: "", external: true }, failed: reason };
  }

  /** Sets up the plugin's instance for `record` with the mount's services; nothing is routed to it yet. */
  private async start(record: MountRecord, plugin: ResolvedPlugin): Promise<PluginMountEntry> {
    const def = plugin.definition;
    const services = this.servicesOf(record);
    if (!isPluginFactory(def) && !this.legacyReported.has(def.type)) {
      this.legacyReported.add(def.type);
      this.deps.log.warn("plugin uses the paths-only shape of definePlugin, which is deprecated: give setup() instead (docs/plugins.md, migrating)", { type: def.type });
    }
    let instance: PluginInstance | undefined;
    // The client exists before the instance (setup gets it); the allow-list asks the instance at call time.
    const outbound: PluginDefinition = {
      type: def.type,
      sdkVersion: def.sdkVersion,
      description: def.description,
      paths: [],
      ...(def.outboundHosts ? { outboundHosts: def.outboundHosts } : {}),
      // Asked on every outbound call: the instance's own promise, no wrapper of ours around it.
      configuredEndpoints: () => instance?.configuredEndpoints?.() ?? Promise.resolve([]),
    };
    const http = this.deps.httpClientFor(record, outbound, services.storage, services.log);
    const context = { mount: services.info, storage: services.storage, http, log: services.log, settings: settingsOf(record), clock: this.clock };
    instance = await setupInstance(def, context, this.deps.deadlineMs);
    const backend: PluginDefinition = { ...outbound, paths: instance.paths, ...(instance.renew ? { renew: instance.renew } : {}) };
    return { ...services, http, builtin: false, backend, instance, matcher: new PathMatcher(backend), running: running(plugin) };
  }

  /** What every mount has besides its backend: its record, storage view, log and lease limits. */
  private servicesOf(record: MountRecord): Pick<MountEntryCommon, "record" | "info" | "storage" | "log" | "limits"> {
    return {
      record,
      info: { path: record.path, type: record.type, accessor: record.accessor },
      storage: mountStorageView(this.deps.storage.kv, record.uuid, this.clock),
      log: this.deps.log.child("mount", { mount: record.path }),
      limits: limitsOf(record.config),
    };
  }

  /** Routes `path` to `next`; whatever served it before is cleaned up. */
  private async swap(path: string, next: MountEntry): Promise<void> {
    const previous = this.byPath.get(path);
    this.byPath.set(path, next);
    if (previous && previous !== next) await this.end(previous);
  }

  private end(entry: MountEntry): Promise<void> {
    return entry.builtin ? Promise.resolve() : endInstance(entry.instance, entry.log, this.deps.deadlineMs);
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The answer to every request for a failed mount: the service is there but cannot serve yet. */
export function failedMountError(entry: PluginMountEntry): WardenError {
  // The reason (file paths, owners, modes) stays out of this answer: it goes to unauthenticated callers.
  // Operators read it in sys/auth (plugin_error) and in the log.
  return new WardenError(503, `auth method at ${entry.record.path.slice(5, -1)} is unavailable: its plugin failed to load (see plugin_error in sys/auth); fix the plugin, then reload it (sys/plugins/reload/backend)`);
}

const running = (p: ResolvedPlugin): MountEntry["running"] => ({ version: p.version, sha256: p.sha256, external: !p.builtin });

/** The same mount served by the same instance: only a reload (options.reloaded_at) or a re-mount differs. */
const sameInstance = (a: MountRecord, b: MountRecord): boolean =>
  a.uuid === b.uuid && a.type === b.type && a.accessor === b.accessor && JSON.stringify(a.options) === JSON.stringify(b.options);

const sameRecord = (a: MountRecord, b: MountRecord): boolean =>
  sameInstance(a, b) && a.description === b.description && JSON.stringify(a.config) === JSON.stringify(b.config);

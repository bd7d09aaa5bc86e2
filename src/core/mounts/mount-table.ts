import { randomBytes, randomUUID } from "node:crypto";
import type { Clock } from "../../sdk/clock.js";
import { WardenError, badRequest } from "../../sdk/errors.js";
import type { HttpClient } from "../../sdk/http-client.js";
import type { AnyPathDefinition, Logger, MountInfo, PluginDefinition, StorageView } from "../../sdk/plugin.js";
import type { MountRecord, Storage } from "../../storage/types.js";
import type { AnyCorePath, CoreBackend } from "../framework/core-path.js";
import { PathMatcher } from "../framework/path-matcher.js";
import { withDeadline } from "../plugins/deadline.js";
import type { ResolvedPlugin } from "../plugins/registry.js";
import type { LeaseLimits } from "../tokens/ttl.js";
import { type CachedStorageView, mountStorageView } from "./storage-view.js";

interface MountEntryCommon {
  record: MountRecord;
  info: MountInfo;
  storage: CachedStorageView;
  http: HttpClient;
  log: Logger;
  /** Mount's own lease limits (0 = inherit the system's). */
  limits: LeaseLimits;
  /** Which build serves the mount (sys/auth's running_plugin_version / running_sha256). */
  running: { version: string; sha256: string; external: boolean };
}

/** What serves a mount: one of the server's own backends, or a plugin. */
type Served = { builtin: true; backend: CoreBackend } | { builtin: false; backend: PluginDefinition };

/** Built into the server (sys/, auth/token/, identity/): cannot be disabled or moved; trusted handlers. */
export interface CoreMountEntry extends MountEntryCommon {
  builtin: true;
  backend: CoreBackend;
  matcher: PathMatcher<AnyCorePath>;
}

/** A plugin's mount: its handlers only ever get a PluginRequest. */
export interface PluginMountEntry extends MountEntryCommon {
  builtin: false;
  backend: PluginDefinition;
  matcher: PathMatcher<AnyPathDefinition>;
}

/** A live mount: its record, the backend serving it, and the services handed to that backend. */
export type MountEntry = CoreMountEntry | PluginMountEntry;

export interface MountTableDeps {
  storage: Storage;
  /** Auth method types an operator may enable: builtin, or loaded (pin verified) from the catalog. */
  registry: { resolve(type: string): Promise<ResolvedPlugin> };
  log: Logger & { child(scope: string): Logger };
  /** The server's own backends declare no outbound hosts: their client calls nothing. */
  httpClientFor(mount: MountRecord, backend: Pick<PluginDefinition, "outboundHosts" | "configuredEndpoints">, storage: StorageView, log: Logger): HttpClient;
  /** How long a plugin handler or renew callback may run before its request is answered 500. */
  deadlineMs: number;
  /** The server's clock: expiry of the mounts' counted entries and claims. */
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

/**
 * The mount table: which backend serves which path prefix. Loaded once at boot and kept in memory;
 * every change goes to storage first, then to the in-memory copy.
 */
export class MountTable {
  private readonly byPath = new Map<string, MountEntry>();
  /** Bumped before and after every local change: sync() repeats a read that overlapped one. */
  private writes = 0;

  constructor(private readonly deps: MountTableDeps) {}

  /** Registers a backend the server itself provides (sys/, auth/token/). */
  addBuiltin(record: MountRecord, backend: CoreBackend): MountEntry {
    const entry = this.makeEntry(record, { builtin: true, backend }, { version: "", sha256: "", external: false });
    this.byPath.set(record.path, entry);
    return entry;
  }

  async load(): Promise<void> {
    for (const record of await this.deps.storage.mounts.list()) {
      if (this.byPath.get(record.path)?.builtin) continue;
      let plugin: ResolvedPlugin;
      try {
        // External plugins are re-read and their pin re-checked here, at every start.
        plugin = await this.deps.registry.resolve(record.type);
      } catch (e) {
        this.deps.log.error("auth method cannot be loaded; mount left unmounted", { path: record.path, type: record.type, error: e instanceof Error ? e.message : String(e) });
        continue;
      }
      this.byPath.set(record.path, this.makeEntry(record, { builtin: false, backend: plugin.definition }, running(plugin)));
    }
  }

  /**
   * Runs plugin code (a handler, an existence check, a renew callback) under the deadline. The
   * server's own backends are trusted and run as they are.
   */
  guard<T>(entry: MountEntry, what: string, run: () => Promise<T>): Promise<T> {
    if (entry.builtin) return run();
    return withDeadline(Promise.resolve().then(run), this.deps.deadlineMs, () => {
      entry.log.error("plugin call exceeded its deadline; answered 500", { call: what, deadline_ms: this.deps.deadlineMs });
      return new WardenError(500, "internal error");
    });
  }

  /** Mounts served by plugin `type`. */
  mountsOfType(type: string): MountEntry[] {
    return [...this.byPath.values()].filter((e) => !e.builtin && e.record.type === type);
  }

  /**
   * Loads the mount's plugin again (pin re-checked, a fresh module instance) and swaps it in; the
   * mount's record, storage and tokens stay. A failed load leaves the running version in place.
   */
  /**
   * Imports the mount's plugin afresh. `everywhere` (Vault's scope=global) also stamps the stored mount
   * record, so every other node sees a changed record and reloads it too through its mount sync.
   */
  async reload(path: string, everywhere = false): Promise<MountEntry> {
    const entry = this.byPath.get(path);
    if (!entry || entry.builtin) throw badRequest(`no plugin mount at ${path}`);
    const plugin = await this.deps.registry.resolve(entry.record.type);
    let record = entry.record;
    if (everywhere) {
      record = { ...record, options: { ...record.options, reloaded_at: new Date().toISOString() } };
      this.writes++;
      await this.deps.storage.mounts.update(record);
    }
    const next = this.makeEntry(record, { builtin: false, backend: plugin.definition }, running(plugin));
    this.byPath.set(path, next);
    return next;
  }

  /** Longest mount prefix of `path` ("auth/alicloud/login" -> auth/alicloud/ + "login"). */
  resolve(path: string): { entry: MountEntry; remainder: string } | undefined {
    const withSlash = path.endsWith("/") ? path : `${path}/`;
    for (let end = withSlash.length; end > 0; end = withSlash.lastIndexOf("/", end - 2) + 1) {
      const entry = this.byPath.get(withSlash.slice(0, end));
      if (entry) return { entry, remainder: path.slice(Math.min(end, path.length)) };
    }
    return undefined;
  }

  get(path: string): MountEntry | undefined {
    return this.byPath.get(path);
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
    // Loaded (and, for a catalog plugin, verified) before anything is written: a refused plugin
    // leaves no mount behind.
    const plugin = await this.deps.registry.resolve(input.type);
    this.writes++;
    if (!(await this.deps.storage.mounts.insert(record))) throw badRequest(`path is already in use at ${path.slice(5)}`);
    const entry = this.makeEntry(record, { builtin: false, backend: plugin.definition }, running(plugin));
    this.byPath.set(path, entry);
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
    const next = this.makeEntry(record, entry, entry.running);
    this.byPath.set(path, next);
    this.writes++;
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
      const changed: Array<{ record: MountRecord; plugin: ResolvedPlugin }> = [];
      for (const record of records) {
        const current = this.byPath.get(record.path);
        if (current?.builtin || (current && sameRecord(current.record, record))) continue;
        try {
          changed.push({ record, plugin: await this.deps.registry.resolve(record.type) });
        } catch (e) {
          this.deps.log.error("auth method cannot be loaded; mount left unmounted", { path: record.path, type: record.type, error: e instanceof Error ? e.message : String(e) });
        }
      }
      if (seen !== this.writes) continue;
      const live = new Set(records.map((r) => r.path));
      for (const [path, entry] of this.byPath) if (!entry.builtin && !live.has(path)) this.byPath.delete(path);
      for (const { record, plugin } of changed) this.byPath.set(record.path, this.makeEntry(record, { builtin: false, backend: plugin.definition }, running(plugin)));
      return;
    }
  }

  private makeEntry(record: MountRecord, served: Served, runningAs: MountEntry["running"]): MountEntry {
    const storage = mountStorageView(this.deps.storage.kv, record.uuid, this.deps.clock);
    const log = this.deps.log.child(record.path);
    const common: MountEntryCommon = {
      record,
      info: { path: record.path, type: record.type, accessor: record.accessor },
      storage,
      http: this.deps.httpClientFor(record, served.builtin ? {} : served.backend, storage, log),
      log,
      limits: limitsOf(record.config),
      running: runningAs,
    };
    return served.builtin
      ? { ...common, builtin: true, backend: served.backend, matcher: new PathMatcher(served.backend) }
      : { ...common, builtin: false, backend: served.backend, matcher: new PathMatcher(served.backend) };
  }
}

const running = (p: ResolvedPlugin): MountEntry["running"] => ({ version: p.version, sha256: p.sha256, external: !p.builtin });

const sameRecord = (a: MountRecord, b: MountRecord): boolean =>
  a.uuid === b.uuid && a.type === b.type && a.accessor === b.accessor && a.description === b.description && JSON.stringify(a.config) === JSON.stringify(b.config) && JSON.stringify(a.options) === JSON.stringify(b.options);

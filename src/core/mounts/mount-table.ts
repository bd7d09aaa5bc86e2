import { randomBytes, randomUUID } from "node:crypto";
import { WardenError, badRequest } from "../../sdk/errors.js";
import type { HttpClient } from "../../sdk/http-client.js";
import type { Logger, MountInfo, PluginDefinition } from "../../sdk/plugin.js";
import type { MountRecord, Storage } from "../../storage/types.js";
import { PathMatcher } from "../framework/path-matcher.js";
import type { LeaseLimits } from "../tokens/ttl.js";
import { type CachedStorageView, mountStorageView } from "./storage-view.js";

/** A live mount: its record, the backend serving it, and the services handed to that backend. */
export interface MountEntry {
  record: MountRecord;
  info: MountInfo;
  backend: PluginDefinition;
  matcher: PathMatcher;
  storage: CachedStorageView;
  http: HttpClient;
  log: Logger;
  /** Mount's own lease limits (0 = inherit the system's). */
  limits: LeaseLimits;
  /** Built into the server (sys/, auth/token/): cannot be disabled or moved. */
  builtin: boolean;
}

export interface MountTableDeps {
  storage: Storage;
  /** Auth method types an operator may enable, by type name. */
  registry: ReadonlyMap<string, PluginDefinition>;
  log: Logger & { child(scope: string): Logger };
  httpClientFor(mount: MountRecord): HttpClient;
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

  constructor(private readonly deps: MountTableDeps) {}

  /** Registers a backend the server itself provides (sys/, auth/token/). */
  addBuiltin(record: MountRecord, backend: PluginDefinition): MountEntry {
    const entry = this.makeEntry(record, backend, true);
    this.byPath.set(record.path, entry);
    return entry;
  }

  async load(): Promise<void> {
    for (const record of await this.deps.storage.mounts.list()) {
      if (this.byPath.get(record.path)?.builtin) continue;
      const backend = this.deps.registry.get(record.type);
      if (!backend) {
        this.deps.log.error("mount refers to an unknown auth method type; left unmounted", { path: record.path, type: record.type });
        continue;
      }
      this.byPath.set(record.path, this.makeEntry(record, backend, false));
    }
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
    const backend = this.deps.registry.get(input.type);
    if (!backend) throw badRequest(`unknown auth method type "${input.type.slice(0, 60)}"`);
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
    if (!(await this.deps.storage.mounts.insert(record))) throw badRequest(`path is already in use at ${path.slice(5)}`);
    const entry = this.makeEntry(record, backend, false);
    this.byPath.set(path, entry);
    return entry;
  }

  /** Unmounts, revoking every token the mount issued and dropping its data. Absent: no-op. */
  async disable(pathInput: string): Promise<void> {
    const path = canonicalAuthPath(pathInput);
    const entry = this.byPath.get(path);
    if (!entry) return;
    if (entry.builtin) throw badRequest(`cannot disable the ${path.slice(5)} mount`);
    // Stop routing first so no new token is minted while the old ones are being revoked.
    this.byPath.delete(path);
    try {
      await this.deps.storage.tokens.revokeByPathPrefix(path);
      await this.deps.storage.kv.deleteNamespace(entry.record.uuid);
      await this.deps.storage.mounts.delete(path);
    } catch (e) {
      this.byPath.set(path, entry);
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
    await this.deps.storage.mounts.update(record);
    const next = this.makeEntry(record, entry.backend, entry.builtin);
    this.byPath.set(path, next);
    return next;
  }

  private makeEntry(record: MountRecord, backend: PluginDefinition, builtin: boolean): MountEntry {
    return {
      record,
      info: { path: record.path, type: record.type, accessor: record.accessor },
      backend,
      matcher: new PathMatcher(backend),
      storage: mountStorageView(this.deps.storage.kv, record.uuid),
      http: this.deps.httpClientFor(record),
      log: this.deps.log.child(record.path),
      limits: limitsOf(record.config),
      builtin,
    };
  }
}

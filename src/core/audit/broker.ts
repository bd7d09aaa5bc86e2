/**
 * The audit broker: the enabled devices, their keys, and the fail-closed fan-out.
 *
 * Each entry is built and hashed per device (each has its own key and switches) and written to every
 * device at once. With at least one device enabled, the call succeeds if any device wrote and rejects
 * with 500 "internal error" if none did, so the pipeline fails the request instead of serving it
 * unaudited. The failure detail goes to onError only; the client learns nothing about the log.
 *
 * Every device passes device-rules.ts whenever it is set up: on enable, at startup and when another
 * node changed the table. A stored device that breaks them stops the startup (running without it
 * would be running less audited than configured); one that arrives through a sync is kept but fails
 * every write on this node, so requests fail closed here until it is fixed or disabled.
 */
import { WardenError, badRequest, isWardenError } from "../../sdk/errors.js";
import type { SystemStore } from "../../storage/types.js";
import type { AuditBroker, AuditDeviceInfo, AuditDeviceOrigin, AuditRequestFacts, AuditResponseFacts } from "./types.js";
import { hmacValue } from "./hash.js";
import { parseFileOptions, type FileDeviceConfig } from "./options.js";
import { openFileDevice, type AuditSink } from "./file-device.js";
import { knownSecrets, requestEntry, responseEntry, serialise, type EntryKeying } from "./entry.js";
import { type StoredDevice, dropDeviceKey, ensureDeviceKey, loadDeviceTable, saveDeviceTable } from "./table.js";
import { normalizeDevicePath, tryNormalizeDevicePath } from "./paths.js";
import { type AuditDeviceRules, NO_RULES, checkApiFilePath, checkPrefixAllowed } from "./device-rules.js";

export interface AuditBrokerOptions {
  /** Operator-facing report of a device failure (no secrets: paths and error codes only). */
  onError(msg: string): void;
  /** Called once per entry a device failed to write (warden_audit_failures_total). */
  onWriteFailure?(): void;
  /** allow_audit_log_prefixing and the directories API-enabled files stay out of (default: none allowed, none protected). */
  rules?: AuditDeviceRules;
  /** `audit "file" "<path>" { ... }` blocks of the server config: enabled at startup unless the table has the path. */
  configDevices?: readonly AuditDeviceInfo[];
}

interface Device {
  info: AuditDeviceInfo;
  origin: AuditDeviceOrigin;
  /** Undefined for a device refused on this node (its sink fails every write). */
  config: FileDeviceConfig | undefined;
  /** Always the device's key (sys/audit-hash works even with log_raw); hashing uses `keying`. */
  key: Uint8Array;
  keying: EntryKeying;
  sink: AuditSink;
}

const describe = (e: unknown): string => {
  const code = e && typeof e === "object" && "code" in e ? ` (${String((e as { code: unknown }).code)})` : "";
  return (e instanceof Error ? e.message : String(e)) + code;
};

const cloneInfo = (d: AuditDeviceInfo): AuditDeviceInfo => ({ path: d.path, type: d.type, description: d.description, options: { ...d.options } });

const sameOptions = (a: Record<string, string>, b: Record<string, string>): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** Runs `fn`; a failure is reported as a problem of the config file's audit block `path`. */
function inConfig<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`audit "file" "${path}" in the server config: ${describe(e)}`);
  }
}

/** The sink of a device this node refuses: every write fails, so the node fails closed. */
const refusedSink = (why: string): AuditSink => ({
  write: () => Promise.reject(new Error(`audit device refused on this node: ${why}`)),
  close: async () => undefined,
});

class Broker implements AuditBroker {
  /** Insertion order = enable order, which is also the list order. */
  private readonly devices = new Map<string, Device>();
  /** Serialises enable/disable so the check-then-persist of the table cannot interleave. */
  private tableLock: Promise<unknown> = Promise.resolve();

  private readonly rules: AuditDeviceRules;

  constructor(
    private readonly system: SystemStore,
    private readonly opts: AuditBrokerOptions,
  ) {
    this.rules = opts.rules ?? NO_RULES;
  }

  get active(): boolean {
    return this.devices.size > 0;
  }

  /**
   * Startup: every persisted device comes back, even if its file cannot be opened right now (its
   * writes then fail), then the config file's devices the table does not have yet are enabled. A
   * stored API device the config file declares with the same options becomes a config device.
   */
  async load(): Promise<void> {
    const declared = new Map<string, { decl: AuditDeviceInfo; canonical: Record<string, string> }>();
    for (const decl of this.opts.configDevices ?? []) {
      const { canonical } = inConfig(decl.path, () => parseFileOptions(decl.options ?? {}));
      declared.set(inConfig(decl.path, () => normalizeDevicePath(decl.path)), { decl, canonical });
    }
    const table = await loadDeviceTable(this.system);
    let adopted = false;
    for (const stored of table) {
      const declaration = declared.get(stored.info.path);
      if (stored.origin === "api" && declaration && sameOptions(declaration.canonical, stored.info.options)) {
        stored.origin = "config";
        adopted = true;
      }
      let config: FileDeviceConfig;
      try {
        ({ config } = await this.admit(stored.info.options, stored.origin));
      } catch (e) {
        throw new Error(
          `audit device ${stored.info.path} in the device table is refused: ${describe(e)}. To keep it, declare it in the server config ` +
            `file (audit "file" "${stored.info.path.replace(/\/$/, "")}" { ... } with the same options) or allow what it needs there; then disable it over the API if it is not wanted`,
        );
      }
      const key = await ensureDeviceKey(this.system, stored.info.path);
      const sink = await openFileDevice(config, false, (e) =>
        this.opts.onError(`audit device ${stored.info.path} cannot open its file, writes will fail: ${describe(e)}`),
      );
      this.devices.set(stored.info.path, this.makeDevice(stored, config, key, sink));
    }
    if (adopted) await saveDeviceTable(this.system, this.stored());
    for (const [path, { decl }] of declared) {
      if (this.devices.has(path)) continue;
      await this.enable({ ...decl, description: decl.description || "from config" }, "config").catch((e: unknown) => inConfig(decl.path, () => {
        throw e;
      }));
    }
  }

  /** Options -> device config, under the rules for who enables it. Throws 400 naming the rule broken. */
  private async admit(options: Record<string, string>, origin: AuditDeviceOrigin): Promise<ReturnType<typeof parseFileOptions>> {
    const parsed = parseFileOptions(options);
    checkPrefixAllowed(options, this.rules);
    if (origin === "api") await checkApiFilePath(parsed.config.filePath, this.rules);
    return parsed;
  }

  private makeDevice(stored: StoredDevice, config: FileDeviceConfig | undefined, key: Uint8Array, sink: AuditSink): Device {
    const keying: EntryKeying = { key: config?.logRaw ? null : key, hmacAccessor: config?.hmacAccessor ?? true };
    return { info: stored.info, origin: stored.origin, config, key, keying, sink };
  }

  private stored(): StoredDevice[] {
    return [...this.devices.values()].map((d) => ({ info: d.info, origin: d.origin }));
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tableLock.then(fn, fn);
    this.tableLock = run.catch(() => undefined);
    return run;
  }

  enable(device: AuditDeviceInfo, origin: AuditDeviceOrigin = "api"): Promise<void> {
    return this.locked(async () => {
      if (device.type !== "file") throw badRequest(`unknown audit device type "${String(device.type)}"`);
      const path = normalizeDevicePath(device.path);
      const description = typeof device.description === "string" ? device.description : "";
      const { config, canonical } = await this.admit(device.options ?? {}, origin);
      // Vault refuses a path that is a prefix of another device's, in either direction.
      for (const existing of this.devices.keys()) {
        if (existing.startsWith(path) || path.startsWith(existing)) throw badRequest("path already in use");
      }
      // Two devices appending to one file would interleave and duplicate every entry.
      if (config.filePath !== "stdout" && config.filePath !== "discard") {
        for (const d of this.devices.values()) {
          if (d.config?.filePath === config.filePath) throw badRequest(`file_path already used by audit device ${d.info.path}`);
        }
      }
      const sink = await openFileDevice(config, true);
      const stored: StoredDevice = { info: { path, type: "file", description, options: canonical }, origin };
      try {
        const key = await ensureDeviceKey(this.system, path);
        await saveDeviceTable(this.system, [...this.stored(), stored]);
        this.devices.set(path, this.makeDevice(stored, config, key, sink));
      } catch (e) {
        await sink.close().catch(() => undefined);
        throw e;
      }
    });
  }

  disable(path: string): Promise<boolean> {
    return this.locked(async () => {
      const p = tryNormalizeDevicePath(path);
      const device = p === undefined ? undefined : this.devices.get(p);
      if (p === undefined || device === undefined) return false;
      await saveDeviceTable(this.system, this.stored().filter((d) => d.info !== device.info));
      this.devices.delete(p);
      await dropDeviceKey(this.system, p);
      await device.sink.close().catch((e) => this.opts.onError(`audit device ${p} failed to close: ${describe(e)}`));
      return true;
    });
  }

  sync(): Promise<void> {
    return this.locked(async () => {
      const table = await loadDeviceTable(this.system);
      const next = new Map<string, Device>();
      for (const stored of table) {
        const path = stored.info.path;
        const current = this.devices.get(path);
        if (current && current.origin === stored.origin && JSON.stringify(current.info) === JSON.stringify(stored.info)) {
          next.set(path, current);
          continue;
        }
        const key = await ensureDeviceKey(this.system, path);
        let device: Device;
        try {
          const { config } = await this.admit(stored.info.options, stored.origin);
          const sink = await openFileDevice(config, false, (e) => this.opts.onError(`audit device ${path} cannot open its file, writes will fail: ${describe(e)}`));
          device = this.makeDevice(stored, config, key, sink);
        } catch (e) {
          if (!isWardenError(e)) throw e;
          this.opts.onError(`audit device ${path}, enabled on another node, is refused on this one and fails every write: ${describe(e)}`);
          device = this.makeDevice(stored, undefined, key, refusedSink(e.message));
        }
        next.set(path, device);
      }
      const gone = [...this.devices.values()].filter((d) => next.get(d.info.path) !== d);
      // Swapped in one step: a request is audited by the old set or the new one, never by none.
      this.devices.clear();
      for (const [path, d] of next) this.devices.set(path, d);
      for (const d of gone) await d.sink.close().catch((e) => this.opts.onError(`audit device ${d.info.path} failed to close: ${describe(e)}`));
    });
  }

  list(): AuditDeviceInfo[] {
    return [...this.devices.values()].map((d) => cloneInfo(d.info));
  }

  hash(path: string, input: string): string | undefined {
    const p = tryNormalizeDevicePath(path);
    const device = p === undefined ? undefined : this.devices.get(p);
    return device ? hmacValue(device.key, input) : undefined;
  }

  logRequest(req: AuditRequestFacts): Promise<void> {
    return this.fanOut("request", (d, time) => serialise(d.keying, requestEntry(d.keying, time, req), knownSecrets(d.keying, req)));
  }

  logResponse(req: AuditRequestFacts, res: AuditResponseFacts): Promise<void> {
    return this.fanOut("response", (d, time) =>
      serialise(d.keying, responseEntry(d.keying, time, req, res), knownSecrets(d.keying, req, res)),
    );
  }

  /** Builds and writes one entry per device; resolves if any device wrote it (see the module comment). */
  private async fanOut(kind: string, build: (d: Device, time: string) => string): Promise<void> {
    const devices = [...this.devices.values()];
    if (devices.length === 0) return;
    const time = new Date().toISOString();
    const results = await Promise.allSettled(
      devices.map(async (d) => {
        // Building inside the async function: a serialisation failure counts as this device failing.
        const line = build(d, time);
        await d.sink.write(line);
      }),
    );
    let ok = 0;
    results.forEach((r, i) => {
      if (r.status === "fulfilled") ok++;
      else {
        this.opts.onWriteFailure?.();
        this.opts.onError(`audit device ${devices[i]!.info.path} failed to log the ${kind}: ${describe(r.reason)}`);
      }
    });
    if (ok === 0) {
      this.opts.onError(`no audit device succeeded in logging the ${kind}`);
      throw new WardenError(500, "internal error");
    }
  }

  async close(): Promise<void> {
    const devices = [...this.devices.values()];
    this.devices.clear();
    await Promise.allSettled(devices.map((d) => d.sink.close()));
  }
}

/** Loads the persisted devices (keys included) and returns the broker. Throws if the table is corrupt. */
export async function createAuditBroker(system: SystemStore, opts: AuditBrokerOptions): Promise<AuditBroker> {
  const broker = new Broker(system, opts);
  await broker.load();
  return broker;
}

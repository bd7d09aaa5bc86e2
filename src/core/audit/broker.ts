/**
 * The audit broker: the enabled devices, their keys, and the fail-closed fan-out.
 *
 * Each entry is built and hashed per device (each has its own key and switches) and written to every
 * device at once. With at least one device enabled, the call succeeds if any device wrote and rejects
 * with 500 "internal error" if none did, so the pipeline fails the request instead of serving it
 * unaudited. The failure detail goes to onError only; the client learns nothing about the log.
 */
import { WardenError, badRequest } from "../../sdk/errors.js";
import type { SystemStore } from "../../storage/types.js";
import type { AuditBroker, AuditDeviceInfo, AuditRequestFacts, AuditResponseFacts } from "./types.js";
import { hmacValue } from "./hash.js";
import { parseFileOptions, type FileDeviceConfig } from "./options.js";
import { openFileDevice, type AuditSink } from "./file-device.js";
import { knownSecrets, requestEntry, responseEntry, serialise, type EntryKeying } from "./entry.js";
import { dropDeviceKey, ensureDeviceKey, loadDeviceTable, saveDeviceTable } from "./table.js";
import { normalizeDevicePath, tryNormalizeDevicePath } from "./paths.js";

export interface AuditBrokerOptions {
  /** Operator-facing report of a device failure (no secrets: paths and error codes only). */
  onError(msg: string): void;
}

interface Device {
  info: AuditDeviceInfo;
  config: FileDeviceConfig;
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

class Broker implements AuditBroker {
  /** Insertion order = enable order, which is also the list order. */
  private readonly devices = new Map<string, Device>();
  /** Serialises enable/disable so the check-then-persist of the table cannot interleave. */
  private tableLock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly system: SystemStore,
    private readonly opts: AuditBrokerOptions,
  ) {}

  get active(): boolean {
    return this.devices.size > 0;
  }

  /** Startup: every persisted device comes back, even if its file cannot be opened right now. */
  async load(): Promise<void> {
    for (const info of await loadDeviceTable(this.system)) {
      const { config } = parseFileOptions(info.options);
      const key = await ensureDeviceKey(this.system, info.path);
      const sink = await openFileDevice(config, false, (e) =>
        this.opts.onError(`audit device ${info.path} cannot open its file, writes will fail: ${describe(e)}`),
      );
      this.devices.set(info.path, this.makeDevice(info, config, key, sink));
    }
  }

  private makeDevice(info: AuditDeviceInfo, config: FileDeviceConfig, key: Uint8Array, sink: AuditSink): Device {
    return { info, config, key, keying: { key: config.logRaw ? null : key, hmacAccessor: config.hmacAccessor }, sink };
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tableLock.then(fn, fn);
    this.tableLock = run.catch(() => undefined);
    return run;
  }

  enable(device: AuditDeviceInfo): Promise<void> {
    return this.locked(async () => {
      if (device.type !== "file") throw badRequest(`unknown audit device type "${String(device.type)}"`);
      const path = normalizeDevicePath(device.path);
      const description = typeof device.description === "string" ? device.description : "";
      const { config, canonical } = parseFileOptions(device.options ?? {});
      // Vault refuses a path that is a prefix of another device's, in either direction.
      for (const existing of this.devices.keys()) {
        if (existing.startsWith(path) || path.startsWith(existing)) throw badRequest("path already in use");
      }
      // Two devices appending to one file would interleave and duplicate every entry.
      if (config.filePath !== "stdout" && config.filePath !== "discard") {
        for (const d of this.devices.values()) {
          if (d.config.filePath === config.filePath) throw badRequest(`file_path already used by audit device ${d.info.path}`);
        }
      }
      const sink = await openFileDevice(config, true);
      const info: AuditDeviceInfo = { path, type: "file", description, options: canonical };
      try {
        const key = await ensureDeviceKey(this.system, path);
        await saveDeviceTable(this.system, [...[...this.devices.values()].map((d) => d.info), info]);
        this.devices.set(path, this.makeDevice(info, config, key, sink));
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
      await saveDeviceTable(this.system, [...this.devices.values()].filter((d) => d !== device).map((d) => d.info));
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
      for (const info of table) {
        const current = this.devices.get(info.path);
        if (current && JSON.stringify(current.info) === JSON.stringify(info)) {
          next.set(info.path, current);
          continue;
        }
        const { config } = parseFileOptions(info.options);
        const key = await ensureDeviceKey(this.system, info.path);
        const sink = await openFileDevice(config, false, (e) =>
          this.opts.onError(`audit device ${info.path} cannot open its file, writes will fail: ${describe(e)}`),
        );
        next.set(info.path, this.makeDevice(info, config, key, sink));
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
      else this.opts.onError(`audit device ${devices[i]!.info.path} failed to log the ${kind}: ${describe(r.reason)}`);
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

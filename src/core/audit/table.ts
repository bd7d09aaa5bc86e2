/**
 * Persistence of the audit device table and the per-device HMAC keys in the SystemStore.
 *
 * "audit/devices" holds the JSON list of enabled devices; "audit/key/<path>" holds the device's key,
 * 32 random bytes as hex. The key is written with putIfAbsent so two nodes enabling the same device,
 * or a retry after a crash, converge on one key instead of each hashing with its own.
 */
import { randomBytes } from "node:crypto";
import type { SystemStore } from "../../storage/types.js";
import type { AuditDeviceInfo, AuditDeviceOrigin } from "./types.js";

/** A table entry: the device as listed, and who enabled it (entries written before origins existed count as "api"). */
export interface StoredDevice {
  info: AuditDeviceInfo;
  origin: AuditDeviceOrigin;
}

export const DEVICE_TABLE_KEY = "audit/devices";
export const deviceKeyName = (path: string): string => `audit/key/${path}`;

const isStringMap = (v: unknown): v is Record<string, string> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");

/**
 * Reads the table. A table that exists but cannot be read throws: starting with an unknown set of
 * audit devices would mean running unaudited, which is failing open.
 */
export async function loadDeviceTable(system: SystemStore): Promise<StoredDevice[]> {
  const raw = await system.get(DEVICE_TABLE_KEY);
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error("audit device table is corrupt (not JSON)");
  }
  if (!Array.isArray(parsed)) throw new Error("audit device table is corrupt (not a list)");
  return parsed.map((d: unknown) => {
    const e = d as (Partial<AuditDeviceInfo> & { origin?: unknown }) | null;
    if (!e || typeof e.path !== "string" || e.type !== "file" || !isStringMap(e.options)) {
      throw new Error("audit device table is corrupt (bad entry)");
    }
    const info: AuditDeviceInfo = { path: e.path, type: "file", description: typeof e.description === "string" ? e.description : "", options: { ...e.options } };
    return { info, origin: e.origin === "config" ? "config" : "api" };
  });
}

export async function saveDeviceTable(system: SystemStore, devices: StoredDevice[]): Promise<void> {
  await system.put(DEVICE_TABLE_KEY, JSON.stringify(devices.map((d) => ({ ...d.info, origin: d.origin }))));
}

/** The device's key: the stored one, or a fresh one stored first (whoever wrote first wins). */
export async function ensureDeviceKey(system: SystemStore, path: string): Promise<Uint8Array> {
  const name = deviceKeyName(path);
  await system.putIfAbsent(name, randomBytes(32).toString("hex"));
  const stored = await system.get(name);
  if (stored === undefined || !/^[0-9a-f]{64}$/.test(stored)) throw new Error(`audit key for ${path} is missing or corrupt`);
  return Buffer.from(stored, "hex");
}

/** Forgets the key: a device re-enabled at the same path gets a new one, as in Vault. */
export async function dropDeviceKey(system: SystemStore, path: string): Promise<void> {
  await system.delete(deviceKeyName(path));
}

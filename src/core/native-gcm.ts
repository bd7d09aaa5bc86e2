import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/**
 * The native AES-256-GCM binding (native/gcm.c, built by `npm run build`, which `npm ci` runs): one
 * OpenSSL context kept per key. Optional: without it (no compiler at install, another platform) the
 * barrier seals with node:crypto, the same format, only slower; the server says so once at start
 * (nativeGcmStatus). Only src/core/seal/aead.ts uses it.
 */
export interface NativeGcmKey {
  seal(buf: Buffer, offset: number, length: number, aad: string): void;
  open(buf: Buffer, offset: number, length: number, aad: string): void;
  drop(): void;
}

export interface NativeGcm {
  GcmKey: new (key: Buffer) => NativeGcmKey;
}

// dist/src/core/native-gcm.js and the bundle (dist/src/bundle/server.js) -> the repository root.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const NATIVE_GCM_PATH = join(ROOT, "native", "build", "Release", "warden_gcm.node");

let loaded: { binding: NativeGcm | undefined; error: string | undefined } | undefined;

/** Loads the binding at `path`: the binding, or why not (never a key or value: a file and a loader's message). */
export function loadNativeGcm(path: string): { binding: NativeGcm | undefined; error: string | undefined } {
  try {
    const binding = createRequire(import.meta.url)(path) as Partial<NativeGcm>;
    if (typeof binding.GcmKey !== "function") return { binding: undefined, error: `${path} has no GcmKey` };
    return { binding: binding as NativeGcm, error: undefined };
  } catch (e) {
    return { binding: undefined, error: e instanceof Error ? e.message.split("\n")[0] : String(e) };
  }
}

/** The binding, loaded on first use; undefined when it cannot load. */
export function nativeGcm(): NativeGcm | undefined {
  loaded ??= loadNativeGcm(NATIVE_GCM_PATH);
  return loaded.binding;
}

/** Whether the barrier seals natively, and if not why (for the server's one line at start). */
export function nativeGcmStatus(): { native: boolean; error?: string } {
  return nativeGcm() ? { native: true } : { native: false, error: loaded!.error };
}

/** The server's one line at start when the binding did not load (the barrier then seals with node:crypto). */
export function reportNativeGcm(log: { warn(msg: string, fields?: Record<string, unknown>): void }, status = nativeGcmStatus()): void {
  if (!status.native) log.warn("barrier: native AES-GCM binding not loaded, sealing with node:crypto (same format, more CPU per token)", { error: status.error });
}

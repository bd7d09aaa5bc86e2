/**
 * Path rules of the audit subsystem: how device paths are spelled, and which request paths are never
 * audited.
 */
import { badRequest } from "../../sdk/errors.js";

const DEVICE_PATH = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*\/?$/;

/** "file" or "file/" -> "file/". Throws 400 on anything else (no dots, upper case, empty segments). */
export function normalizeDevicePath(path: string): string {
  if (typeof path !== "string" || path.length > 128 || !DEVICE_PATH.test(path)) {
    throw badRequest(`invalid audit device path "${String(path).slice(0, 128)}"`);
  }
  return path.endsWith("/") ? path : path + "/";
}

/** Like normalizeDevicePath but for lookups: undefined instead of a 400. */
export function tryNormalizeDevicePath(path: string): string | undefined {
  try {
    return normalizeDevicePath(path);
  } catch {
    return undefined;
  }
}

/** Vault (docs, audit page): these never reach the audit devices. Paths without /v1/ and leading "/". */
const NOT_AUDITED_EXACT = new Set(["sys/init", "sys/seal-status", "sys/seal", "sys/step-down", "sys/unseal", "sys/leader", "sys/health"]);
const NOT_AUDITED_PREFIX = ["sys/rekey", "sys/generate-root", "sys/storage/raft/bootstrap", "sys/storage/raft/join"];

export function isNotAudited(path: string): boolean {
  const p = path.replace(/^\/+/, "").replace(/\/+$/, "");
  return NOT_AUDITED_EXACT.has(p) || NOT_AUDITED_PREFIX.some((x) => p === x || p.startsWith(x + "/") || p.startsWith(x + "-"));
}

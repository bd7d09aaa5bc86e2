// Reading a file audit device's log in tests: parsed entries, polled for until a condition holds
// (the device answers before the request does, but a test must never rely on a fixed wait).
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestServer } from "./server.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AuditEntry = any;

/** Every JSON line of the file (a line that is not JSON fails loudly, naming it). */
export function auditEntries(file: string): AuditEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l, i) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`audit line ${i} is not JSON: ${l.slice(0, 80)}`);
      }
    });
}

/** The entries once `ready(entries)` holds; throws, saying what was awaited, after `timeoutMs`. */
export async function waitForAudit(file: string, ready: (entries: AuditEntry[]) => boolean, what: string, timeoutMs = 5000): Promise<AuditEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entries = auditEntries(file);
    if (ready(entries)) return entries;
    if (Date.now() > deadline) throw new Error(`audit log ${file}: timed out waiting for ${what} (${entries.length} entries)`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The first entry of `type` for `path` (as the request entry records it), once it is there. */
export async function auditEntryFor(file: string, type: "request" | "response", path: string): Promise<AuditEntry> {
  const entries = await waitForAudit(file, (es) => es.some((e) => e.type === type && e.request?.path === path), `a ${type} entry for ${path}`);
  return entries.find((e) => e.type === type && e.request?.path === path);
}

/**
 * Enables a file audit device (default: "file", writing audit.log in a directory of its own: the server's
 * data directory is refused to audit devices enabled over the API); returns the file.
 */
export async function enableFileAudit(s: TestServer, file = join(mkdtempSync(join(tmpdir(), "warden-audit-")), "audit.log"), device = "file"): Promise<string> {
  const r = await s.write(`sys/audit/${device}`, { type: "file", options: { file_path: file } });
  if (r.status !== 204) throw new Error(`enabling audit device ${device}: ${r.status} ${r.text}`);
  return file;
}

/** A value as this device's HMAC shows it (sys/audit-hash). */
export async function auditHash(s: TestServer, device: string, input: string): Promise<string> {
  const r = await s.request("POST", `sys/audit-hash/${device}`, { body: { input } });
  if (r.status !== 200) throw new Error(`sys/audit-hash/${device}: ${r.status} ${r.text}`);
  return r.body.data.hash;
}

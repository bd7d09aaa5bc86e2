/**
 * The snapshot file: a magic line, one JSON header line, then the storage adapter's database file.
 * The header names the seal init the data belongs to (a digest of the stored keyring, which only that
 * init's root key opens) and the payload's length and SHA-256, so a truncated, altered or foreign file
 * is refused before anything is replaced. The payload is the database as stored: every value in it is
 * already barrier-encrypted (only the clear columns docs/security.md lists are readable).
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { badRequest } from "../../sdk/errors.js";

export const SNAPSHOT_MAGIC = "WARDEN-SNAPSHOT\n";
const MAX_HEADER = 16 * 1024;

export interface SnapshotHeader {
  version: 1;
  /** The adapter that wrote the payload. */
  storage: "sqlite";
  created_at: string;
  schema_version: number;
  seal_type: string;
  /** keyringId() of the seal record the snapshot holds. */
  keyring_id: string;
  /** Payload bytes and their SHA-256 (hex). */
  size: number;
  sha256: string;
}

/** Names one seal init: a digest of its stored keyring blob (random per init, unchanged by rekey or rotate). */
export function keyringId(storedKeyring: string): string {
  return createHash("sha256").update("warden/snapshot/keyring-id\0").update(storedKeyring).digest("hex").slice(0, 32);
}

export function encodeHeader(h: SnapshotHeader): Buffer {
  return Buffer.from(`${SNAPSHOT_MAGIC}${JSON.stringify(h)}\n`, "utf8");
}

function parseHeader(line: string): SnapshotHeader {
  let h: Partial<SnapshotHeader>;
  try {
    h = JSON.parse(line) as Partial<SnapshotHeader>;
  } catch {
    throw badRequest("invalid snapshot: the header is not JSON");
  }
  if (h.version !== 1) throw badRequest(`invalid snapshot: unsupported format version ${JSON.stringify(h.version)}`);
  if (h.storage !== "sqlite") throw badRequest(`invalid snapshot: storage ${JSON.stringify(h.storage)} cannot be restored here`);
  if (!Number.isSafeInteger(h.size) || h.size! <= 0 || typeof h.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(h.sha256)) throw badRequest("invalid snapshot: the header has no valid size and checksum");
  if (typeof h.keyring_id !== "string" || typeof h.seal_type !== "string") throw badRequest("invalid snapshot: the header names no seal");
  return h as SnapshotHeader;
}

/**
 * Reads a snapshot from `body`: checks the magic as soon as it arrives (garbage is refused without
 * reading on), writes the payload to `payloadFile` (created 0600) while hashing it, and checks its
 * length and checksum against the header. Throws a 400 naming what is wrong.
 */
export async function receiveSnapshot(body: Readable, payloadFile: string): Promise<SnapshotHeader> {
  const out = createWriteStream(payloadFile, { flags: "wx", mode: 0o600 });
  const outDone = new Promise<void>((resolve, reject) => {
    out.on("finish", resolve);
    out.on("error", reject);
  });
  const hash = createHash("sha256");
  let head = Buffer.alloc(0);
  let header: SnapshotHeader | undefined;
  let received = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      let data = chunk;
      if (!header) {
        head = Buffer.concat([head, data]);
        const magic = Buffer.from(SNAPSHOT_MAGIC);
        if (!head.subarray(0, magic.length).equals(magic.subarray(0, Math.min(magic.length, head.length)))) throw badRequest("invalid snapshot: not a warden snapshot file");
        const nl = head.indexOf(0x0a, magic.length);
        if (nl === -1) {
          if (head.length > MAX_HEADER) throw badRequest("invalid snapshot: the header is too long");
          continue;
        }
        header = parseHeader(head.subarray(magic.length, nl).toString("utf8"));
        data = head.subarray(nl + 1);
        head = Buffer.alloc(0);
      }
      received += data.length;
      if (received > header.size) throw badRequest(`invalid snapshot: more data than the header's ${header.size} bytes`);
      hash.update(data);
      if (!out.write(data)) await new Promise<void>((r) => out.once("drain", () => r()));
    }
  } finally {
    out.end();
    await outDone.catch(() => undefined);
  }
  if (!header) throw badRequest(head.length === 0 ? "invalid snapshot: the body is empty" : "invalid snapshot: truncated before the end of its header");
  if (received < header.size) throw badRequest(`invalid snapshot: truncated (${received} of ${header.size} bytes)`);
  if (hash.digest("hex") !== header.sha256) throw badRequest("invalid snapshot: checksum mismatch (the file was altered or damaged)");
  return header;
}

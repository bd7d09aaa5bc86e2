/**
 * sys/storage/snapshot: online save and restore. The adapter takes and swaps its own database files
 * (SnapshotSupport); this wraps them in the snapshot format, checks a snapshot before anything is
 * replaced (format, checksum, a database of this storage, and this server's seal init), and has the
 * seal manager swap it in under a stopped core and boot a new one over the restored data.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { badRequest } from "../../sdk/errors.js";
import { SnapshotInvalid, type SnapshotSupport } from "../../storage/types.js";
import type { SealManager } from "../seal/manager.js";
import { sealedError } from "../seal/manager.js";
import { SEAL_RECORD_KEY } from "../seal/seal-record.js";
import { encodeHeader, receiveSnapshot } from "./format.js";

export const PG_DUMP_ADVICE =
  "online snapshots are taken of the SQLite storage only; this server runs on PostgreSQL: back it up with pg_dump and restore with pg_restore (see the README, \"Backup and restore\")";

async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest("hex") };
}

/** The file and its SQLite sidecars (a WAL-mode snapshot opened for inspection makes them). */
async function removeAll(file: string): Promise<void> {
  await Promise.all(["", "-wal", "-shm", "-journal"].map((s) => rm(file + s, { force: true })));
}

export class Snapshots {
  constructor(private readonly seal: SealManager) {}

  private support(): SnapshotSupport {
    if (this.seal.sealed) throw sealedError();
    const s = this.seal.storage.snapshots;
    if (!s) throw badRequest(PG_DUMP_ADVICE);
    return s;
  }

  /** A consistent snapshot of now, as a stream; its temporary file is unlinked before the first byte is sent. */
  async save(): Promise<{ body: Readable; size: number }> {
    const support = this.support();
    const keyringId = this.seal.keyringId;
    const file = support.tempPath("save");
    try {
      const { schemaVersion } = await support.save(file);
      const { size, sha256 } = await hashFile(file);
      const header = encodeHeader({ version: 1, storage: "sqlite", created_at: new Date().toISOString(), schema_version: schemaVersion, seal_type: this.seal.type, keyring_id: keyringId, size, sha256 });
      // Open, then unlink: the open descriptor keeps the bytes; nothing is left on disk if the client goes away.
      const handle = await open(file, "r");
      await removeAll(file);
      const payload = handle.createReadStream();
      async function* stream(): AsyncGenerator<Buffer> {
        yield header;
        for await (const chunk of payload as AsyncIterable<Buffer>) yield chunk;
      }
      return { body: Readable.from(stream()), size: header.length + size };
    } catch (e) {
      await removeAll(file);
      throw e;
    }
  }

  /**
   * Restores from `body`. Everything is checked on a temporary copy first; a snapshot that fails any
   * check is a 400 and nothing changed. Only then is the live database replaced (one transaction).
   */
  async restore(body: Readable): Promise<void> {
    const support = this.support();
    const file = support.tempPath("restore");
    try {
      const header = await receiveSnapshot(body, file);
      let system: Record<string, string | undefined>;
      try {
        ({ system } = await support.inspect(file, [SEAL_RECORD_KEY]));
      } catch (e) {
        if (e instanceof SnapshotInvalid) throw badRequest(`invalid snapshot: ${e.message}`);
        throw e;
      }
      const record = system[SEAL_RECORD_KEY];
      if (record === undefined) throw badRequest("invalid snapshot: it holds no seal record (not an initialised warden database)");
      if (header.keyring_id !== this.seal.keyringId || !this.seal.belongsHere(record)) {
        throw badRequest("snapshot refused: it belongs to another warden init (its keyring is not this server's, so this server's keys cannot open it); nothing was changed");
      }
      await this.seal.replaceStorage(() =>
        // The live seal record stays: the same init's root key, wrapped as now, so the unseal or
        // recovery shares (and the auto seal's current key) that work now keep working after it.
        support.restore(file, [SEAL_RECORD_KEY]).catch((e: unknown) => {
          throw e instanceof SnapshotInvalid ? badRequest(`invalid snapshot: ${e.message}`) : e;
        }),
      );
    } finally {
      await removeAll(file);
    }
  }
}

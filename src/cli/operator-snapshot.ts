// `warden operator snapshot save|restore`: sys/storage/snapshot, streamed to and from a file.
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UsageError } from "./args.js";
import { clientFor, CONNECTION_FLAGS, expectArgs, type Command } from "./command.js";

export const operatorSnapshotSaveCommand: Command = {
  name: "operator snapshot save",
  usage: "[options] FILE",
  summary: "Save an online snapshot of the storage",
  help: `Saves a consistent snapshot of the running server's storage to FILE (GET sys/storage/snapshot;
sudo). The server keeps serving while it is taken. The file is the database as stored: every value in
it is barrier-encrypted, and it restores only into a server of the same init (the same unseal or
recovery keys' keyring). SQLite storage only; on PostgreSQL use pg_dump.`,
  flags: { ...CONNECTION_FLAGS },
  async run(args, ctx) {
    const [file] = expectArgs(args, 1, 1, "one file name");
    ctx.doing = "saving the snapshot";
    const res = await clientFor(args, ctx).stream("GET", "sys/storage/snapshot");
    // Written beside FILE and renamed at the end: an interrupted save never leaves a FILE that looks whole.
    const partial = `${file}.partial`;
    try {
      await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>), createWriteStream(partial, { mode: 0o600 }));
      await rename(partial, file!);
    } catch (e) {
      await rm(partial, { force: true });
      throw e;
    }
    ctx.io.out(`Success! Snapshot saved to ${file} (${(await stat(file!)).size} bytes).\n`);
    return 0;
  },
};

export const operatorSnapshotRestoreCommand: Command = {
  name: "operator snapshot restore",
  usage: "[options] FILE",
  summary: "Restore the storage from a snapshot",
  help: `Replaces ALL of the running server's data with the snapshot in FILE (POST sys/storage/snapshot;
sudo). The server checks the file first (format, checksum, and that it belongs to this server's seal
init); a file that fails any check changes nothing. Tokens, roles and policies are then exactly as
they were when the snapshot was saved. Asks for confirmation on a terminal; -force skips the question
(needed when stdin is not a terminal). -force never skips the server's checks: a snapshot of another
init cannot be opened by this server's keys and is always refused.`,
  flags: { ...CONNECTION_FLAGS, force: { kind: "bool", usage: "Do not ask for confirmation." } },
  async run(args, ctx) {
    const [file] = expectArgs(args, 1, 1, "one file name");
    try {
      await stat(file!);
    } catch {
      throw new UsageError(`cannot read ${file}`);
    }
    if (args.bools.force !== true) {
      if (!process.stdin.isTTY) throw new UsageError("restoring replaces all data; stdin is not a terminal to confirm it: pass -force");
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`This replaces all of the server's data with ${file}. Type "yes" to continue: `);
      rl.close();
      if (answer.trim() !== "yes") {
        ctx.io.err("Restore canceled.\n");
        return 1;
      }
    }
    ctx.doing = "restoring the snapshot";
    const body = Readable.toWeb(createReadStream(file!)) as unknown as ReadableStream<Uint8Array>;
    await clientFor(args, ctx).stream("POST", "sys/storage/snapshot", body);
    ctx.io.out("Success! Snapshot restored.\n");
    return 0;
  },
};

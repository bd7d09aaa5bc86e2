/**
 * The file sink: the token, alone, written atomically (a temporary file beside the target, then a
 * rename), so a reader never sees a half-written or empty token. The temporary file is created with
 * the configured mode (and chmod'ed, as the umask may have cut bits); an existing sink keeps its
 * owner and group, when the agent may give them (as root).
 */
import { randomBytes } from "node:crypto";
import { chmod, chown, open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { FileSinkConfig } from "../config.js";

export async function writeFileSink(sink: FileSinkConfig, token: string): Promise<void> {
  const dir = dirname(sink.path);
  const tmp = join(dir, `.${basename(sink.path)}.tmp-${randomBytes(6).toString("hex")}`);
  const previous = await stat(sink.path).catch(() => undefined);
  const fh = await open(tmp, "wx", sink.mode);
  try {
    await fh.writeFile(token, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await chmod(tmp, sink.mode);
    if (previous && (previous.uid !== process.getuid?.() || previous.gid !== process.getgid?.())) {
      await chown(tmp, previous.uid, previous.gid).catch(() => undefined);
    }
    await rename(tmp, sink.path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

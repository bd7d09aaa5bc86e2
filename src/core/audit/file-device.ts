/**
 * The `file` audit device's output side: ordered JSON lines to a file, stdout, or nowhere.
 *
 * Writes are queued and flushed in batches through one open descriptor (O_APPEND), so lines stay in
 * order and many concurrent requests cost one write call. Before each batch the path is stat'ed and
 * compared with the open descriptor: if the file was removed, renamed (log rotation) or replaced, it is
 * reopened at the path, and if that fails (directory deleted, a directory in its place) the batch is
 * rejected. Keeping on writing into an unlinked inode would "succeed" while nothing reaches the log,
 * which is exactly what fail-closed auditing must not do.
 */
import { constants as fsc } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { badRequest, type WardenError } from "../../sdk/errors.js";
import type { FileDeviceConfig } from "./options.js";

/** One output of an audit device. */
export interface AuditSink {
  /** Appends one serialised entry (without prefix or newline); resolves once it is written. */
  write(line: string): Promise<void>;
  /** Flushes what is queued, then releases the file. Later writes reject. */
  close(): Promise<void>;
}

interface Pending {
  text: string;
  resolve(): void;
  reject(e: unknown): void;
}

/** Lines per write call; bounds the memory of one batch under a burst. */
const MAX_BATCH = 1024;

/** The fs error code of `e` ("ENOENT"), or "". */
export const errCode = (e: unknown): string => (e && typeof e === "object" && "code" in e ? String((e as { code: unknown }).code) : "");

/**
 * True when the file's last byte is not a newline. The write descriptor is write-only, so the byte is
 * read through a separate read-only open; if that is not allowed, assume the file is well formed.
 */
async function endsMidLine(path: string, size: number): Promise<boolean> {
  let reader: FileHandle | undefined;
  try {
    reader = await open(path, fsc.O_RDONLY | fsc.O_NONBLOCK);
    const last = Buffer.alloc(1);
    const { bytesRead } = await reader.read(last, 0, 1, size - 1);
    return bytesRead === 1 && last[0] !== 0x0a;
  } catch {
    return false;
  } finally {
    await reader?.close().catch(() => undefined);
  }
}

class FileSink implements AuditSink {
  private handle: FileHandle | null = null;
  private ino = 0;
  private dev = 0;
  /** The file ended mid-line (a crash or a failed write): start the next write on a fresh line. */
  private needsNewline = false;
  private queue: Pending[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly mode: number,
    private readonly prefix: string,
  ) {}

  /** Opens (or reopens) the file at the path. Throws the fs error, or ENOTREG for non-regular files. */
  async reopen(): Promise<void> {
    await this.dropHandle();
    // O_NONBLOCK: opening a FIFO with no reader fails (ENXIO) instead of blocking a pool thread forever.
    const flags = fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT | fsc.O_NONBLOCK;
    const handle = await open(this.path, flags, this.mode || 0o600);
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw Object.assign(new Error(`${this.path} is not a regular file`), { code: "ENOTREG" });
      // Creation mode is filtered by the umask and an existing file keeps its old mode: set it explicitly.
      if (this.mode !== 0 && (st.mode & 0o7777) !== this.mode) await handle.chmod(this.mode);
      this.needsNewline = false;
      if (st.size > 0) this.needsNewline = await endsMidLine(this.path, st.size);
      this.ino = st.ino;
      this.dev = st.dev;
      this.handle = handle;
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw e;
    }
  }

  write(line: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error("audit device is closed"));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ text: this.prefix + line + "\n", resolve, reject });
      this.draining ??= this.drain().finally(() => {
        this.draining = null;
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
    await this.dropHandle();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.ensureCurrent();
        const lead = this.needsNewline ? "\n" : "";
        await this.handle!.appendFile(lead + batch.map((p) => p.text).join(""));
        this.needsNewline = false;
        for (const p of batch) p.resolve();
      } catch (e) {
        // A failed write may have left half a line; the next successful open re-checks the tail.
        await this.dropHandle();
        for (const p of batch) p.reject(e);
      }
    }
  }

  /** Makes sure the descriptor still is the file at the path (see the module comment). */
  private async ensureCurrent(): Promise<void> {
    if (this.handle === null) return this.reopen();
    let st;
    try {
      st = await stat(this.path);
    } catch (e) {
      if (errCode(e) !== "ENOENT") throw e;
      return this.reopen();
    }
    if (st.ino !== this.ino || st.dev !== this.dev) await this.reopen();
  }

  private async dropHandle(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await h.close().catch(() => undefined);
  }
}

const stdoutSink = (prefix: string): AuditSink => ({
  write: (line) =>
    new Promise<void>((resolve, reject) => {
      process.stdout.write(prefix + line + "\n", (err) => (err ? reject(err) : resolve()));
    }),
  close: async () => undefined,
});

const discardSink: AuditSink = { write: async () => undefined, close: async () => undefined };

/** The 400 an operator sees when enabling a device whose file cannot be opened. */
export function openErrorToBadRequest(path: string, e: unknown): WardenError {
  switch (errCode(e)) {
    case "ENOENT":
    case "ENOTDIR":
      return badRequest(`cannot open audit file: directory ${dirname(path)} does not exist`);
    case "EISDIR":
      return badRequest(`cannot open audit file: ${path} is a directory`);
    case "ENOTREG":
    case "ENXIO":
      return badRequest(`cannot open audit file: ${path} is not a regular file`);
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return badRequest(`cannot open audit file: permission denied for ${path}`);
    default:
      return badRequest(`cannot open audit file ${path}${errCode(e) ? ` (${errCode(e)})` : ""}`);
  }
}

/**
 * Opens the sink for a device. `strict` (enabling through the API): any open failure is a 400.
 * Not strict (loading the persisted table at startup): a file that cannot be opened now is retried on
 * every write, and each of those writes fails — the device keeps failing closed instead of vanishing.
 * `onOpenError` hears about the startup failure.
 */
export async function openFileDevice(
  config: FileDeviceConfig,
  strict: boolean,
  onOpenError?: (e: unknown) => void,
): Promise<AuditSink> {
  if (config.filePath === "discard") return discardSink;
  if (config.filePath === "stdout") return stdoutSink(config.prefix);
  const sink = new FileSink(config.filePath, config.mode, config.prefix);
  try {
    await sink.reopen();
  } catch (e) {
    if (strict) throw openErrorToBadRequest(config.filePath, e);
    onOpenError?.(e);
  }
  return sink;
}

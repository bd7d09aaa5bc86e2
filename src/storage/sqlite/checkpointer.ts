/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that pushes
 * the WAL past its threshold: it copies ~1000 pages into the main file and fsyncs the WAL and the main
 * file, on the event loop, stalling every request for 10-40 ms several times a second under a login
 * load (seen with strace). Instead a worker thread with its own connection runs a PASSIVE checkpoint
 * every CHECKPOINT_EVERY_MS (it never blocks the writer or readers; it copies what no reader still
 * needs), with synchronous=FULL so the main file is synced after each copy. The main connection keeps
 * an automatic checkpoint at a much higher threshold as a safety net should the worker fall behind.
 */
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";

export const CHECKPOINT_EVERY_MS = 200;
/** The main connection's own automatic checkpoint, in pages: only if the worker falls far behind. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 20_000;

// The worker's whole program: better-sqlite3 in a worker thread, one connection, one statement.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = FULL");
const step = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
let stopped = false;
const timer = setInterval(() => {
  if (stopped) return;
  try {
    step.run();
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.everyMs);
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  stopped = true;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * A checkpoint that folds the whole WAL into the main file and truncates it, retried while the worker's
 * own checkpoint (or a reader) keeps it busy: SQLite then returns busy=1 rather than wait, and a
 * half-done TRUNCATE would leave pages in the WAL (the barrier's upgrade needs every clear page gone).
 * Blocks the event loop (one-off: the upgrade, closing); gives up after `attempts` tries 10 ms apart
 * (~5 s by default). Each try returns at once: the connection's busy timeout would otherwise make every
 * try wait its full length while another process holds a read (a second server on the same file), and
 * the retries add up to many minutes.
 */
export function checkpointTruncate(conn: Database.Database, attempts = 500): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const busyTimeout = conn.pragma("busy_timeout", { simple: true }) as number;
  conn.pragma("busy_timeout = 0");
  try {
    for (let i = 1; ; i++) {
      const [r] = conn.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>;
      if (!r || r.busy === 0) return;
      if (i >= attempts) throw new Error("sqlite: the WAL could not be checkpointed and truncated (busy)");
      Atomics.wait(pause, 0, 0, 10);
    }
  } finally {
    conn.pragma(`busy_timeout = ${busyTimeout}`);
  }
}

export interface Checkpointer {
  /** Stops the worker after the checkpoint it may be running, and closes its connection. */
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, driver: string, onError: (message: string) => void): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, everyMs: CHECKPOINT_EVERY_MS } });
  // The server's lifetime is not the worker's to decide.
  worker.unref();
  worker.on("message", (m: { error?: string }) => m.error && onError(m.error));
  worker.on("error", (err) => onError(String(err)));
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    async stop() {
      // Held until it has exited: a closing process must not end while the worker still holds the file.
      worker.ref();
      worker.postMessage("stop");
      await exited;
    },
  };
}

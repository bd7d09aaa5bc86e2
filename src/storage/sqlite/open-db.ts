/**
 * Opens the database file with the durability and permission settings the security model needs.
 * Token hashes and revocation state live here: the directory is 0700 and every file 0600, and a
 * revocation or use-count decrement must survive power loss: WAL, with synchronous=NORMAL (a COMMIT
 * writes the WAL without syncing it) because the write batch fdatasyncs the WAL itself, off the event
 * loop, before any write is acknowledged (write-batch.ts): the durability of synchronous=FULL without
 * blocking every request behind each fsync. Asserted rather than assumed.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";

export const MEMORY = ":memory:";

/**
 * The WAL file the write batch syncs, as SQLite names it (its main file's full path, symbolic links
 * resolved, + "-wal"); undefined for an in-memory database.
 */
export function walPathOf(db: Database.Database): string | undefined {
  const main = (db.pragma("database_list") as Array<{ name: string; file: string }>).find((d) => d.name === "main");
  return main?.file ? `${main.file}-wal` : undefined;
}

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

export function openDatabase(path: string): Database.Database {
  const memory = path === MEMORY;
  if (!memory) prepareFiles(path);
  const db = new Database(memory ? MEMORY : path);
  try {
    applyPragmas(db, memory);
    if (!memory) tightenSidecars(path);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function prepareFiles(path: string): void {
  const file = resolve(path);
  const dir = dirname(file);
  // Only a directory we create gets 0700; an existing one (e.g. /var/lib/warden) is the operator's.
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Create the file ourselves with 0600 so there is no window where SQLite made it with the umask;
  // SQLite then gives -wal/-shm the same mode as the main file.
  closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600);
}

function tightenSidecars(path: string): void {
  for (const suffix of ["-wal", "-shm"]) {
    const f = resolve(path) + suffix;
    if (existsSync(f)) chmodSync(f, 0o600);
  }
}

function applyPragmas(db: Database.Database, memory: boolean): void {
  // First, so switching the journal mode waits for a concurrent opener instead of failing.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const mode = db.pragma("journal_mode = WAL", { simple: true });
  // An in-memory database cannot use WAL; only unit tests open one.
  if (!memory && String(mode).toLowerCase() !== "wal") throw new Error(`sqlite: journal_mode is ${String(mode)}, want wal`);
  // In-memory (unit tests only): nothing to sync, FULL as before.
  db.pragma(memory ? "synchronous = FULL" : "synchronous = NORMAL");
  const sync = db.pragma("synchronous", { simple: true });
  const want = memory ? 2 : 1;
  if (sync !== want) throw new Error(`sqlite: synchronous is ${String(sync)}, want ${want}`);
  db.pragma("foreign_keys = ON");
}

export interface PragmaReport {
  journalMode: string;
  synchronous: number;
  busyTimeout: number;
  foreignKeys: number;
}

/** What the connection actually runs with (for tests and sys/health diagnostics). */
export function readPragmas(db: Database.Database): PragmaReport {
  return {
    journalMode: String(db.pragma("journal_mode", { simple: true })),
    synchronous: Number(db.pragma("synchronous", { simple: true })),
    busyTimeout: Number(db.pragma("busy_timeout", { simple: true })),
    foreignKeys: Number(db.pragma("foreign_keys", { simple: true })),
  };
}

/**
 * Opens the database file with the durability and permission settings the security model needs.
 * Token hashes and revocation state live here: the directory is 0700 and every file 0600, and a
 * revocation or use-count decrement must survive power loss, hence WAL + synchronous=FULL, asserted
 * rather than assumed (better-sqlite3 builds default WAL databases to NORMAL).
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";

export const MEMORY = ":memory:";

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
  db.pragma("synchronous = FULL");
  const sync = db.pragma("synchronous", { simple: true });
  if (sync !== 2) throw new Error(`sqlite: synchronous is ${String(sync)}, want 2 (FULL)`);
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

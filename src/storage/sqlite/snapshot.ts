/**
 * Online snapshots of the SQLite file. Save: SQLite's backup API from a second, read-only connection
 * that holds one read transaction for the whole copy, so the copy is one consistent point in time
 * while the live connection keeps committing (WAL readers never block writers), copied in steps so
 * the event loop is never held for the whole file. Restore: the snapshot is ATTACHed to the live
 * connection and every table's rows are replaced in ONE transaction: readers see the old database
 * or the new one, never a mix, and a failure rolls all of it back. Never a file copy: a copy of a
 * live WAL database can be torn.
 */
import { chmodSync, closeSync, openSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import type { Logger } from "../../sdk/plugin.js";
import { sqliteMigrations } from "../migrations/sqlite/index.js";
import { SnapshotInvalid, type SnapshotSupport } from "../types.js";
import { migrate } from "./migrate.js";
import type { WriteBatch } from "./write-batch.js";

export interface SnapshotTuning {
  /**
   * Pages per backup step (default 1000, a few MB: one step holds the event loop for milliseconds). A
   * function is asked before each step; 0 copies nothing in that step (tests hold the copy until a
   * write has committed between two steps, so the interleaving does not depend on the machine's speed).
   */
  pagesPerStep?: number | (() => number);
  /** Rows per INSERT of a restore, for tables with a rowid (default 5000), so progress is told as it goes. */
  rowsPerChunk?: number;
  /** Least time between two progress lines (default 2 s). */
  progressEveryMs?: number;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Logs progress at most every `everyMs` with what is left at the rate so far. */
function progressLog(log: Pick<Logger, "info"> | undefined, what: string, unit: string, everyMs: number) {
  const started = performance.now();
  let last = started;
  return (done: number, total: number, force = false): void => {
    const now = performance.now();
    if (!force && now - last < everyMs) return;
    last = now;
    const elapsed = now - started;
    const left = done > 0 ? Math.round((elapsed * (total - done)) / done) : null;
    log?.info(`${what}: progress`, { [`${unit}_done`]: done, [`${unit}_total`]: total, percent: total > 0 ? Math.round((100 * done) / total) : 100, elapsed_ms: Math.round(elapsed), estimated_ms_left: left });
  };
}

export function sqliteSnapshots(path: string, conn: Database.Database, batch: WriteBatch, log?: Pick<Logger, "info" | "warn">, tuning: SnapshotTuning = {}): SnapshotSupport {
  const file = resolve(path);
  const pagesPerStep = tuning.pagesPerStep ?? 1000;
  const rowsPerChunk = tuning.rowsPerChunk ?? 5000;
  const everyMs = tuning.progressEveryMs ?? 2000;
  return {
    tempPath(purpose) {
      return join(dirname(file), `.${basename(file)}.${purpose}-${randomUUID()}`);
    },

    async save(dest) {
      if (path === ":memory:") throw new SnapshotInvalid("an in-memory database has no snapshot");
      // Created 0600 before SQLite writes into it: the copy holds what the database holds.
      closeSync(openSync(dest, "wx", 0o600));
      const src = new Database(file, { readonly: true, fileMustExist: true });
      try {
        src.pragma("busy_timeout = 5000");
        // One read transaction for the whole copy: every step reads the same snapshot of the file.
        src.prepare("BEGIN").run();
        const schemaVersion = (src.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations").pluck().get() as number) ?? 0;
        const tell = progressLog(log, "snapshot save", "pages", everyMs);
        log?.info("snapshot save: started", { schema_version: schemaVersion });
        const res = await src.backup(dest, {
          progress: ({ totalPages, remainingPages }) => {
            tell(totalPages - remainingPages, totalPages);
            return typeof pagesPerStep === "function" ? pagesPerStep() : pagesPerStep;
          },
        });
        src.prepare("COMMIT").run();
        chmodSync(dest, 0o600);
        log?.info("snapshot save: done", { pages: res.totalPages });
        return { schemaVersion };
      } finally {
        src.close();
      }
    },

    async inspect(snapshot, systemKeys) {
      let db: Database.Database;
      try {
        db = new Database(snapshot, { fileMustExist: true });
      } catch {
        throw new SnapshotInvalid("the snapshot is not an SQLite database");
      }
      try {
        let ok: unknown;
        try {
          ok = db.pragma("quick_check", { simple: true });
        } catch {
          throw new SnapshotInvalid("the snapshot is not an SQLite database");
        }
        if (ok !== "ok") throw new SnapshotInvalid("the snapshot database fails SQLite's integrity check");
        const hasSchema = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('schema_migrations', 'system')").pluck().get() === 2;
        if (!hasSchema) throw new SnapshotInvalid("the snapshot is not a warden database");
        let schemaVersion: number;
        try {
          // An older schema is brought up to this build's (the same migrations an upgrade runs at open).
          schemaVersion = migrate(db, sqliteMigrations).to;
        } catch (e) {
          throw new SnapshotInvalid(`the snapshot's schema cannot be used by this build: ${e instanceof Error ? e.message : String(e)}`);
        }
        const get = db.prepare("SELECT value FROM system WHERE key = ?").pluck();
        const system: Record<string, string | undefined> = {};
        for (const k of systemKeys) system[k] = (get.get(k) as string | undefined) ?? undefined;
        return { schemaVersion, system };
      } finally {
        db.close();
      }
    },

    async restore(snapshot, keepSystemKeys = []) {
      return batch.outside(() => {
        conn.prepare("ATTACH DATABASE ? AS snap").run(snapshot);
        try {
          const tables = (conn.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);
          const theirs = new Set(conn.prepare("SELECT name FROM snap.sqlite_master WHERE type = 'table'").pluck().all() as string[]);
          for (const t of tables) if (!theirs.has(t)) throw new SnapshotInvalid(`the snapshot has no table ${t}`);
          const counts = tables.map((t) => conn.prepare(`SELECT count(*) FROM snap.${quote(t)}`).pluck().get() as number);
          const total = counts.reduce((a, b) => a + b, 0);
          const tell = progressLog(log, "snapshot restore", "rows", everyMs);
          log?.info("snapshot restore: started", { tables: tables.length, rows_total: total });
          let done = 0;
          conn.prepare("BEGIN IMMEDIATE").run();
          try {
            const getLive = conn.prepare("SELECT value FROM main.system WHERE key = ?").pluck();
            const kept = keepSystemKeys.map((key) => ({ key, value: getLive.get(key) as string | undefined }));
            // Every table emptied first, then filled: no order between tables can matter.
            for (const t of tables) conn.prepare(`DELETE FROM main.${quote(t)}`).run();
            for (const t of tables) {
              const cols = (conn.prepare(`SELECT name FROM pragma_table_info(?, 'main')`).pluck().all(t) as string[]).map(quote).join(", ");
              const hasRowid = (() => {
                try {
                  conn.prepare(`SELECT rowid FROM snap.${quote(t)} LIMIT 1`).get();
                  return true;
                } catch {
                  return false;
                }
              })();
              if (!hasRowid) {
                done += conn.prepare(`INSERT INTO main.${quote(t)} (${cols}) SELECT ${cols} FROM snap.${quote(t)}`).run().changes;
                tell(done, total);
                continue;
              }
              const chunk = conn.prepare(`INSERT INTO main.${quote(t)} (${cols}) SELECT ${cols} FROM snap.${quote(t)} WHERE rowid > ? ORDER BY rowid LIMIT ${rowsPerChunk}`);
              const lastRowid = conn.prepare(`SELECT max(rowid) FROM (SELECT rowid FROM snap.${quote(t)} WHERE rowid > ? ORDER BY rowid LIMIT ${rowsPerChunk})`).pluck();
              for (let after = Number.MIN_SAFE_INTEGER; ; ) {
                const upTo = lastRowid.get(after) as number | null;
                if (upTo === null) break;
                done += chunk.run(after).changes;
                after = upTo;
                tell(done, total);
              }
            }
            const upsert = conn.prepare("INSERT INTO main.system (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
            const drop = conn.prepare("DELETE FROM main.system WHERE key = ?");
            for (const k of kept) {
              if (k.value === undefined) drop.run(k.key);
              else upsert.run(k.key, k.value);
            }
            conn.prepare("COMMIT").run();
          } catch (e) {
            if (conn.inTransaction) conn.prepare("ROLLBACK").run();
            throw e;
          }
          tell(done, total, true);
          log?.info("snapshot restore: done", { rows: done });
          return { rows: done };
        } finally {
          conn.prepare("DETACH DATABASE snap").run();
          try {
            // The replaced rows are not left in the WAL longer than needed.
            conn.pragma("wal_checkpoint(TRUNCATE)");
          } catch (e) {
            log?.warn("sqlite checkpoint after a snapshot restore failed", { error: String(e) });
          }
        }
      });
    },
  };
}

/**
 * The SQLite adapter: one better-sqlite3 connection, every query prepared here at open, every write
 * group-committed. Opening does pragmas, permissions and pending migrations only: nothing scans the
 * token table, so start-up time does not grow with the number of tokens.
 */
import { createRequire } from "node:module";
import type Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import type { Logger } from "../../sdk/plugin.js";
import { sqliteMigrations } from "../migrations/sqlite/index.js";
import { localChangeFeed, soleLeader } from "../local-cluster.js";
import { announceWrites } from "../notifying.js";
import type { Storage } from "../types.js";
import { SqliteIdentityStore } from "./identity-store.js";
import { SqliteKvStore } from "./kv-store.js";
import { migrate } from "./migrate.js";
import { SqliteMountStore } from "./mount-store.js";
import { openDatabase, walPathOf } from "./open-db.js";
import { type Checkpointer, FALLBACK_AUTOCHECKPOINT_PAGES, checkpointTruncate, startCheckpointer } from "./checkpointer.js";
import { SqlitePolicyStore } from "./policy-store.js";
import { type SnapshotTuning, sqliteSnapshots } from "./snapshot.js";
import { sqliteRewriteAll } from "./rewrite.js";
import { SqliteSystemStore } from "./system-store.js";
import { SqliteTokenStore } from "./token-store.js";
import { WriteBatch, walHasFrames } from "./write-batch.js";

const requireHere = createRequire(import.meta.url);


export interface SqliteStorageOptions {
  /** Database file; ":memory:" only for unit tests (no WAL, nothing durable). */
  path: string;
  log?: Pick<Logger, "info" | "warn">;
  /** Step sizes of online snapshots (tests make them small to see steps and progress). */
  snapshotTuning?: SnapshotTuning;
}

export interface SqliteStorage extends Storage {
  readonly kind: "sqlite";
  /** The raw connection, for diagnostics and tests; production code goes through the stores. */
  readonly connection: Database.Database;
  /** Group-commit counters (tests, metrics). */
  readonly batch: WriteBatch;
  /** The checkpointer's worker has been started (tests): at open if the WAL held pages, else at the first commit. */
  readonly checkpointing: boolean;
}

export async function openSqliteStorage(opts: SqliteStorageOptions): Promise<SqliteStorage> {
  const conn = openDatabase(opts.path);
  try {
    const { from, to } = migrate(conn, sqliteMigrations);
    if (from !== to) opts.log?.info("sqlite schema migrated", { path: opts.path, from, to });
    const db = drizzle({ client: conn });
    const wal = walPathOf(conn);
    const batch = new WriteBatch(conn, wal);
    let closed = false;
    // A file database checkpoints in a worker thread (checkpointer.ts); the connection's own automatic
    // checkpoint only if that one falls far behind. The worker starts once the WAL has pages to fold
    // back: at once when it holds some (a crash left them, or migrations wrote), else at the first
    // commit. Starting a worker costs ~35 ms of CPU (Node's bootstrap in the thread, better-sqlite3,
    // its connection), which a server on a store stopped cleanly (its WAL truncated at close: nothing to
    // checkpoint) no longer pays before its first answer. On the first commit only `new Worker` (~3 ms)
    // runs on the event loop, while that commit's WAL sync is in flight on the thread pool.
    let checkpointer: Checkpointer | undefined;
    if (wal !== undefined) {
      conn.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
      const startCheckpointing = (): void => {
        if (closed) return;
        checkpointer = startCheckpointer(wal.slice(0, -"-wal".length), requireHere.resolve("better-sqlite3"), (error) =>
          opts.log?.warn("sqlite background checkpoint failed", { error }),
        );
      };
      if (walHasFrames(wal)) startCheckpointing();
      else batch.onFirstCommit(startCheckpointing);
    }
    const ping = conn.prepare("SELECT 1").pluck();
    const changes = localChangeFeed(opts.path);
    const stores = announceWrites(
      {
        identity: new SqliteIdentityStore(db, batch),
        mounts: new SqliteMountStore(db, batch),
        policies: new SqlitePolicyStore(db, batch),
        kv: new SqliteKvStore(db, batch, conn),
        system: new SqliteSystemStore(db, batch),
      },
      changes,
    );
    const tokens = new SqliteTokenStore(db, batch, conn);
    const snapshots = sqliteSnapshots(opts.path, conn, batch, opts.log, opts.snapshotTuning);
    return {
      kind: "sqlite",
      connection: conn,
      batch,
      get checkpointing() {
        return checkpointer !== undefined;
      },
      tokens,
      ...stores,
      changes,
      ha: soleLeader(),
      async ping() {
        if (closed) return false;
        try {
          return ping.get() === 1;
        } catch {
          return false;
        }
      },
      // Both change rows in ways peek's row version is not made to see (any column, or rows replaced).
      rewriteAll: (r) => sqliteRewriteAll(db, batch, conn, r).finally(() => tokens.forgetPeeked()),
      snapshots: { ...snapshots, restore: (file, keep) => snapshots.restore(file, keep).finally(() => tokens.forgetPeeked()) },
      async close() {
        if (closed) return;
        closed = true;
        changes.close();
        batch.close();
        await checkpointer?.stop();
        try {
          // Fold the WAL back into the main file so a stopped server leaves one file behind. Another
          // server still reading the same file keeps it busy: then the WAL stays (~0.5 s of tries).
          checkpointTruncate(conn, 50);
        } catch (err) {
          opts.log?.warn("sqlite checkpoint at close failed", { error: String(err) });
        }
        conn.close();
      },
    };
  } catch (err) {
    conn.close();
    throw err;
  }
}

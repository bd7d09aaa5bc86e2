/**
 * Group commit. better-sqlite3 is synchronous, so one commit per write would cap throughput at the
 * disk's fsync rate. Instead, the first write of an event-loop tick opens a transaction, every write of
 * that tick runs immediately inside it (its result, e.g. RETURNING, is known at once and later reads on
 * this connection see it), and one COMMIT commits them all together: at the end of the first
 * event-loop turn that brought no new write, or maxCommitDelayMs after the batch's first write.
 *
 * Durability without blocking the event loop: the connection runs WAL with synchronous=NORMAL, so the
 * COMMIT only write()s its frames to the WAL; the batch then fdatasync()s the WAL file on libuv's
 * thread pool (what synchronous=FULL does inside COMMIT, on the event loop) and a write's promise
 * settles only after that sync: callers never acknowledge something that is not on disk. One sync is
 * in flight at a time; the commits made meanwhile share the next one. A failed sync rejects the
 * writes it covered (they may or may not survive a power loss: never reported as done).
 */
import { close, fdatasync, open, statSync } from "node:fs";
import type Database from "better-sqlite3";

/** Whether a -wal file holds any frame (it is empty, or absent, after a clean close truncated it). */
export const walHasFrames = (walPath: string): boolean => (statSync(walPath, { throwIfNoEntry: false })?.size ?? 0) > 0;

const READ_REFRESH_MS = 250;
/**
 * The longest a batch opened by deferred writes alone (writeDeferred) waits for a write that wants its
 * commit: past this, it commits on its own.
 */
const DEFERRED_COMMIT_MS = 250;

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class WriteBatch {
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #rollback: Database.Statement;
  readonly #savepoint: Database.Statement;
  readonly #release: Database.Statement;
  readonly #rollbackTo: Database.Statement;
  readonly #beginRead: Database.Statement;
  #waiters: Waiter[] = [];
  /** A read transaction is open (no write batch is). */
  #reading = false;
  #readSince = 0;
  #open = false;
  /** The open batch has its commit scheduled (setImmediate or the minimum interval), not only the deferred deadline. */
  #due = false;
  /** Batches opened so far: a deferred deadline commits only the batch it was set for. */
  #opened = 0;
  #closed = false;
  /** Commits so far; tests use it to check that writes in one tick share a transaction. */
  commits = 0;
  /**
   * Moves whenever what this connection reads may have changed: a new snapshot (a read transaction or a
   * write batch begins: other connections' commits show from then), a write run here, a rollback. Two
   * reads made under the same generation see the same database, so a reader may keep what it read
   * under it (TokenStore.peek) and answer from that instead of reading again.
   */
  #generation = 0;
  /** When the open batch got its first write that wants a commit. */
  #dueSince = 0;
  /** Writes that wanted a commit, counted since the connection opened. */
  #dueWrites = 0;
  /** #dueWrites when the commit check was last scheduled. */
  #dueWritesChecked = 0;
  /**
   * A batch whose writes keep arriving is committed at the latest this many milliseconds after its
   * first write that wants a commit (see #commitWhenQuiet).
   */
  maxCommitDelayMs = 5;

  /** Committed, waiting for the WAL sync that makes them durable. */
  #unsynced: Waiter[] = [];
  #syncing = false;
  /** A commit came due while a sync was in flight: done when it ends. */
  #flushAfterSync = false;
  /** WAL syncs completed (tests: a write is answered only after one). */
  syncs = 0;
  /**
   * The -wal file, opened at the first sync and kept for the connection's life (an open and a close
   * per sync were two more thread-pool round trips per commit). The file is the same inode for as long
   * as this connection is open: SQLite resets and truncates it in place after a checkpoint, and deletes
   * it only when the last connection closes.
   */
  #walFd: number | undefined;
  /** Run once, right after the first COMMIT that wrote to the WAL (onFirstCommit). */
  #firstCommit: (() => void) | undefined;

  /**
   * `walPath`: the connection's -wal file, synced after each COMMIT (the connection must run
   * synchronous=NORMAL); undefined for an in-memory database, where a COMMIT is all there is.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly walPath?: string,
  ) {
    // IMMEDIATE takes the write lock up front: a deferred transaction that later upgrades can fail
    // with SQLITE_BUSY without waiting, after other writes of the batch already ran.
    this.#begin = db.prepare("BEGIN IMMEDIATE");
    this.#commit = db.prepare("COMMIT");
    this.#rollback = db.prepare("ROLLBACK");
    this.#savepoint = db.prepare("SAVEPOINT batch_write");
    this.#release = db.prepare("RELEASE batch_write");
    this.#rollbackTo = db.prepare("ROLLBACK TO batch_write");
    this.#beginRead = db.prepare("BEGIN");
  }

  /**
   * `run` is called once, right after the first COMMIT that writes to the WAL (a frame in the file:
   * a commit's frames are written by the COMMIT, before its sync), while that commit's sync is in
   * flight (the checkpointer starts then: index.ts).
   */
  onFirstCommit(run: () => void): void {
    this.#firstCommit = run;
  }

  /**
   * Runs a read inside a read transaction that stays open between write batches. In WAL mode every
   * autocommit statement opens and closes its own read transaction (shared-memory locking), which
   * costs more than the primary-key read itself; one long-lived snapshot makes a read ~2 µs instead of
   * ~3.5. Every write batch ends the snapshot first, so reads after a commit see it; a snapshot older
   * than READ_REFRESH_MS is renewed so nothing written by another connection stays unseen for long,
   * and checkpoints are never held back for longer than that.
   */
  read<T>(run: () => T): T {
    if (!this.#open && !this.#closed) {
      const now = performance.now();
      if (this.#reading && now - this.#readSince > READ_REFRESH_MS) this.#endRead();
      if (!this.#reading) {
        this.#beginRead.run();
        this.#generation++;
        this.#reading = true;
        this.#readSince = now;
        // An idle server must not keep a snapshot (and hold back checkpoints) indefinitely.
        setTimeout(() => {
          if (this.#reading && !this.#closed && performance.now() - this.#readSince >= READ_REFRESH_MS) this.#endRead();
        }, READ_REFRESH_MS + 5).unref();
      }
    }
    return run();
  }

  /** See #generation; read inside read()'s callback, it is the generation the callback's reads see. */
  get generation(): number {
    return this.#generation;
  }

  #endRead(): void {
    this.#reading = false;
    // A read-only transaction: nothing to write, no fsync.
    this.#commit.run();
  }

  /**
   * Runs one single-statement write now, inside this tick's transaction. A statement that fails
   * (e.g. a UNIQUE violation) is undone by SQLite on its own and rejects only its own promise.
   */
  write<T>(run: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("sqlite storage is closed"));
    try {
      this.#ensureOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    let result: T;
    try {
      result = run();
    } catch (err) {
      this.#afterFailure(err);
      return Promise.reject(err);
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiters.push({ resolve: () => resolve(result), reject });
    });
  }

  /**
   * A write whose answer may be given before its commit: it runs now inside this tick's transaction
   * (so every later statement on the connection, another claim included, sees it) and its promise
   * settles at once; the batch commits it with the rest. Only for records whose loss in a crash is
   * harmless because anything that depends on them is written later, hence committed no earlier.
   */
  writeEager<T>(run: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("sqlite storage is closed"));
    try {
      this.#ensureOpen();
      return Promise.resolve(run());
    } catch (err) {
      this.#afterFailure(err);
      return Promise.reject(err);
    }
  }

  /**
   * Like writeEager, and its commit is also left to the writes that follow it: when no batch is open,
   * the one it opens is committed by the next write that wants a commit (with it, in one COMMIT and
   * one WAL sync), or after DEFERRED_COMMIT_MS when none comes. For a claim whose caller answers
   * success only after writing what depends on it (a login's replay claim, then its token): that
   * write's durable commit makes the claim durable too, since it is the same transaction or a later
   * one on this connection. An answer that writes nothing after the claim (a refusal) does not wait
   * for it; losing such a claim in a crash only lets a request that got no success be retried.
   */
  writeDeferred<T>(run: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("sqlite storage is closed"));
    try {
      this.#ensureOpen(false);
      return Promise.resolve(run());
    } catch (err) {
      this.#afterFailure(err);
      return Promise.reject(err);
    }
  }

  /** A multi-statement write: all of it or none of it, via a SAVEPOINT inside the batch. */
  writeAtomic<T>(run: () => T): Promise<T> {
    return this.write(() => {
      this.#savepoint.run();
      try {
        const result = run();
        this.#release.run();
        return result;
      } catch (err) {
        // If SQLite already dropped the whole transaction there is no savepoint left to roll back to.
        if (this.db.inTransaction) {
          this.#rollbackTo.run();
          this.#release.run();
        }
        throw err;
      }
    });
  }

  /**
   * Commits the open batch (normally done by the scheduled tick; close() calls it directly). While a
   * WAL sync is in flight the batch stays open and keeps collecting writes, and commits when that sync
   * ends: the next sync would wait for it anyway, and fewer, larger commits write each touched page
   * to the WAL once instead of once per small commit. `now` commits at once (close, outside).
   */
  flush(now = false): void {
    if (!this.#open) return;
    if (this.#syncing && !now) {
      this.#flushAfterSync = true;
      return;
    }
    this.#open = false;
    this.#due = false;
    const waiters = this.#waiters;
    this.#waiters = [];
    try {
      this.#commit.run();
      this.commits++;
      if (this.walPath !== undefined) {
        this.#unsynced.push(...waiters);
        this.#sync();
        // A COMMIT that changed nothing (the sweeper's pass on an idle store, finding nothing expired)
        // wrote no frame: the hook waits for one that did.
        const first = this.#firstCommit;
        if (first && walHasFrames(this.walPath)) {
          this.#firstCommit = undefined;
          first();
        }
        return;
      }
    } catch (err) {
      // What the batch wrote and its readers saw is gone.
      this.#generation++;
      if (this.db.inTransaction) {
        try {
          this.#rollback.run();
        } catch {
          // The commit error is the one worth reporting.
        }
      }
      for (const w of waiters) w.reject(err);
      return;
    }
    for (const w of waiters) w.resolve();
  }

  /** fdatasync of the WAL for every commit so far that waits for one; then the next, if any came. */
  #sync(): void {
    if (this.#syncing || this.#unsynced.length === 0) return;
    this.#syncing = true;
    const covered = this.#unsynced;
    this.#unsynced = [];
    const done = (err: unknown) => {
      this.#syncing = false;
      if (err) for (const w of covered) w.reject(err);
      else {
        this.syncs++;
        for (const w of covered) w.resolve();
      }
      if (this.#flushAfterSync) {
        this.#flushAfterSync = false;
        this.flush();
      }
      this.#sync();
      if (this.#closed) this.#closeWal();
    };
    if (this.#walFd !== undefined) {
      fdatasync(this.#walFd, done);
      return;
    }
    open(this.walPath!, "r", (err, fd) => {
      if (err) return done(err);
      // Kept even when the batch closed meanwhile: done() closes it then.
      this.#walFd = fd;
      fdatasync(fd, done);
    });
  }

  /**
   * Runs `run` with no transaction open on the connection (VACUUM and checkpoints refuse to run in
   * one): commits the pending batch and ends the read snapshot first.
   */
  outside<T>(run: () => T): T {
    this.flush(true);
    if (this.#reading) this.#endRead();
    this.#generation++;
    try {
      return run();
    } finally {
      this.#generation++;
    }
  }

  /** Commits what is pending, then refuses further writes. */
  close(): void {
    this.flush(true);
    if (this.#reading) this.#endRead();
    this.#closed = true;
    this.#closeWal();
  }

  /** Closes the kept -wal descriptor once no sync uses it (a sync in flight closes it when it ends). */
  #closeWal(): void {
    if (this.#walFd === undefined || this.#syncing) return;
    const fd = this.#walFd;
    this.#walFd = undefined;
    close(fd, () => {});
  }

  /**
   * Opens the batch if none is; `due`: its commit is wanted soon (every write but a deferred one). Every
   * write calls it once, right before its statement runs: the generation moves here for both the new
   * snapshot a batch begins and the write itself.
   */
  #ensureOpen(due = true): void {
    this.#generation++;
    if (!this.#open) {
      if (this.#reading) this.#endRead();
      this.#begin.run();
      this.#open = true;
      this.#opened++;
      if (!due) {
        const batch = this.#opened;
        setTimeout(() => {
          if (this.#open && this.#opened === batch) this.flush();
        }, DEFERRED_COMMIT_MS).unref();
        return;
      }
    }
    if (!due) return;
    this.#dueWrites++;
    if (this.#due) return;
    this.#due = true;
    this.#dueSince = performance.now();
    this.#dueWritesChecked = this.#dueWrites;
    setImmediate(this.#commitWhenQuiet);
  }

  /**
   * Runs at the end of an event-loop turn (setImmediate) while the batch waits for its commit. Every
   * COMMIT costs the same whatever it carries (its WAL write, its fdatasync: on a small VM ~60 µs of a
   * login's CPU when each commit carries a handful), so a batch is committed once a turn brought no
   * new write, or after maxCommitDelayMs: a lone request, or a server that has caught up, commits at
   * once; a busy one gathers the writes of several turns into one commit instead of one per turn.
   */
  readonly #commitWhenQuiet = (): void => {
    if (!this.#open || !this.#due) return;
    if (this.#dueWrites > this.#dueWritesChecked && performance.now() - this.#dueSince < this.maxCommitDelayMs) {
      this.#dueWritesChecked = this.#dueWrites;
      setImmediate(this.#commitWhenQuiet);
      return;
    }
    this.flush();
  };

  /**
   * Some errors (SQLITE_FULL, SQLITE_IOERR, ...) make SQLite roll back the whole transaction, not just
   * the statement. Then the earlier writes of this batch are gone too and must not be acknowledged.
   */
  #afterFailure(err: unknown): void {
    if (this.db.inTransaction) return;
    this.#generation++;
    this.#open = false;
    this.#due = false;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(err);
  }
}

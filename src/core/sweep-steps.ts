/**
 * The housekeeping sweeper's steps (expired tokens, claims, counted uses), sized by how long each step
 * held the event loop.
 *
 * On SQLite a step's DELETE runs on the event loop, so every request behind it waits it out. What a row
 * costs depends on where the expired rows lie: tokens that were minted together and expire together
 * sit on the same pages of every index (time-first ids), ~4 µs a row; tokens of mixed TTLs, or of ids
 * from before time-first keys, are scattered, each one ~5 random pages, and 100 of them held the loop for
 * 10-50 ms with a million tokens stored, a lookup-self p99 of 50-400 ms at half the server's rate against
 * ~12 ms without the sweeper's pass. So the row limit of a step follows the time its last step held the
 * loop: shrunk in proportion when it held longer than STEP_HOLD_MS, doubled when it held less than half of
 * that, between 1 and STEP_ROWS_MAX.
 *
 * A pass (one tick of the sweeper) goes on while its steps keep finding full batches, until they held the
 * loop PASS_HOLD_MS in all or removed PASS_ROWS_MAX rows: the time bound keeps a backlog of scattered rows
 * from taking more than a small share of the loop, and the row bound lets cheap rows go as fast as a busy
 * server mints them (a fixed 1000 rows a pass capped the sweeper at 500 tokens a second, fewer than one
 * node can mint). On PostgreSQL the DELETE runs on the server, a step holds the loop for no time, its limit
 * stays at STEP_ROWS_MAX and only the row bound ends a pass.
 */

/** How long one step may hold the event loop: well under a lookup's p99 at half a server's rate (~10 ms), so a pass does not show in it. */
export const STEP_HOLD_MS = 2;
export const STEP_ROWS_MAX = 100;
/** The event-loop time one pass's steps may take in all: 2.5 % of the sweeper's 2 s interval. */
export const PASS_HOLD_MS = 50;
/** Rows one pass removes at most, however cheap they are: 5,000 a second at a pass every 2 s. */
export const PASS_ROWS_MAX = 10_000;

/**
 * One kind of row to sweep: `step(now, limit)` removes up to `limit` rows that expired by `now` (epoch
 * ms) and resolves how many it removed.
 */
export type SweepStep = (now: number, limit: number) => Promise<number>;

export class SweepSteps {
  #limit = STEP_ROWS_MAX;

  constructor(
    private readonly step: SweepStep,
    /** Where the time a step held the loop is read from (tests give their own). */
    private readonly monotonicMs: () => number = () => performance.now(),
  ) {}

  /** The row limit the next step will use. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * One pass at `now`: steps until a step finds fewer rows than its limit, the steps held the loop
   * PASS_HOLD_MS in all, or PASS_ROWS_MAX rows are gone.
   */
  async pass(now: number): Promise<number> {
    let done = 0;
    let heldMs = 0;
    while (done < PASS_ROWS_MAX && heldMs < PASS_HOLD_MS) {
      const limit = Math.min(this.#limit, PASS_ROWS_MAX - done);
      const started = this.monotonicMs();
      // The promise settles once the step is committed; what precedes it is the time the loop was held.
      const pending = this.step(now, limit);
      const held = this.monotonicMs() - started;
      heldMs += held;
      this.#resize(limit, held);
      const removed = await pending;
      done += removed;
      if (removed < limit) break;
    }
    return done;
  }

  #resize(limit: number, heldMs: number): void {
    if (heldMs > STEP_HOLD_MS) this.#limit = Math.max(1, Math.floor((limit * STEP_HOLD_MS) / heldMs));
    else if (heldMs < STEP_HOLD_MS / 2) this.#limit = Math.min(STEP_ROWS_MAX, Math.max(this.#limit, limit * 2));
  }
}

/**
 * `run` as the sweeper's timer calls it: a call made while an earlier call has not settled does
 * nothing and resolves at once (a pass slower than the interval, small steps or slow syncs, is never
 * joined by a second one sweeping the same rows); a call after it settles, fulfilled or rejected, runs
 * again.
 */
export function skipWhileRunning(run: () => Promise<void>): () => Promise<void> {
  let running = false;
  return async () => {
    if (running) return;
    running = true;
    try {
      await run();
    } finally {
      running = false;
    }
  };
}

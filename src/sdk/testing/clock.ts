import type { Clock } from "../clock.js";

/**
 * A clock for tests: real time plus an offset that only `advance` changes. It keeps running (every
 * timeout and retry in the server behaves as on the real clock) until a test jumps ahead: instead of
 * sleeping 2 s for a 1 s TTL, `clock.advance(1_100)`. Time never goes backwards.
 */
export class TestClock implements Clock {
  #offsetMs = 0;

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Moves time forward by `ms` milliseconds (refuses a negative or non-finite step). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`TestClock.advance: ${ms} is not a forward step in milliseconds`);
    this.#offsetMs += ms;
  }

  /** How far this clock is ahead of the real one, in milliseconds. */
  get offsetMs(): number {
    return this.#offsetMs;
  }
}

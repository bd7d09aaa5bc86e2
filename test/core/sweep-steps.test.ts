// The sweeper's step sizing and its passes' no-overlap guard (src/core/sweep-steps.ts) as units: a
// step's row limit follows the time its last step held the event loop, read from a fake monotonic clock
// the fake step advances, so nothing here depends on how fast the machine is.
import * as assert from "uvu/assert";
import { test } from "../../src/sdk/testing/suite.js";
import { PASS_HOLD_MS, PASS_ROWS_MAX, STEP_HOLD_MS, STEP_ROWS_MAX, SweepSteps, skipWhileRunning } from "../../src/core/sweep-steps.js";

/**
 * A store of `rows` expired rows whose removal holds the loop `msPerRow` each; records every step. Comes
 * with the sweep under test, reading the store's own clock.
 */
function fakeStore(rows: number, msPerRow: number) {
  let clock = 0;
  let left = rows;
  const steps: Array<{ now: number; limit: number; removed: number; heldMs: number }> = [];
  const step = async (now: number, limit: number): Promise<number> => {
    const removed = Math.min(limit, left);
    left -= removed;
    clock += removed * msPerRow;
    steps.push({ now, limit, removed, heldMs: removed * msPerRow });
    return removed;
  };
  const sweep = new SweepSteps(step, () => clock);
  return { steps, sweep, left: () => left, slower: (ms: number) => (msPerRow = ms) };
}

test("rows that are cheap to remove go in steps of the maximum size", async () => {
  const store = fakeStore(250, 0.01);
  const { sweep } = store;
  assert.is(await sweep.pass(1_000), 250);
  assert.equal(
    store.steps.map((s) => s.limit),
    [STEP_ROWS_MAX, STEP_ROWS_MAX, STEP_ROWS_MAX],
  );
  assert.ok(store.steps.every((s) => s.now === 1_000), "every step removes what expired by the pass's time");
  assert.is(store.left(), 0);
});

test("a step that held the loop too long makes the next ones smaller, in proportion", async () => {
  // 0.2 ms a row: 100 rows hold the loop 20 ms; 10 rows hold it 2 ms.
  const store = fakeStore(10_000, 0.2);
  const { sweep } = store;
  await sweep.pass(1_000);
  assert.is(store.steps[0]!.limit, STEP_ROWS_MAX, "the first step has no measurement yet");
  assert.is(store.steps[1]!.limit, 10, "100 * 2 ms / 20 ms");
  assert.ok(
    store.steps.slice(1).every((s) => s.heldMs <= STEP_HOLD_MS),
    `every later step holds the loop at most ${STEP_HOLD_MS} ms: ${store.steps.map((s) => s.heldMs).join(" ")}`,
  );
  assert.is(sweep.limit, 10);
});

test("a pass stops once its steps held the loop PASS_HOLD_MS in all; the next starts at the size it reached", async () => {
  const store = fakeStore(10_000, 0.2);
  const { sweep } = store;
  // 100 rows (20 ms), then steps of 10 rows (2 ms each) until the pass held the loop 50 ms: 15 of them.
  assert.is(await sweep.pass(1_000), 250);
  assert.is(store.steps.length, 16);
  const held = store.steps.reduce((sum, s) => sum + s.heldMs, 0);
  assert.ok(held >= PASS_HOLD_MS && held < PASS_HOLD_MS + STEP_HOLD_MS, `the pass held the loop ${held} ms`);
  await sweep.pass(2_000);
  assert.is(store.steps[16]!.limit, 10);
  assert.is(store.steps[16]!.now, 2_000);
});

test("steps that hold the loop for no time (PostgreSQL) go 100 at a time up to PASS_ROWS_MAX a pass", async () => {
  const store = fakeStore(50_000, 0);
  const { sweep } = store;
  assert.is(await sweep.pass(1_000), PASS_ROWS_MAX);
  assert.is(store.steps.length, PASS_ROWS_MAX / STEP_ROWS_MAX);
  assert.ok(store.steps.every((s) => s.limit === STEP_ROWS_MAX));
  assert.is(store.left(), 50_000 - PASS_ROWS_MAX);
});

test("a pass ends at the first step that finds fewer rows than its limit", async () => {
  const store = fakeStore(130, 0.01);
  const { sweep } = store;
  assert.is(await sweep.pass(1_000), 130);
  assert.equal(
    store.steps.map((s) => s.removed),
    [100, 30],
  );
  assert.is(await sweep.pass(2_000), 0, "an empty store: one step that finds nothing");
  assert.is(store.steps.length, 3);
});

test("once rows are cheap again the limit doubles back up to the maximum", async () => {
  const store = fakeStore(100_000, 1);
  const { sweep } = store;
  await sweep.pass(1_000);
  assert.is(store.steps.length, 1, "one step of 100 rows at 1 ms held the loop past the pass's budget");
  assert.is(sweep.limit, 2, "100 rows at 1 ms: 100 * 2 / 100");
  store.slower(0.001);
  const before = store.steps.length;
  await sweep.pass(2_000);
  assert.equal(
    store.steps.slice(before, before + 7).map((s) => s.limit),
    [2, 4, 8, 16, 32, 64, 100],
  );
});

test("a step that holds the loop longer than STEP_HOLD_MS for a single row keeps going one row at a time", async () => {
  const store = fakeStore(20, 10);
  const { sweep } = store;
  // 20 rows < 100: the first step removes them all and ends the pass.
  assert.is(await sweep.pass(1_000), 20);
  assert.is(sweep.limit, 1, "20 rows at 10 ms held 200 ms: the limit cannot go below one row");
});

/** A pass the test ends by hand: `started` counts the runs begun, `finish(err?)` settles the latest one. */
function heldPasses() {
  let started = 0;
  let settle: ((err?: Error) => void) | undefined;
  const run = () =>
    new Promise<void>((resolve, reject) => {
      started++;
      settle = (err) => (err ? reject(err) : resolve());
    });
  return { run, started: () => started, finish: (err?: Error) => settle!(err) };
}

test("a sweeper tick while its pass still runs does nothing; the tick after the pass ends runs one", async () => {
  const passes = heldPasses();
  const tick = skipWhileRunning(passes.run);
  const first = tick();
  assert.is(passes.started(), 1);
  await tick();
  await tick();
  assert.is(passes.started(), 1, "ticks during a pass start no second pass");
  passes.finish();
  await first;
  const second = tick();
  assert.is(passes.started(), 2, "the pass ended: the next tick runs one");
  passes.finish();
  await second;
});

test("a pass that fails does not stop the sweeper: the next tick runs one", async () => {
  const passes = heldPasses();
  const tick = skipWhileRunning(passes.run);
  const first = tick();
  passes.finish(new Error("disk full"));
  const failed = await first.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(failed, Error, "the tick's promise carries the pass's failure");
  assert.match((failed as Error).message, "disk full");
  const second = tick();
  assert.is(passes.started(), 2, "a failed pass leaves the guard open");
  passes.finish();
  await second;
});

test.run();

/**
 * uvu suites whose hooks cannot fail silently. uvu runs `before`/`after` hooks inside a try/finally
 * that returns from `finally`, so an exception there is swallowed: the suite prints "(0 / 6)" and no
 * reason, and an `after.each` that throws ends the suite early just as quietly. Suites made here
 * keep uvu's API and runner, but:
 *  - a failing `before` hook is printed once with its stack, and every test of the suite then fails
 *    with "before hook failed: <message>" (so the counts say what happened);
 *  - `before.each` and `after.each` run inside each test: their failure is that test's failure, with
 *    the hook named in the message, and `after.each` still runs when the test itself failed;
 *  - a failing `after` hook is printed with its stack and makes the process exit non-zero.
 * Every printed failure starts with "✘ hook failed", names the suite and the hook, and carries the
 * error's message and stack; scripts/run-tests.mjs counts the `after` ones as failures.
 *
 * uvu is loaded when this module loads, not required by the rest of the kit: with uvu missing,
 * `suite()` throws, and the rest of warden/sdk/testing still works.
 */
import type { Callback, Test } from "uvu";

type Uvu = typeof import("uvu");
const uvu: Uvu | undefined = await import("uvu").catch(() => undefined);

type Context = Record<string, unknown>;
type Kind = "before" | "after" | "before.each" | "after.each";

let afterHookFailures = 0;
process.on("exit", () => {
  // uvu sets the exit code from its own counts once the last suite ran; an after hook is not in them.
  if (afterHookFailures > 0) process.exitCode = 1;
});

/** An uvu assertion's diff of actual and expected, which uvu prints under the message. */
const detailsOf = (e: unknown): string | undefined => (e as { details?: unknown } | null)?.details as string | undefined;

/**
 * Why a hook failed, as one error: the hook named in the message; the original stack, and an
 * assertion's diff and operator, kept (uvu prints them).
 */
function hookError(kind: Kind, cause: unknown, withStack = true): Error {
  const original = cause instanceof Error ? cause : new Error(String(cause));
  const e = Object.assign(new Error(`${kind} hook failed: ${original.message}`, { cause: original }), {
    details: withStack ? detailsOf(original) : undefined,
    operator: (original as { operator?: string }).operator,
  });
  const frames = original.stack?.split("\n").slice(1).join("\n") ?? "";
  e.stack = withStack && frames ? `${e.name}: ${e.message}\n${frames}` : `${e.name}: ${e.message}`;
  return e;
}

function report(suiteName: string, kind: Kind, cause: unknown): void {
  let text = cause instanceof Error ? (cause.stack ?? `${cause.name}: ${cause.message}`) : String(cause);
  const details = detailsOf(cause);
  if (details) text += `\n${details}`;
  process.stdout.write(`\n✘ hook failed: suite "${suiteName}", ${kind} hook: ${text.replace(/\n/g, "\n    ")}\n`);
}

/**
 * uvu's `suite(name, context)`, with hook failures reported (see the module comment). Use it exactly
 * as uvu's: `const t = suite("name", ctx); t.before(...); t("case", ...); t.run();`.
 */
export function suite<T = Context>(name = "", context?: T): Test<T> {
  if (!uvu) throw new Error("warden/sdk/testing: suite() needs uvu (npm install --save-dev uvu)");
  const inner = uvu.suite<T>(name, context);
  const beforeEach: Array<Callback<T>> = [];
  const afterEach: Array<Callback<T>> = [];
  const befores: Array<Callback<T>> = [];
  const afters: Array<Callback<T>> = [];
  let beforeFailure: unknown;
  let beforeReported = false;

  inner.before(async (ctx) => {
    for (const hook of befores) {
      try {
        await hook(ctx);
      } catch (e) {
        beforeFailure = e;
        report(name, "before", e);
        return;
      }
    }
  });
  inner.after(async (ctx) => {
    for (const hook of afters) {
      try {
        await hook(ctx);
      } catch (e) {
        afterHookFailures++;
        report(name, "after", e);
      }
    }
  });

  const wrap =
    (handler: Callback<T>): Callback<T> =>
    async (ctx) => {
      if (beforeFailure !== undefined) {
        // The stack once; the other tests of the suite say why they did not run.
        const first = !beforeReported;
        beforeReported = true;
        throw hookError("before", beforeFailure, first);
      }
      let failure: unknown;
      let failed = false;
      try {
        for (const hook of beforeEach) {
          try {
            await hook(ctx);
          } catch (e) {
            throw hookError("before.each", e);
          }
        }
        await handler(ctx);
      } catch (e) {
        failed = true;
        failure = e;
      }
      for (const hook of afterEach) {
        try {
          await hook(ctx);
        } catch (e) {
          if (!failed) {
            failed = true;
            failure = hookError("after.each", e);
          } else report(name, "after.each", e);
        }
      }
      if (failed) throw failure;
    };

  const test = ((testName: string, handler: Callback<T>) => inner(testName, wrap(handler))) as Test<T>;
  test.only = (testName, handler) => inner.only(testName, wrap(handler));
  test.skip = (testName, handler) => inner.skip(testName, handler);
  test.run = () => inner.run();
  const before = ((hook: Callback<T>) => void befores.push(hook)) as Test<T>["before"];
  before.each = (hook) => void beforeEach.push(hook);
  const after = ((hook: Callback<T>) => void afters.push(hook)) as Test<T>["after"];
  after.each = (hook) => void afterEach.push(hook);
  test.before = before;
  test.after = after;
  return test;
}

/** uvu's default `test`, as a suite of this module (no name). */
export const test: Test<Context> = uvu ? suite() : (missingUvu as unknown as Test<Context>);

function missingUvu(): never {
  throw new Error("warden/sdk/testing: test() needs uvu (npm install --save-dev uvu)");
}

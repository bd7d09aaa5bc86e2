// The kit's suite(): a hook that throws makes the suite fail loudly, with the suite, the hook, the
// message and the stack, both when the file runs alone and through scripts/run-tests.mjs.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/hook-failures.js", import.meta.url));
const RUNNER = fileURLToPath(new URL("../../../scripts/run-tests.mjs", import.meta.url));

function run(args: string[], hook: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, HOOK_FAIL: hook, FORCE_COLOR: "0", WARDEN_TEST_STORAGE: "sqlite" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out: out.replace(/\x1b\[[0-9;]*m/g, "") }));
  });
}

const t = suite("sdk/testing suite()");

t("no failing hook: both cases pass, exit 0", async () => {
  const r = await run([FIXTURE], "");
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /Passed:\s+2/);
});

for (const hook of ["before", "before.each", "after.each"]) {
  t(`a throwing ${hook} hook fails every case with the hook, the message and the stack`, async () => {
    const r = await run([FIXTURE], hook);
    assert.is(r.code, 1, r.out);
    assert.match(r.out, /Passed:\s+0/);
    assert.match(r.out, /fixture suite/);
    assert.ok(r.out.includes(`${hook} hook failed: ${hook} exploded on purpose`), r.out);
    assert.match(r.out, /hook-failures\.js:\d+/, "the stack points into the hook");
  });
}

t("an assertion failing in a before hook keeps its diff of actual and expected", async () => {
  const r = await run([FIXTURE], "before-assert");
  assert.is(r.code, 1, r.out);
  assert.ok(r.out.includes("before hook failed: the answer"), r.out);
  assert.match(r.out, /\+\+42/, "expected value shown");
  assert.match(r.out, /--41/, "actual value shown");
});

t("a throwing after hook is printed with its stack and fails the process", async () => {
  const r = await run([FIXTURE], "after");
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /Passed:\s+2/);
  assert.ok(r.out.includes('✘ hook failed: suite "fixture suite", after hook: Error: after exploded on purpose'), r.out);
  assert.match(r.out, /hook-failures\.js:\d+/);
});

t("run-tests.mjs counts hook failures and shows the suite and the message", async () => {
  const after = await run([RUNNER, FIXTURE], "after");
  assert.is(after.code, 1, after.out);
  assert.match(after.out, /FAIL .*hook-failures\.js \(2 passed, 1 failed/);
  assert.ok(after.out.includes('suite "fixture suite", after hook: Error: after exploded on purpose'), after.out);
  assert.match(after.out.trim().split("\n").at(-1)!, /^2 passed, 1 failed$/);

  const before = await run([RUNNER, FIXTURE], "before");
  assert.is(before.code, 1, before.out);
  assert.ok(before.out.includes("before hook failed: before exploded on purpose"), before.out);
  assert.match(before.out.trim().split("\n").at(-1)!, /^0 passed, 2 failed$/);
});

t.run();

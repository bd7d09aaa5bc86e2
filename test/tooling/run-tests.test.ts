// scripts/run-tests.mjs on a failing suite: CI's log must say which test failed and why, not only
// the counts. A throw-away uvu file with one failing assertion is run through the script.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const t = suite("run-tests");

t("a failing test is named with the first line of its assertion, beside the totals", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-run-tests-"));
  try {
    const uvu = pathToFileURL(join(ROOT, "node_modules/uvu/dist/index.mjs")).href;
    const uvuAssert = pathToFileURL(join(ROOT, "node_modules/uvu/assert/index.mjs")).href;
    const file = join(dir, "sample.test.js");
    writeFileSync(
      file,
      `import { suite } from ${JSON.stringify(uvu)};\nimport * as assert from ${JSON.stringify(uvuAssert)};\n` +
        `const s = suite("arithmetic");\ns("adds up", () => assert.is(1 + 1, 3, "one and one make two"));\ns("passes", () => {});\ns.run();\n`,
    );
    const r = spawnSync(process.execPath, [join(ROOT, "scripts/run-tests.mjs"), file], { cwd: ROOT, encoding: "utf8", env: { ...process.env, WARDEN_TEST_STORAGE: "sqlite" }, timeout: 60_000 });
    assert.is(r.status, 1);
    assert.match(r.stdout, /1 passed, 1 failed\n$/);
    const summary = r.stdout.slice(r.stdout.indexOf("Failing tests:"));
    assert.match(summary, /sample\.test\.js: arithmetic > adds up: one and one make two/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();

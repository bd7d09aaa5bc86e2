// docs/sdk/ is generated from the SDK's TypeScript declarations (`npm run docs:sdk`): regenerated
// here into a temporary directory, it must equal what is committed, so the reference cannot drift
// from the code. On a failure: run `npm run docs:sdk` and commit docs/sdk/.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const t = suite("SDK reference");

t("docs/sdk/ is what `npm run docs:sdk` generates from the declarations", () => {
  const out = mkdtempSync(join(tmpdir(), "warden-sdk-ref-"));
  try {
    execFileSync(process.execPath, [join(ROOT, "scripts/docs-sdk.mjs"), "--out", out], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const committed = readdirSync(join(ROOT, "docs/sdk")).sort();
    const generated = readdirSync(out).sort();
    assert.equal(committed, generated, "docs/sdk/ has other pages than the SDK's modules: run npm run docs:sdk");
    assert.ok(generated.includes("roles.md") && generated.includes("token-params.md"));
    const stale = generated.filter((f) => readFileSync(join(out, f), "utf8") !== readFileSync(join(ROOT, "docs/sdk", f), "utf8"));
    assert.equal(stale, [], `stale pages (run npm run docs:sdk and commit docs/sdk/): ${stale.join(", ")}`);
    // The reference carries what an author needs: exact signatures with their doc comments.
    const roles = readFileSync(join(out, "roles.md"), "utf8");
    assert.match(roles, /export declare function roleCrudPaths<F extends Fields, T extends \{\s*token: TokenParams;\s*\}>/);
    assert.match(readFileSync(join(out, "errors.md"), "utf8"), /invalidCredentials/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

t.run();

// The emulators' command lines as a reader uses them: --help works, a bad option says why, and the
// npm scripts exec node, so a SIGTERM to a backgrounded `npm run sts-emulator` stops the emulator
// (a script without exec leaves its node child running, holding the port).
import { spawn, spawnSync } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const t = suite("emulator command lines");

const main = (name: string) => fileURLToPath(new URL(`../../src/emulators/${name}/main.js`, import.meta.url));

for (const name of ["sts", "oci", "kms", "ecs-metadata"]) {
  t(`${name}-emulator --help prints its usage and exits 0; a bad option exits 2 with the reason`, () => {
    for (const flag of ["--help", "-h"]) {
      const help = spawnSync(process.execPath, [main(name), flag], { encoding: "utf8", timeout: 20_000 });
      assert.is(help.status, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^Usage: npm run ${name}-emulator -- `));
      assert.match(help.stdout, /--port/);
    }
    const bad = spawnSync(process.execPath, [main(name), "--bogus"], { encoding: "utf8", timeout: 20_000 });
    assert.is(bad.status, 2);
    assert.match(bad.stderr, /Unknown option '--bogus'/);
    assert.match(bad.stderr, /Usage:/);
  });
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

t("SIGTERM to a backgrounded `npm run sts-emulator` stops the emulator itself", async () => {
  const port = await freePort();
  // Its own process group, so whatever happens the test can end all of it by id.
  const npm = spawn("npm", ["run", "sts-emulator", "--", "--port", String(port)], { cwd: ROOT, detached: true, stdio: "ignore", env: { ...process.env, npm_config_update_notifier: "false" } });
  try {
    await waitFor("the emulator to listen", 30_000, () => portOpen(port));
    const exited = new Promise((r) => npm.once("exit", r));
    npm.kill("SIGTERM");
    await exited;
    await waitFor("the emulator's port to close after npm's SIGTERM", 10_000, async () => !(await portOpen(port)));
  } finally {
    try {
      process.kill(-npm.pid!, "SIGKILL");
    } catch {
      // the group is gone: nothing outlived npm
    }
  }
});

t.run();

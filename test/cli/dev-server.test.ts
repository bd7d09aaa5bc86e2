// The dev server as a user starts it: initialised with one share and unsealed, `Unseal Key:` printed
// beside `Root Token:`; that key, typed into `warden operator unseal` (read from stdin when no KEY is
// given and stdin is not a terminal), opens it again after `warden operator seal`.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";
import { CLI, freshHome, runCli } from "./harness.js";

const t = suite<{ dir: string; server: ChildProcess; output: string; url: string }>("cli: the dev server's unseal key");

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-dev-unseal-"));
  const port = await freePort();
  ctx.url = `http://127.0.0.1:${port}`;
  ctx.output = "";
  ctx.server = spawn(process.execPath, [CLI, "server", "-dev", `-dev-listen-address=127.0.0.1:${port}`, "-dev-root-token-id=root", `-dev-data-dir=${join(ctx.dir, "data")}`], { stdio: ["ignore", "pipe", "pipe"] });
  ctx.server.stdout!.on("data", (d) => (ctx.output += d));
  ctx.server.stderr!.on("data", (d) => (ctx.output += d));
  await waitFor("the dev server's banner", 20_000, async () => /Root Token: /.test(ctx.output));
});
t.after(async (ctx) => {
  if (ctx.server && ctx.server.exitCode === null) {
    const exited = new Promise((r) => ctx.server.once("exit", r));
    ctx.server.kill("SIGTERM");
    await exited;
  }
  rmSync(ctx.dir, { recursive: true, force: true });
});

t("Unseal Key beside Root Token; operator seal, status 2, the key from stdin unseals, status 0; the key is in no log line", async (ctx) => {
  const key = /^Unseal Key: (\S+)$/m.exec(ctx.output)?.[1];
  assert.ok(key, ctx.output);
  assert.ok(/^Root Token: root$/m.test(ctx.output), ctx.output);
  const home = freshHome();
  const env = { WARDEN_ADDR: ctx.url };
  const up = await runCli(["status"], { env, home });
  assert.is(up.code, 0, up.stderr);
  assert.match(up.stdout, /Sealed\s+false/);

  const sealed = await runCli(["operator", "seal"], { env: { ...env, WARDEN_TOKEN: "root" }, home });
  assert.is(sealed.code, 0, sealed.stderr);
  const down = await runCli(["status"], { env, home });
  assert.is(down.code, 2, "status: 2 while sealed");
  assert.match(down.stdout, /Sealed\s+true/);
  assert.is((await fetch(`${ctx.url}/v1/auth/token/lookup-self`, { headers: { "X-Vault-Token": "root" } })).status, 503);

  const unseal = await runCli(["operator", "unseal"], { env, home, stdin: `${key}\n` });
  assert.is(unseal.code, 0, unseal.stderr);
  assert.match(unseal.stdout, /Sealed\s+false/);
  assert.not.ok(unseal.stdout.includes(key!) || unseal.stderr.includes(key!), "the CLI does not echo the key");
  assert.is((await runCli(["status"], { env, home })).code, 0);
  assert.is((await fetch(`${ctx.url}/v1/auth/token/lookup-self`, { headers: { "X-Vault-Token": "root" } })).status, 200);

  // The banner is the one place the key is shown: no JSON log line carries it.
  const lines = ctx.output.split("\n").filter((l) => l.startsWith("{"));
  assert.ok(lines.length > 0, "the server logged");
  assert.equal(lines.filter((l) => l.includes(key!)), []);
});

t.run();

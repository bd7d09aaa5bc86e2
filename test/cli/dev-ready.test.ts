// A dev server is ready when GET /v1/sys/health answers 200 (interface.md), and ready means set up: the
// unseal key kept beside the database (so a restart on -dev-data-dir unseals), alicloud mounted at
// auth/alicloud. Unsealing alone made health answer 200 before those, so a script that stopped the
// server at its first 200 left a data dir that could not unseal again.
// (1) healthAnswer waits for what RunningServer.holdHealth was given; (2) a fresh dev server polled as
// fast as a script can: at its first 200 the key file and the mount are there, and a restart on the
// same data dir comes up unsealed.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import type { SealManager } from "../../src/core/seal/manager.js";
import { healthAnswer } from "../../src/server/seal-routes.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";
import { CLI } from "./harness.js";

const hold = suite("sys/health: held while the server sets itself up");

/** An unsealed, initialised node whose storage answers: health says 200 unless held. */
const unsealedSeal = {
  initialized: async () => true,
  sealed: false,
  core: undefined,
  storage: { ping: async () => true, kind: "sqlite" },
} as unknown as SealManager;

/** Lets every pending promise job and one turn of the event loop run. */
const aTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

hold("the answer waits for the set-up, then says what the node is", async () => {
  let finish!: () => void;
  const setUp = new Promise<void>((r) => (finish = r));
  let settling: Promise<unknown> | undefined = setUp;
  const health = healthAnswer(unsealedSeal, () => settling);
  let answered = false;
  const pending = health("GET", "http://127.0.0.1:8200/v1/sys/health").then((a) => ((answered = true), a));
  for (let i = 0; i < 5; i++) await aTurn();
  assert.not.ok(answered, "no answer while the set-up runs");
  finish();
  settling = undefined;
  const answer = await pending;
  assert.is(answer.status, 200);
  // Not held: answered within a turn.
  let free = false;
  void health("GET", "http://127.0.0.1:8200/v1/sys/health").then(() => (free = true));
  await aTurn();
  assert.ok(free, "unheld health answers at once");
});

hold("a set-up that fails still lets health answer (the process ends on its own)", async () => {
  const failed = Promise.reject(new Error("set-up failed"));
  failed.catch(() => undefined);
  const answer = await healthAnswer(unsealedSeal, () => failed)("GET", "http://127.0.0.1:8200/v1/sys/health");
  assert.is(answer.status, 200);
});

hold.run();

const dev = suite<{ dir: string; servers: ChildProcess[] }>("cli: a dev server's first 200 on sys/health means set up");

dev.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-dev-ready-"));
  ctx.servers = [];
});
dev.after.each(async (ctx) => {
  for (const s of ctx.servers) {
    if (s.exitCode !== null || s.signalCode !== null) continue;
    const exited = new Promise((r) => s.once("exit", r));
    s.kill("SIGKILL");
    await exited;
  }
  ctx.servers = [];
});
dev.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

/** Starts a dev server on `dataDir` and polls health with no pause until the first 200. */
async function firstHealthy(ctx: { servers: ChildProcess[] }, dataDir: string): Promise<string> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const server = spawn(process.execPath, [CLI, "server", "-dev", `-dev-listen-address=127.0.0.1:${port}`, "-dev-root-token-id=root", `-dev-data-dir=${dataDir}`], { stdio: ["ignore", "pipe", "pipe"] });
  ctx.servers.push(server);
  server.stdout!.on("data", (d) => (output += d));
  server.stderr!.on("data", (d) => (output += d));
  await waitFor(`the first 200 on sys/health (server output: ${output.slice(-500)})`, 30_000, async () => {
    if (server.exitCode !== null) throw new Error(`the dev server exited: ${output}`);
    return (await fetch(`${url}/v1/sys/health`)).status === 200;
  }, 0);
  return url;
}

dev("at the first 200: the unseal key is kept, alicloud is mounted; killed there, the data dir unseals on restart", async (ctx) => {
  const dataDir = join(ctx.dir, "data");
  const url = await firstHealthy(ctx, dataDir);
  assert.ok(existsSync(join(dataDir, "dev-unseal-key")), "the unseal key file is written before health says 200");
  const auth = await fetch(`${url}/v1/sys/auth`, { headers: { "X-Vault-Token": "root" } });
  assert.is(auth.status, 200);
  assert.ok("alicloud/" in ((await auth.json()) as { data: Record<string, unknown> }).data, "alicloud is mounted before health says 200");

  // What a script that stops the server at its first 200 does; the next start must come up unsealed.
  const first = ctx.servers[0]!;
  const exited = new Promise((r) => first.once("exit", r));
  first.kill("SIGKILL");
  await exited;
  const again = await firstHealthy(ctx, dataDir);
  const health = (await (await fetch(`${again}/v1/sys/health`)).json()) as { sealed: boolean; initialized: boolean };
  assert.equal({ initialized: health.initialized, sealed: health.sealed }, { initialized: true, sealed: false });
});

dev.run();

// Server CPU µs per request: a counting measurement that holds on a busy machine, where req/s does not.
// Starts a warden dev server of this build, sets up the
// scenario, sends --requests requests with --concurrency in flight over keep-alive connections from this
// process, and divides the server's CPU time (/proc/<pid>/stat user+system) by the request count.
// Repeats --rounds times and prints the median; --vs <other build's dist/src/cli/main.js> measures that
// build too, alternating rounds with this one (bench/lib/build-at.mjs makes such a build).
//
// --vs no-barrier (or no-metrics) measures this build against itself started with the bench-only
// preload bench/lib/no-barrier-preload.mjs (no-metrics-preload.mjs): the barrier's (metrics') cost.
// --vs floor (floor-crypto) measures login-approle against bench/login-floor.mjs: a node:http server
// storing the same token row the same way and nothing else (with --crypto: plus a login's crypto).
//
//   node bench/cpu-per-request.mjs lookup-self|lookup-self-entity|health|login-approle [--requests 20000]
//        [--concurrency 16] [--rounds 5] [--cpu-prof] [--vs path|this|no-barrier|no-metrics|floor|floor-crypto [--vs-node-arg A ...]]
//        [--env K=V ...]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Agent, request as httpRequest } from "node:http";
import { setupApprole, entityToken } from "./lib/identity.mjs";
import { ROOT, cpuSeconds, freePort, installCleanup, spawnPinned, stop, waitForOutput } from "./lib/procs.mjs";
import { childToken, startWarden } from "./lib/warden.mjs";

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "16" },
    rounds: { type: "string", default: "5" },
    "cpu-prof": { type: "boolean", default: false },
    vs: { type: "string" },
    "vs-node-arg": { type: "string", multiple: true, default: [] },
    "node-arg": { type: "string", multiple: true, default: [] },
    env: { type: "string", multiple: true, default: [] },
    core: { type: "string" },
  },
});
installCleanup();
const scenario = positionals[0] ?? "lookup-self";
const n = Number(opt.requests);
const conc = Number(opt.concurrency);
const env = Object.fromEntries(opt.env.map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
const tmp = mkdtempSync(join(tmpdir(), "warden-cpu-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
/** The login floor (bench/login-floor.mjs) in place of a warden: it answers the same login request. */
async function startFloor(label, nodeArgs, crypto) {
  const port = await freePort();
  const child = spawnPinned(opt.core, process.execPath, [...nodeArgs, join(ROOT, "bench", "login-floor.mjs"), String(port), join(tmp, label), ...(crypto ? ["--crypto"] : [])]);
  await waitForOutput(child, "listening");
  return { child, url: `http://127.0.0.1:${port}` };
}

/** One server (this build, another build's main, or the login floor) set up for the scenario: its pid and a request maker. */
async function serverFor(main, label, extraArgs = [], floor) {
  const nodeArgs = [...extraArgs, ...(opt["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${join(process.cwd(), "bench", "results", "profiles")}`, `--cpu-prof-name=cpu-${scenario}-${label}.cpuprofile`] : [])];
  const w = floor ? await startFloor(label, nodeArgs, floor === "floor-crypto") : await startWarden({ core: opt.core, dataDir: join(tmp, label), nodeArgs, env, ...(main ? { main } : {}) });
  let make;
  if (floor) {
    if (scenario !== "login-approle") throw new Error("--vs floor compares login-approle only");
    const body = JSON.stringify({ role_id: "bench-role-id", secret_id: "0".repeat(64) });
    make = () => ({ method: "POST", path: "/v1/auth/approle/login", headers: { "content-type": "application/json" }, body });
  } else if (scenario === "lookup-self" || scenario === "lookup-self-entity") {
    const token = scenario === "lookup-self" ? await childToken(w.url) : (await entityToken(w.url)).token;
    make = () => ({ method: "GET", path: "/v1/auth/token/lookup-self", headers: { "x-vault-token": token } });
  } else if (scenario === "health") {
    make = () => ({ method: "GET", path: "/v1/sys/health", headers: {} });
  } else if (scenario === "login-approle") {
    const { body } = await setupApprole(w.url);
    make = () => ({ method: "POST", path: "/v1/auth/approle/login", headers: { "content-type": "application/json" }, body });
  } else throw new Error(`unknown scenario ${scenario}`);
  const agent = new Agent({ keepAlive: true, maxSockets: conc });
  const target = new URL(w.url);
  const send = (r) =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: target.hostname, port: target.port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve(res.statusCode));
      });
      req.on("error", reject);
      req.end(r.body);
    });
  async function fire(count) {
    let next = 0;
    let bad = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        if ((await send(make())) !== 200) bad++;
      }
    };
    await Promise.all(Array.from({ length: conc }, worker));
    if (bad) throw new Error(`${label}: ${bad} non-200 answers`);
  }
  return { label, w, fire, per: [], sys: [], rps: [] };
}

// This build, and with --vs another build's main measured in alternating rounds (same load drift).
const servers = [await serverFor(undefined, "this", opt["node-arg"])];
// --vs this (or any build) with --vs-node-arg: the same build started differently, e.g. metrics off:
//   --vs dist/src/cli/main.js --vs-node-arg=--import --vs-node-arg=./bench/lib/no-metrics-preload.mjs
const PRELOADS = { "no-barrier": "no-barrier-preload.mjs", "no-metrics": "no-metrics-preload.mjs" };
if (opt.vs) {
  const preload = PRELOADS[opt.vs];
  const floor = opt.vs === "floor" || opt.vs === "floor-crypto" ? opt.vs : undefined;
  const main = opt.vs === "this" || preload || floor ? undefined : opt.vs;
  const args = preload ? ["--import", join(ROOT, "bench", "lib", preload), ...opt["vs-node-arg"]] : opt["vs-node-arg"];
  servers.unshift(await serverFor(main, "vs", args, floor));
}
for (const s of servers) await s.fire(Math.min(n, 5000)); // warm-up (JIT, caches)
// For an external profiler (perf record -p): the pids, once warm.
for (const s of servers) console.error(`[cpu-per-request] ${s.label} pid ${s.w.child.pid} warm`);
for (let r = 0; r < Number(opt.rounds); r++) {
  for (const s of servers) {
    const c0 = cpuSeconds(s.w.child.pid);
    const k0 = cpuSeconds(s.w.child.pid, "system");
    const t0 = performance.now();
    await s.fire(n);
    s.rps.push(n / ((performance.now() - t0) / 1000));
    s.per.push(((cpuSeconds(s.w.child.pid) - c0) * 1e6) / n);
    s.sys.push(((cpuSeconds(s.w.child.pid, "system") - k0) * 1e6) / n);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const out = { scenario, requests: n, concurrency: conc };
for (const s of servers) {
  await stop(s.w.child);
  // req/s (wall) is only comparable between alternating rounds of one run: the machine's load moves it.
  // sysUsPerRequest: the kernel's share of it (syscalls: socket, WAL writes, fdatasync).
  out[s.label] = { usPerRequest: Math.round(med(s.per) * 10) / 10, rounds: s.per.map((x) => Math.round(x * 10) / 10), sysUsPerRequest: Math.round(med(s.sys) * 10) / 10, rps: Math.round(med(s.rps)) };
}
if (opt.vs) out.rpsChangePct = Math.round(((out.this.rps - out.vs.rps) / out.vs.rps) * 1000) / 10;
if (opt.vs) out.changePct = Math.round(((out.this.usPerRequest - out.vs.usPerRequest) / out.vs.usPerRequest) * 1000) / 10;
console.log(JSON.stringify(out));

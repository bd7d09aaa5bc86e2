// Server CPU µs per request: a counting measurement that holds on a busy machine, where req/s does not.
// Starts a warden dev server of this build, sets up the
// scenario, sends --requests requests with --concurrency in flight over keep-alive connections from this
// process, and divides the server's CPU time (/proc/<pid>/stat user+system) by the request count.
// Repeats --rounds times and prints the median; --vs <other build's dist/src/cli/main.js> measures that
// build too, alternating rounds with this one (bench/lib/build-at.mjs makes such a build), and prints each
// round's own change, their middle half and whether it tells the change (changeTold: that middle half on
// the change's side of zero; on a host whose speed moves by 2x between rounds a median change of 8 % can
// be noise).
//
//   node bench/cpu-per-request.mjs lookup-self|lookup-self-entity|health|login-approle|login-alicloud
//        [--requests 20000] [--concurrency 16] [--rounds 5] [--cpu-prof]
//        [--vs path|this|no-barrier|no-metrics|floor|floor-crypto [--vs-node-arg A ...]] [--env K=V ...] [--core N] [--floors]
//        [--count-promises]
// --vs no-barrier (or no-metrics) measures this build against itself started with the bench-only
// preload bench/lib/no-barrier-preload.mjs (no-metrics-preload.mjs): the barrier's (metrics') cost.
// --vs floor (floor-crypto) measures login-approle against bench/login-floor.mjs: a node:http server
// storing the same token row the same way and nothing else (with --crypto: plus a login's crypto).
// login-alicloud starts one STS emulator (this build's, bench/sts-emulator.mjs) for every server, pinned
// to another core than --core when --core is given; each login is signed afresh (a nonce is single-use),
// in this process. It also reports the emulator's own CPU per GetCallerIdentity sent to it directly
// (the yardstick of issue 16, in CPU: emulator µs / warden µs is the login ratio a server-bound run
// on a quiet machine would show) and its CPU per login while serving warden. With --floors it measures,
// in the same alternating rounds, the floors of bench/login-floor-server.mjs on the same core: "floor"
// (bare node:http forwarding each login's signed request through a keep-alive client) and
// "floor+store" (the same plus warden's nonce claim and token mint through its own storage) and
// "floor+checks" (that plus every check the AliCloud plugin makes, with the plugin's own functions).
// --count-promises starts every server (and the emulator) with bench/lib/count-promises-preload.mjs and
// reports each one's promises (and await hops) per request, counted over the measured rounds; the
// hooks slow the servers, so such a run's CPU figures are not comparable with a run without them.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Agent, request as httpRequest } from "node:http";
import { setupApprole, entityToken } from "./lib/identity.mjs";
import { availableParallelism } from "node:os";
import { BENCH_ROLE, ROLE_ARN, loginBody, stsPath } from "./lib/bodies.mjs";
import { ROOT, cpuSeconds, freePort, installCleanup, spawnPinned, stop, waitForOutput } from "./lib/procs.mjs";
import { childToken, configureAlicloud, startWarden } from "./lib/warden.mjs";
import { UNBUNDLED_MAIN } from "./lib/unbundled.mjs";
import { median, quantile } from "./lib/rounds.mjs";

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
    floors: { type: "boolean", default: false },
    "count-promises": { type: "boolean", default: false },
  },
});
installCleanup();
const scenario = positionals[0] ?? "lookup-self";
const n = Number(opt.requests);
const conc = Number(opt.concurrency);
const env = Object.fromEntries(opt.env.map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
const tmp = mkdtempSync(join(tmpdir(), "warden-cpu-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
if (opt["count-promises"]) process.env.BENCH_PROMISE_DIR = tmp;

/** The STS emulator logins go to: off the server's core when the server is pinned. */
let sts;
async function stsEmulator() {
  if (sts) return sts;
  const port = await freePort();
  const core = opt.core === undefined ? undefined : (Number(opt.core) + 1) % availableParallelism();
  const child = spawnPinned(core, process.execPath, [...countArgs, join(ROOT, "bench", "sts-emulator.mjs"), String(port)]);
  await waitForOutput(child, "listening");
  sts = { child, port, url: `http://127.0.0.1:${port}` };
  return sts;
}
/** The login floor (bench/login-floor.mjs) in place of a warden: it answers the same login request. */
async function startFloor(label, nodeArgs, crypto) {
  const port = await freePort();
  const child = spawnPinned(opt.core, process.execPath, [...nodeArgs, join(ROOT, "bench", "login-floor.mjs"), String(port), join(tmp, label), ...(crypto ? ["--crypto"] : [])]);
  await waitForOutput(child, "listening");
  return { child, url: `http://127.0.0.1:${port}` };
}

/** With --count-promises: the preload that counts a process's promises (read by promisesSoFar). */
const countArgs = opt["count-promises"] ? ["--import", join(ROOT, "bench", "lib", "count-promises-preload.mjs")] : [];

/** The promises a process started with countArgs has created so far (it answers SIGUSR2 with its count). */
async function promisesSoFar(child) {
  const file = join(tmp, String(child.pid));
  const before = existsSync(file) ? Number(readFileSync(file, "utf8").split(" ")[0]) : 0;
  child.kill("SIGUSR2");
  for (let i = 0; i < 500; i++) {
    if (existsSync(file)) {
      const [seq, count] = readFileSync(file, "utf8").split(" ").map(Number);
      if (seq > before) return count;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`pid ${child.pid} did not report its promise count`);
}

/**
 * node's flags for a measured server: countArgs, and with --cpu-prof those that write its V8 profile at
 * exit as bench/results/profiles/cpu-<scenario>-<label>.cpuprofile.
 */
const instrumentArgs = (label) => [
  ...countArgs,
  ...(opt["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${join(process.cwd(), "bench", "results", "profiles")}`, `--cpu-prof-name=cpu-${scenario}-${label}.cpuprofile`] : []),
];

/** One server (this build, another build's main, or the login floor) set up for the scenario: its pid and a request maker. */
async function serverFor(main, label, extraArgs = [], floor) {
  const nodeArgs = [...extraArgs, ...instrumentArgs(label)];
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
  } else if (scenario === "login-alicloud") {
    const e = await stsEmulator();
    await configureAlicloud(w.url, e.port, BENCH_ROLE, ROLE_ARN);
    make = () => ({ method: "POST", path: "/v1/auth/alicloud/login", headers: { "content-type": "application/json" }, body: loginBody() });
  } else throw new Error(`unknown scenario ${scenario}`);
  return sender(label, w.url, make, { w, child: w.child, login: scenario === "login-alicloud" });
}

/** A floor server of bench/login-floor-server.mjs on the server's core, fed the same login bodies. */
async function floorFor(label, args) {
  const e = await stsEmulator();
  const port = await freePort();
  const child = spawnPinned(opt.core, process.execPath, [...instrumentArgs(label), join(ROOT, "bench", "login-floor-server.mjs"), String(port), String(e.port), ...args]);
  await waitForOutput(child, "listening");
  const make = () => ({ method: "POST", path: "/v1/auth/alicloud/login", headers: { "content-type": "application/json" }, body: loginBody() });
  return sender(label, `http://127.0.0.1:${port}`, make, { child, login: true });
}

/** `fire(count)`: count requests made by `make`, `conc` in flight over keep-alive connections. */
function sender(label, url, make, extra) {
  const agent = new Agent({ keepAlive: true, maxSockets: conc });
  const target = new URL(url);
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
  return { label, ...extra, fire, per: [], sys: [], rps: [], emu: [], promises: [] };
}

// This build, and with --vs another build's main measured in alternating rounds (same load drift).
// Against a preload (no-barrier, no-metrics), both sides run unbundled: the preload patches dist/src
// modules, which the bundle does not run.
const PRELOADS = { "no-barrier": "no-barrier-preload.mjs", "no-metrics": "no-metrics-preload.mjs" };
const thisMain = PRELOADS[opt.vs] ? UNBUNDLED_MAIN : undefined;
const servers = [await serverFor(thisMain, "this", opt["node-arg"])];
// --vs this (or any build) with --vs-node-arg: the same build started differently, e.g. metrics off:
//   --vs dist/src/cli/main.js --vs-node-arg=--import --vs-node-arg=./bench/lib/no-metrics-preload.mjs
if (opt.vs) {
  const preload = PRELOADS[opt.vs];
  const floor = opt.vs === "floor" || opt.vs === "floor-crypto" ? opt.vs : undefined;
  const main = preload ? UNBUNDLED_MAIN : opt.vs === "this" || floor ? undefined : opt.vs;
  const args = preload ? ["--import", join(ROOT, "bench", "lib", preload), ...opt["vs-node-arg"]] : opt["vs-node-arg"];
  servers.unshift(await serverFor(main, "vs", args, floor));
}
if (opt.floors && scenario === "login-alicloud") {
  servers.push(await floorFor("floor", []));
  mkdirSync(join(tmp, "floor-store"));
  servers.push(await floorFor("floor+store", ["--store", join(tmp, "floor-store")]));
  mkdirSync(join(tmp, "floor-checks"));
  servers.push(await floorFor("floor+checks", ["--store", join(tmp, "floor-checks"), "--checks"]));
}
// login-alicloud: the yardstick, the emulator's CPU per GetCallerIdentity sent straight to it (the
// request warden forwards: POST, every parameter in the query), measured in the same rounds.
let direct;
if (sts) {
  direct = sender("sts-direct", sts.url, () => ({ method: "POST", path: stsPath(), headers: {} }), { child: sts.child });
  servers.push(direct);
}
for (const s of servers) await s.fire(Math.min(n, 5000)); // warm-up (JIT, caches)
// For an external profiler (perf record -p): the pids, once warm.
for (const s of servers) console.error(`[cpu-per-request] ${s.label} pid ${s.child.pid} warm`);
for (let r = 0; r < Number(opt.rounds); r++) {
  // Every other round in the reverse order: a side that always ran right after another (its disk
  // syncs, the emulator's warm state, the host's drift within a round) would carry an order effect.
  for (const s of r % 2 === 0 ? servers : [...servers].reverse()) {
    // Read before the CPU counters: the count's signal and file write stay outside the measured window.
    const p0 = opt["count-promises"] ? await promisesSoFar(s.child) : 0;
    const c0 = cpuSeconds(s.child.pid);
    const k0 = cpuSeconds(s.child.pid, "system");
    const e0 = sts ? cpuSeconds(sts.child.pid) : 0;
    const t0 = performance.now();
    await s.fire(n);
    s.rps.push(n / ((performance.now() - t0) / 1000));
    s.per.push(((cpuSeconds(s.child.pid) - c0) * 1e6) / n);
    s.sys.push(((cpuSeconds(s.child.pid, "system") - k0) * 1e6) / n);
    if (sts) s.emu.push(((cpuSeconds(sts.child.pid) - e0) * 1e6) / n);
    if (opt["count-promises"]) s.promises.push(((await promisesSoFar(s.child)) - p0) / n);
  }
}
const r1 = (x) => Math.round(x * 10) / 10;
const out = { scenario, requests: n, concurrency: conc };
for (const s of servers) {
  if (s !== direct) await stop(s.child);
  // req/s (wall) is only comparable between alternating rounds of one run: the machine's load moves it.
  // sysUsPerRequest: the kernel's share of it (syscalls: socket, WAL writes, fdatasync).
  out[s.label] = { usPerRequest: r1(median(s.per)), rounds: s.per.map(r1), sysUsPerRequest: r1(median(s.sys)), rps: Math.round(median(s.rps)) };
  if (s.login) out[s.label].stsUsPerLogin = r1(median(s.emu));
  if (opt["count-promises"]) out[s.label].promisesPerRequest = r1(median(s.promises));
}
if (sts) {
  await stop(sts.child);
  // What a server-bound run would show as "login / emulator" if each had a core to itself.
  for (const s of servers) if (s.login) out[s.label].cpuRatioVsEmulator = Math.round((out["sts-direct"].usPerRequest / out[s.label].usPerRequest) * 100) / 100;
}
if (opt.vs) out.rpsChangePct = Math.round(((out.this.rps - out.vs.rps) / out.vs.rps) * 1000) / 10;
if (opt.vs) {
  out.changePct = Math.round(((out.this.usPerRequest - out.vs.usPerRequest) / out.vs.usPerRequest) * 1000) / 10;
  // Each round's own change (this build against the other in the same round) and the middle half of
  // those: on a host whose speed moves between rounds, a change is only told when that middle half
  // lies on one side of zero (the same rule as the bench's verdicts, bench/lib/rounds.mjs judge).
  const [mine, theirs] = [servers.find((s) => s.label === "this"), servers.find((s) => s.label === "vs")];
  const changes = mine.per.map((u, i) => ((u - theirs.per[i]) / theirs.per[i]) * 100);
  out.roundsChangePct = changes.map(r1);
  if (changes.length >= 3) {
    out.changeMiddlePct = [r1(quantile(changes, 0.25)), r1(quantile(changes, 0.75))];
    // Told: the middle half on the same side of zero as the change of the medians.
    out.changeTold = out.changePct > 0 ? out.changeMiddlePct[0] > 0 : out.changePct < 0 && out.changeMiddlePct[1] < 0;
  }
}
console.log(JSON.stringify(out));

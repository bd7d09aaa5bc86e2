// warden benchmarks: real servers pinned to one core (taskset), the load generator on another,
// everything on 127.0.0.1, every run bounded. Reports RATIOS against yardsticks measured in the same
// run (a bare node:http server; the STS emulator's own rate), never absolute numbers alone. The machine's
// speed drifts over minutes, so a ratio's yardstick is measured in rounds with its subject (yardstick S s,
// subject S s, --ratio-rounds times; bench/lib/rounds.mjs): each round's ratio against that round's
// yardstick, the median of those ratios reported (and req/s, p50, p99, CPU as medians over the rounds).
// The bare server starts (and warms up) once per run and idles between its rounds.
//
//   npm run bench                         # every scenario
//   npm run bench -- lookup-self          # one (or several) of: health lookup-self statements login-alicloud
//                                         #   login-approle login-jwt oidc-token-mint login-oci login-floor barrier
//                                         #   metrics startup-1m cluster
//   options: --seconds 5 --warmup 2 --connections 50 --tool wrk|autocannon --rows 1000000
//            --before <git ref> (barrier: also against that release, e.g. a23c08f^1; by default only
//                               against this build with the barrier as a pass-through)
//            --rounds N (barrier, metrics: alternating rounds per side, each side's median; default 9 for
//                        the barrier, whose AppRole rounds move by ~6 % against a 5 % target, 5 for metrics)
//            --ratio-rounds N (every ratio against bare node:http or the STS emulator: N rounds of the
//                              yardstick then the subject, --seconds each, after each server's warm-up;
//                              the ratio is the median of the per-round ratios; default 5, so that the
//                              middle half of the rounds says whether the run can tell a verdict)
//            --server-core 0 --loader-core 1 --sts-core 1 --cpu-prof (profile each warden under load)
//
// Needs a build (dist/). Writes bench/results/latest.json and bench/results/latest.md.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_ROLE, ROLE_ARN, loginBody, stsPath, writeLines } from "./lib/bodies.mjs";
import { runLoad } from "./lib/load.mjs";
import { ROOT, freePort, installCleanup, machineInfo, spawnPinned, stop, tasksetAvailable, waitForOutput } from "./lib/procs.mjs";
import { topFrames } from "./lib/profile-top.mjs";
import { stageBudget, stageTable } from "./lib/stage-budget.mjs";
import { dbSizeMiB, fillTokens, initDataDir, timeBareStart, timeWardenStart } from "./lib/startup.mjs";
import { ROOT_TOKEN, api, childToken, configureAlicloud, startWarden } from "./lib/warden.mjs";
import { countStatements } from "./count-statements.mjs";
import { startPgNodes } from "./lib/cluster.mjs";
import { IDENTITY_SCENARIOS, IDENTITY_TARGETS, entityToken, identityNotes, identityRows, identityScenarios } from "./lib/identity.mjs";
import { barrierMarkdown, barrierScenario } from "./lib/barrier.mjs";
import { metricsMarkdown, metricsScenario } from "./lib/metrics-cost.mjs";
import { interleave, judge, median, summarise, usPer, verdictText } from "./lib/rounds.mjs";

const SCENARIOS = ["health", "lookup-self", "statements", "login-alicloud", ...IDENTITY_SCENARIOS, "login-floor", "barrier", "metrics", "startup-1m", "cluster"];
const TARGETS = {
  "lookup-self": { ratio: 0.5, vs: "bare node:http" },
  "login-alicloud": { ratio: 0.6, vs: "STS emulator" },
  "startup-1m": { maxMs: 400 },
  ...IDENTITY_TARGETS,
};

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
    tool: { type: "string" },
    rows: { type: "string", default: "1000000" },
    before: { type: "string" },
    rounds: { type: "string" },
    "ratio-rounds": { type: "string", default: "5" },
    "server-core": { type: "string", default: "0" },
    "loader-core": { type: "string", default: "1" },
    "sts-core": { type: "string", default: "1" },
    "cpu-prof": { type: "boolean", default: false },
  },
});

// The orchestrator itself (polling, fetches) stays off the server's core.
if (!process.env.WARDEN_BENCH_CHILD && tasksetAvailable()) {
  const r = spawnSync("taskset", ["-c", opt["loader-core"], process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, WARDEN_BENCH_CHILD: "1" },
  });
  process.exit(r.status ?? 1);
}

installCleanup();
const wanted = positionals.length ? positionals : SCENARIOS;
for (const s of wanted) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario "${s}"; one of ${SCENARIOS.join(", ")}`);
const seconds = Number(opt.seconds);
const warmup = Number(opt.warmup);
const connections = Number(opt.connections);
const ratioRounds = Number(opt["ratio-rounds"]);
if (!Number.isInteger(ratioRounds) || ratioRounds < 1) throw new Error(`--ratio-rounds: a whole number >= 1 (got ${opt["ratio-rounds"]})`);
const SERVER = Number(opt["server-core"]);
const LOADER = Number(opt["loader-core"]);
const STS_CORE = Number(opt["sts-core"]);
const machine = machineInfo();
const tool = opt.tool ?? (machine.wrk ? "wrk" : "autocannon");
if (tool === "wrk" && !machine.wrk) throw new Error("--tool wrk: wrk is not installed (apt-get install -y wrk)");
// The floors' rounds (lookup-self's, the AliCloud login's) are shorter: they only bound the picture.
const FLOOR_SECONDS = Math.max(2, Math.min(seconds, 4));
const LOOKUP_FLOORS = ["hmac", "read", "json", "hmac,read,json", "hmac,narrow,splice"];
/**
 * bare node:http plus this many µs of pure computation per answer (bench/bare-server.mjs): what any
 * work added to node:http costs per request under this load, which is more than the work itself when
 * the load generator waits for a slower server (its wake-up is charged to the server's socket write).
 */
const COMPUTE_FLOORS = [5, 10];
const tmp = mkdtempSync(join(tmpdir(), "warden-bench-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const profDir = join(ROOT, "bench", "results", "profiles");
const wardenNodeArgs = (name) => (opt["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}.cpuprofile`] : []);

const log = (...a) => console.error("[bench]", ...a);
const loadNow = () => loadavg().map((x) => Math.round(x * 100) / 100);
const results = { date: new Date().toISOString(), load: { start: loadNow() }, machine, tool, seconds, warmup, connections, ratioRounds, floorSeconds: FLOOR_SECONDS, cores: { server: SERVER, loader: LOADER, sts: STS_CORE }, scenarios: {} };

/** Warm-up then the measured run, same target, same loader. */
async function measure(label, load) {
  log(`${label}: warm-up ${warmup}s`);
  if (warmup > 0) await runLoad({ ...load, seconds: warmup, linesFile: load.warmLinesFile ?? load.linesFile });
  log(`${label}: ${seconds}s with ${connections} connections (${tool})`);
  const r = await runLoad({ ...load, seconds });
  log(`${label}: ${r.rps} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}, cpu ${JSON.stringify(r.cpu_pct)}`);
  return r;
}

const base = { tool, connections, loaderCore: LOADER };

/**
 * With --cpu-prof: stops the server (V8 writes its profile at exit) and reads it: top frames, and the
 * per-request CPU budget by stage (stage-budget.mjs), scaled to the server's CPU per request in the
 * measured run `r` (CPU share / req/s). The profile spans the server's life (set-up, warm-up, and for
 * lookup-self both tokens' runs), the budget is dominated by the measured load.
 */
async function withProfile(name, child, r) {
  if (!opt["cpu-prof"]) return undefined;
  await stop(child);
  const f = readdirSync(profDir).find((x) => x === `${name}.cpuprofile`);
  if (!f) return undefined;
  const usPerRequest = r?.cpu_pct?.server && r.rps ? Math.round(((r.cpu_pct.server / 100) * 1e6) / r.rps) : undefined;
  return { file: `bench/results/profiles/${f}`, top: topFrames(join(profDir, f), 15), usPerRequest, stages: usPerRequest ? stageBudget(join(profDir, f), usPerRequest) : undefined };
}

/**
 * The bare node:http yardstick: started and warmed up once per run, on the server core, and kept up
 * (idle between its rounds) until the run ends. Every ratio against it is measured in rounds with its
 * subject (againstBare); results.scenarios.bare summarises all its rounds of the run.
 */
let bareSide;
const bareRuns = [];
async function bare() {
  if (bareSide) return bareSide;
  const port = await freePort();
  const child = spawnPinned(SERVER, process.execPath, [join(ROOT, "bench", "bare-server.mjs"), String(port)]);
  await waitForOutput(child, "listening");
  const load = { ...base, url: `http://127.0.0.1:${port}`, method: "GET", path: "/v1/sys/health", watch: { server: child.pid } };
  log(`bare node:http: warm-up ${warmup}s (once for the run; it stays up, idle between its rounds)`);
  const warm = warmup > 0 ? await runLoad({ ...load, seconds: warmup }) : undefined;
  bareSide = { name: "bare node:http", id: "bare", load, warm: false, child, peak: warm?.rps ?? 0 };
  return bareSide;
}

/**
 * `subjects` (interleave's sides, warmed up once here) against bare node:http in --ratio-rounds rounds:
 * bare, then each subject, each round. Returns each subject's summary by name (median req/s, p50,
 * p99 and CPU; baselineRps the median of ITS bare rounds; ratio the median of its per-round ratios).
 */
async function againstBare(label, subjects, { seconds: secs = seconds } = {}) {
  const b = await bare();
  const r = await interleave({ label, baseline: { ...b, seconds: secs }, subjects, rounds: ratioRounds, seconds: secs, warmup, log });
  bareRuns.push(...r.runs.baseline);
  b.peak = Math.max(b.peak, ...r.runs.baseline.map((x) => x.rps));
  results.scenarios.bare = { ...summarise(bareRuns), rounds_rps: bareRuns.map((x) => x.rps) };
  return r.subjects;
}

const withTarget = (x, target) => ({ ...x, target, ...judge(x.rounds?.map((r) => r.ratio) ?? [], x.ratio, target, true) });

async function scenarioHealth() {
  const w = await startWarden({ core: SERVER, dataDir: join(tmp, "health"), nodeArgs: wardenNodeArgs("health") });
  const { health: r } = await againstBare("health", [{ name: "health", load: { ...base, url: w.url, method: "GET", path: "/v1/sys/health", watch: { server: w.child.pid } } }]);
  r.profile = await withProfile("health", w.child, r);
  await stop(w.child);
  results.scenarios.health = r;
}

async function scenarioLookup() {
  const w = await startWarden({ core: SERVER, dataDir: join(tmp, "lookup"), nodeArgs: wardenNodeArgs("lookup-self") });
  const token = await childToken(w.url);
  // The same request for a token that carries an entity (an approle login token): entity resolution
  // (identity policies, disabled check) must not make lookup-self slower. Both in the same rounds.
  const { token: withEntity } = await entityToken(w.url);
  const lookup = (t) => ({ ...base, url: w.url, method: "GET", path: "/v1/auth/token/lookup-self", headers: { "X-Vault-Token": t }, watch: { server: w.child.pid } });
  const got = await againstBare("lookup-self", [
    { name: "lookup-self", load: lookup(token) },
    { name: "lookup-self-entity", load: lookup(withEntity) },
  ]);
  const { data: looked } = await api(w.url, "GET", "auth/token/lookup-self", { token });
  const r = got["lookup-self"];
  r.profile = await withProfile("lookup-self", w.child, r);
  await stop(w.child);
  results.scenarios["lookup-self"] = withTarget(r, TARGETS["lookup-self"].ratio);
  results.scenarios["lookup-self-entity"] = withTarget(got["lookup-self-entity"], TARGETS["lookup-self"].ratio);
  await lookupFloors(join(tmp, "lookup", "warden.db"), token, looked.accessor);
}

/** Server CPU µs per request of a measured run (CPU share of the server's core over req/s). */
const usPerRequest = (x) => (x?.cpu_pct?.server && x.rps ? Math.round(((x.cpu_pct.server / 100) * 1e7) / x.rps) / 10 : null);

/**
 * The floor of a lookup-self under the same load (bench/lib/floor-server.mjs on warden's database, the
 * same token): bare node:http plus one stage of a lookup's work (the token's HMAC, the one prepared read,
 * the JSON answer built from the row), then all three, then what a lookup that reads the token's changing
 * columns on every request must do (warden on SQLite reads once per snapshot when nothing was written:
 * SqliteTokenStore.peek); then bare with COMPUTE_FLOORS µs of computation added.
 * All these servers up at once (idle but the one measured), in the same rounds as bare, FLOOR_SECONDS each.
 */
async function lookupFloors(dbPath, token, accessor) {
  const children = {};
  try {
    for (const stages of LOOKUP_FLOORS) {
      const port = await freePort();
      const child = spawnPinned(SERVER, process.execPath, [join(ROOT, "bench", "lib", "floor-server.mjs"), String(port), dbPath, accessor, stages]);
      await waitForOutput(child, "listening");
      children[stages] = { child, port };
    }
    for (const us of COMPUTE_FLOORS) {
      const port = await freePort();
      const child = spawnPinned(SERVER, process.execPath, [join(ROOT, "bench", "bare-server.mjs"), String(port), String(us)]);
      await waitForOutput(child, "listening");
      children[`compute ${us}`] = { child, port };
    }
    const names = Object.keys(children);
    const got = await againstBare(
      "lookup floors",
      names.map((name) => ({ name, load: { ...base, url: `http://127.0.0.1:${children[name].port}`, method: "GET", path: "/v1/auth/token/lookup-self", headers: { "X-Vault-Token": token }, watch: { server: children[name].child.pid } } })),
      { seconds: FLOOR_SECONDS },
    );
    const out = {};
    for (const name of names) out[name] = { ...got[name], usPerRequest: usPerRequest(got[name]) };
    results.scenarios["lookup-floor"] = out;
  } finally {
    for (const c of Object.values(children)) await stop(c.child);
  }
}

async function scenarioStatements() {
  log("statements: counting SQLite statements per request (preload wrapper, unpinned, sequential requests)");
  const r = await countStatements({ requests: 500 });
  for (const [k, v] of Object.entries(r)) log(`statements: ${k} = ${v.perRequest}/request`);
  results.scenarios.statements = r;
}

async function lines(name, count, make) {
  log(`signing ${count} fresh requests for ${name}`);
  return writeLines(join(tmp, `${name}.lines`), count, make);
}

async function scenarioLogin() {
  const procs = [];
  const files = [];
  try {
    // 1. The yardstick: the emulator alone on the server core, fed freshly signed GetCallerIdentity calls
    //    (exactly the request warden forwards: POST, every parameter in the query). It stays up, idle
    //    while the logins of its round run.
    const yport = await freePort();
    const yard = spawnPinned(SERVER, process.execPath, [join(ROOT, "bench", "sts-emulator.mjs"), String(yport)]);
    procs.push(yard);
    await waitForOutput(yard, "listening");
    const stsLoad = { ...base, url: `http://127.0.0.1:${yport}`, method: "POST", path: "/", mode: "path", watch: { server: yard.pid } };
    const warmFile = await lines("sts-warm", Math.max(20_000, warmup * 40_000), stsPath);
    log("STS emulator: warm-up");
    const warm = await runLoad({ ...stsLoad, seconds: Math.max(1, warmup), linesFile: warmFile });
    rmSync(warmFile, { force: true });

    // 2. warden logins through an emulator of their own on the STS core (it shares the loader's).
    const port = await freePort();
    const sts = spawnPinned(STS_CORE, process.execPath, [join(ROOT, "bench", "sts-emulator.mjs"), String(port)]);
    procs.push(sts);
    await waitForOutput(sts, "listening");
    const w = await startWarden({ core: SERVER, dataDir: join(tmp, "login"), nodeArgs: wardenNodeArgs("login-alicloud") });
    procs.push(w.child);
    await configureAlicloud(w.url, port, BENCH_ROLE, ROLE_ARN);

    // 3. The floors (bench/login-floor-server.mjs) on the same cores, through the same emulator: what
    //    any proxying login costs on this stack, then with warden's two writes (nonce claim, token), then
    //    with every check the AliCloud plugin makes (the plugin's own functions, no framework around them).
    mkdirSync(join(tmp, "floor-store"), { recursive: true });
    mkdirSync(join(tmp, "floor-checks"), { recursive: true });
    const floors = {};
    const floorArgs = [
      ["login-alicloud-floor", []],
      ["login-alicloud-floor-store", ["--store", join(tmp, "floor-store")]],
      ["login-alicloud-floor-checks", ["--store", join(tmp, "floor-checks"), "--checks"]],
    ];
    for (const [name, args] of floorArgs) {
      const fport = await freePort();
      // Profiled like warden with --cpu-prof: the stage table then shows each stage's floor beside warden's.
      const child = spawnPinned(SERVER, process.execPath, [...wardenNodeArgs(name), join(ROOT, "bench", "login-floor-server.mjs"), String(fport), String(port), ...args]);
      procs.push(child);
      await waitForOutput(child, "listening");
      floors[name] = { url: `http://127.0.0.1:${fport}`, pid: child.pid, child };
    }

    // Every line is a fresh signature (nonces are single use), signed before each round for that round:
    // a side's lines are sized from the highest rate it has shown so far (warm-up, earlier rounds) with
    // room to spare; in the first round, which follows only a short warm-up (a fresh server still
    // climbs), the emulator's lines with more room and the logins' at least from the emulator's rate.
    const cap = Math.max(warm.rps, 1000) * 1.6;
    const peak = { "sts-emulator": warm.rps };
    const seen = (name) => (r) => (peak[name] = Math.max(peak[name] ?? 0, r.rps));
    const roundFile = {};
    const login = (url, pid) => ({ ...base, url, method: "POST", path: "/v1/auth/alicloud/login", headers: { "Content-Type": "application/json" }, mode: "body", watch: { server: pid, sts: sts.pid } });
    const loginSide = (name, url, pid, secs, warmSecs) => ({
      name,
      seconds: secs,
      load: () => ({ ...login(url, pid), linesFile: roundFile[name] }),
      onResult: seen(name),
      warm: async () => {
        const f = await lines(`${name}-warm`, Math.ceil(cap * warmSecs) + 2000, loginBody);
        seen(name)(await runLoad({ ...login(url, pid), seconds: warmSecs, linesFile: f }));
        rmSync(f, { force: true });
      },
    });
    const yardstick = { name: "STS emulator", id: "sts-emulator", warm: false, load: () => ({ ...stsLoad, linesFile: roundFile["sts-emulator"] }), onResult: seen("sts-emulator") };
    const subjects = [
      loginSide("login-alicloud", w.url, w.child.pid, seconds, Math.max(1, warmup)),
      ...Object.entries(floors).map(([name, f]) => loginSide(name, f.url, f.pid, FLOOR_SECONDS, 1)),
    ];
    const prepare = async (i) => {
      for (const f of files.splice(0)) rmSync(f, { force: true });
      for (const side of [yardstick, ...subjects]) {
        const name = side.id ?? side.name;
        const rate = Math.max(peak[name] ?? 0, 1000) * (i === 0 && side === yardstick ? 2.5 : 1.6);
        const count = Math.ceil(Math.max(rate, i === 0 && side !== yardstick ? cap : 0) * (side.seconds ?? seconds)) + 5000;
        roundFile[name] = await lines(`${name}-round${i + 1}`, count, side === yardstick ? stsPath : loginBody);
        files.push(roundFile[name]);
      }
    };
    const r = await interleave({ label: "alicloud login", baseline: yardstick, subjects, rounds: ratioRounds, seconds, warmup, log, prepare });
    results.scenarios["sts-emulator"] = { ...r.baseline, rounds_rps: r.runs.baseline.map((x) => x.rps) };
    const main = r.subjects["login-alicloud"];
    main.profile = await withProfile("login-alicloud", w.child, main);
    results.scenarios["login-alicloud"] = { ...withTarget(main, TARGETS["login-alicloud"].ratio), cpu: cpuVersus(r.runs["login-alicloud"], r.runs.baseline) };
    for (const name of Object.keys(floors)) {
      const floor = r.subjects[name];
      floor.profile = await withProfile(name, floors[name].child, floor);
      results.scenarios[name] = { ...floor, cpu: cpuVersus(r.runs[name], r.runs.baseline) };
    }
  } finally {
    for (const c of procs.reverse()) await stop(c);
    for (const f of files) rmSync(f, { force: true });
  }
}

/**
 * The same comparison in CPU: server µs per request (its CPU share over its rate) against the
 * emulator's own µs per GetCallerIdentity. Their ratio is what req/s would show with each on a core of
 * its own, so it holds when the emulator (sharing the loader's core in the login run) is the limit.
 * Per round, against that round's emulator; the medians over the rounds.
 */
function cpuVersus(runs, emuRuns) {
  const mine = runs.map((r) => usPer(r));
  const theirs = emuRuns.map((r) => usPer(r));
  if ([...mine, ...theirs].some((x) => x === undefined)) return undefined;
  return {
    usPerRequest: Math.round(median(mine)),
    emulatorUsPerRequest: Math.round(median(theirs)),
    ratio: round(median(mine.map((m, i) => theirs[i] / m))),
    rounds: mine.map((m, i) => round(theirs[i] / m)),
  };
}

/**
 * The floor of an AppRole login on this storage (bench/login-floor.mjs): a node:http server that only
 * stores the login's token row as warden does (same adapter, indexes, group commit and fdatasync) and
 * answers; with --crypto also the login's unavoidable crypto (token id and its HMAC, the secret id's
 * HMAC, one AES-GCM seal). What the storage alone allows, against the same bare yardstick (both servers
 * up at once, in the same rounds).
 */
async function scenarioLoginFloor() {
  const body = JSON.stringify({ role_id: "bench-role-id", secret_id: "0".repeat(64) });
  const linesFile = await writeLines(join(tmp, "floor.lines"), 300_000, () => body);
  const children = [];
  try {
    const subjects = [];
    for (const [name, extra] of [["store", []], ["crypto", ["--crypto"]]]) {
      const port = await freePort();
      const child = spawnPinned(SERVER, process.execPath, [join(ROOT, "bench", "login-floor.mjs"), String(port), mkdtempSync(join(tmp, "floor-")), ...extra]);
      children.push(child);
      await waitForOutput(child, "listening");
      subjects.push({ name, load: { ...base, url: `http://127.0.0.1:${port}`, method: "POST", path: "/v1/auth/approle/login", headers: { "Content-Type": "application/json" }, mode: "body", linesFile, watch: { server: child.pid } } });
    }
    results.scenarios["login-floor"] = await againstBare("login floor", subjects);
  } finally {
    for (const c of children) await stop(c);
  }
}

async function scenarioStartup() {
  const rows = Number(opt.rows);
  const dir = join(tmp, "startup");
  mkdirSync(dir, { recursive: true });
  await initDataDir(dir);
  const runs = 3;
  const bareStart = [];
  const empty = [];
  for (let i = 0; i < runs; i++) bareStart.push((await timeBareStart(SERVER)).ms);
  for (let i = 0; i < runs; i++) empty.push((await timeWardenStart(dir, SERVER)).ms);
  log(`startup: bare node ${median(bareStart)} ms, warden on an empty db ${median(empty)} ms; inserting ${rows} token rows`);
  const fill = fillTokens(dir, rows);
  // Flush the freshly written GB to disk first: otherwise the first start's fsync waits on writeback.
  spawnSync("sync");
  const size = dbSizeMiB(dir);
  log(`startup: inserted ${fill.count} rows in ${fill.insertMs} ms, db ${size} MiB`);
  const full = [];
  let rss = null;
  for (let i = 0; i < runs; i++) {
    const r = await timeWardenStart(dir, SERVER);
    full.push(r.ms);
    rss = r.rssMiB;
  }
  // The profiled start is an extra, untimed run: --cpu-prof slows start-up itself.
  if (opt["cpu-prof"]) await timeWardenStart(dir, SERVER, wardenNodeArgs("startup-1m"));
  const ms = median(full);
  log(`startup: ${fill.count} tokens -> first healthy answer in ${full.join(", ")} ms (median ${ms})`);
  const lookup = await lookupP99(dir);
  const profile = opt["cpu-prof"] ? { file: "bench/results/profiles/startup-1m.cpuprofile", top: topFrames(join(profDir, "startup-1m.cpuprofile"), 15) } : undefined;
  results.scenarios["startup-1m"] = {
    rows: fill.count,
    dbMiB: size,
    insertMs: fill.insertMs,
    runsMs: full,
    ms,
    maxMs: Math.max(...full),
    emptyDbMs: median(empty),
    bareNodeMs: median(bareStart),
    rssMiB: rss,
    lookup,
    target: TARGETS["startup-1m"].maxMs,
    pass: ms < TARGETS["startup-1m"].maxMs,
    profile,
  };
}

const round = (x) => Math.round(x * 100) / 100;

/**
 * lookup-self latency with the 1M-token store against an empty one, at the SAME offered rate (half
 * of what the empty store serves flat out, so neither is saturated and the p99 shows stalls, not
 * queueing), measured alternately: empty, full, empty, full. Target: the full store's p99 within 2x.
 */
async function lookupP99(fullDir) {
  const emptyDir = join(tmp, "startup-empty");
  mkdirSync(emptyDir, { recursive: true });
  const servers = {};
  try {
    for (const [name, dataDir] of [["empty", emptyDir], ["full", fullDir]]) {
      const w = await startWarden({ core: SERVER, dataDir, nodeArgs: wardenNodeArgs(`lookup-${name}`) });
      servers[name] = { w, token: await childToken(w.url) };
    }
    const load = (name) => ({ ...base, url: servers[name].w.url, method: "GET", path: "/v1/auth/token/lookup-self", headers: { "X-Vault-Token": servers[name].token }, watch: { server: servers[name].w.child.pid } });
    const flat = await runLoad({ ...load("empty"), seconds: Math.max(2, warmup) });
    const rate = Math.max(100, Math.round(flat.rps / 2));
    if (warmup > 0) await runLoad({ ...load("full"), seconds: warmup, rate });
    const runs = { empty: [], full: [] };
    for (const name of ["empty", "full", "empty", "full"]) {
      const r = await runLoad({ ...load(name), seconds: Math.max(2, seconds / 2), rate });
      log(`startup lookup-self at ${rate} req/s, ${name} store: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, max ${r.max_ms} ms, ${r.rps} req/s, non-2xx ${r.non2xx}`);
      runs[name].push(r);
    }
    const sum = (rs) => ({ rps: Math.round(rs.reduce((a, r) => a + r.rps, 0) / rs.length), p50_ms: Math.max(...rs.map((r) => r.p50_ms)), p99_ms: Math.max(...rs.map((r) => r.p99_ms)), max_ms: Math.max(...rs.map((r) => r.max_ms)), non2xx: rs.reduce((a, r) => a + r.non2xx, 0) });
    const out = { rate, empty: sum(runs.empty), full: sum(runs.full) };
    out.p99Ratio = round(out.full.p99_ms / out.empty.p99_ms);
    out.pass = out.p99Ratio <= 2 && out.full.non2xx === 0;
    return out;
  } finally {
    for (const s of Object.values(servers)) await stop(s.w.child);
  }
}

if (opt["cpu-prof"]) mkdirSync(profDir, { recursive: true });
/**
 * Multi-node: approle login and lookup-self with 1, 2 and 3 nodes on one PostgreSQL database, against
 * 1 node on SQLite measured in the same run. The load is split evenly over the nodes (one loader per
 * node, connections divided); the nodes share the server core(s), PostgreSQL runs unpinned.
 */
async function scenarioCluster() {
  const secrets = Number(opt.seconds);
  const bodyLines = (file, body) => writeLines(join(tmp, file), 300_000, () => body);
  async function prepare(url, token) {
    await api(url, "POST", "sys/auth/approle", { token, body: { type: "approle" } });
    await api(url, "POST", "auth/approle/role/bench", { token, body: { role_id: "bench-role-id", token_policies: ["default"], token_ttl: "1h" } });
    const secret = (await api(url, "POST", "auth/approle/role/bench/secret-id", { token, body: {} })).data.secret_id;
    const child = (await api(url, "POST", "auth/token/create", { token, body: { policies: ["default"], ttl: "1h" } })).auth.client_token;
    return { body: JSON.stringify({ role_id: "bench-role-id", secret_id: secret }), child };
  }
  async function loadAll(label, urls, pids, kind, setup) {
    const per = Math.max(1, Math.floor(connections / urls.length));
    const linesFile = kind === "login" ? await bodyLines(`approle-${label}.lines`, setup.body) : undefined;
    const one = (url) =>
      kind === "login"
        ? { ...base, connections: per, url, method: "POST", path: "/v1/auth/approle/login", headers: { "content-type": "application/json" }, linesFile, mode: "body" }
        : { ...base, connections: per, url, method: "GET", path: "/v1/auth/token/lookup-self", headers: { "X-Vault-Token": setup.child } };
    if (warmup > 0) await Promise.all(urls.map((u) => runLoad({ ...one(u), seconds: warmup })));
    log(`cluster ${label} ${kind}: ${secrets}s, ${urls.length} node(s) x ${per} connections`);
    const rs = await Promise.all(urls.map((u, i) => runLoad({ ...one(u), seconds: secrets, watch: { server: pids[i] } })));
    return {
      rps: rs.reduce((a, r) => a + r.rps, 0),
      p50_ms: Math.max(...rs.map((r) => r.p50_ms)),
      p99_ms: Math.max(...rs.map((r) => r.p99_ms)),
      non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
      errors: rs.reduce((a, r) => a + r.errors, 0),
      server_cpu_pct: rs.map((r) => r.cpu_pct.server),
    };
  }
  const out = {};
  const sq = await startWarden({ core: SERVER, dataDir: join(tmp, "cluster-sqlite") });
  const sqSetup = await prepare(sq.url, ROOT_TOKEN);
  for (const kind of ["login", "lookup"]) out[`sqlite-1 ${kind}`] = await loadAll("sqlite-1", [sq.url], [sq.child.pid], kind, sqSetup);
  await stop(sq.child);
  for (const n of [1, 2, 3]) {
    const c = await startPgNodes(n, { core: SERVER, tmp });
    try {
      const setup = await prepare(c.urls[0], c.root);
      for (const kind of ["login", "lookup"]) out[`postgresql-${n} ${kind}`] = await loadAll(`postgresql-${n}`, c.urls, c.pids, kind, setup);
    } finally {
      await c.close();
    }
  }
  for (const [k, v] of Object.entries(out)) {
    const kind = k.split(" ")[1];
    v.ratio_vs_sqlite_1 = round(v.rps / out[`sqlite-1 ${kind}`].rps);
  }
  results.scenarios.cluster = out;
}

const identity = identityScenarios({ tmp, SERVER, STS_CORE, seconds, warmup, base, measure, bare, againstBare, withTarget, wardenNodeArgs, withProfile, results, log });
const rounds = opt.rounds === undefined ? undefined : Number(opt.rounds);
const barrier = barrierScenario({ tmp, SERVER, seconds, warmup, base, results, log, before: opt.before, rounds: rounds ?? 9 });
const metrics = metricsScenario({ tmp, SERVER, seconds, warmup, base, results, log, rounds: rounds ?? 5 });
const run = { ...identity, barrier, metrics, "login-floor": scenarioLoginFloor, cluster: scenarioCluster, health: scenarioHealth, "lookup-self": scenarioLookup, statements: scenarioStatements, "login-alicloud": scenarioLogin, "startup-1m": scenarioStartup };
function save() {
  results.load.end = loadNow();
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results", "latest.json"), JSON.stringify(results, null, 2) + "\n");
  writeFileSync(join(ROOT, "bench", "results", "latest.md"), markdown(results));
}
// Saved after every scenario, so a failure late in a run keeps what was measured.
for (const s of SCENARIOS) {
  if (!wanted.includes(s)) continue;
  await run[s]();
  save();
}
if (bareSide) await stop(bareSide.child);
console.log(markdown(results));

/** A summary's per-round ratios, compact ("0.61 0.66 0.64"), or "-" for a run measured once. */
function roundsText(x) {
  return x?.rounds?.length ? x.rounds.map((r) => r.ratio).join(" ") : "-";
}

function lookupFloorMarkdown(S) {
  const f = S["lookup-floor"];
  if (!f) return [];
  const name = {
    hmac: "bare + the token's HMAC",
    read: "bare + warden's one prepared read (the whole row)",
    json: "bare + the JSON answer built from the row",
    "hmac,read,json": "floor: all three",
    "hmac,narrow,splice": "floor with a kept answer: the HMAC, a read of only what changes on a live token, the kept answer with request id, token and ttl spliced in",
    ...Object.fromEntries(COMPUTE_FLOORS.map((us) => [`compute ${us}`, `bare + ${us} µs of pure computation per answer (no storage, bare's own answer)`])),
  };
  const out = [
    "The floor of lookup-self under the same load: bench/lib/floor-server.mjs (bare node:http on warden's database, the same token) doing one stage of a lookup's work, then all three, then the least a lookup that reads the token's changing columns on every request must do (what does not change on a live token kept in memory, as a kept answer; warden on SQLite reads a token once per snapshot when nothing was written, so it can run below this one), then bare with a fixed amount of pure computation added (bench/bare-server.mjs): what work added to node:http costs per request under this load, more than the work itself; server CPU µs per request = CPU share / req/s. The floors in rounds with bare as above (all seven servers up, one after another in each round), medians.",
    "",
    "| server | req/s | ratio to bare | rounds | server µs per request |",
    "|---|---:|---:|---|---:|",
    `| bare node:http | ${S.bare.rps} | 1 | - | ${usPerRequest(S.bare)} |`,
  ];
  for (const [k, x] of Object.entries(f)) out.push(`| ${name[k] ?? k} | ${x.rps} | ${x.ratio} | ${roundsText(x)} | ${x.usPerRequest} |`);
  for (const k of ["lookup-self", "lookup-self-entity"]) if (S[k]) out.push(`| warden ${k} | ${S[k].rps} | ${S[k].ratio} | ${roundsText(S[k])} | ${usPerRequest(S[k])} |`);
  out.push("");
  return out;
}

function markdown(r) {
  const S = r.scenarios;
  const out = [];
  out.push(`### Benchmarks (${r.date.slice(0, 10)})`, "");
  out.push(
    `${r.machine.cpu}, Node ${r.machine.node}; server pinned to core ${r.cores.server}, load generator (${r.tool}, ${r.connections} connections, ${r.seconds} s after ${r.warmup} s warm-up) on core ${r.cores.loader}; 127.0.0.1; SQLite WAL, each commit fdatasync'd before its answer.${r.load ? ` Load average (1/5/15 min) at start ${r.load.start.join(" / ")}, at end ${r.load.end?.join(" / ") ?? "-"}.` : ""}`,
    "",
  );
  if (Object.values(S).some((x) => x?.rounds || Object.values(x ?? {}).some((y) => y?.rounds))) {
    out.push(
      `Ratios in rounds: each server warms up once (the bare node:http yardstick once, at the start of the run; it stays up, idle between its rounds), then ${r.ratioRounds} rounds alternate the yardstick (${r.seconds} s) with the subject (${r.seconds} s; the floors' rounds ${r.floorSeconds} s each side; the subjects of one scenario one after another in the same round), and a round's ratio is the subject's req/s over that round's yardstick req/s. req/s, p50, p99 and server CPU are medians over the rounds (p50 and p99 each the median of the rounds' values), baseline req/s the median of the subject's own yardstick rounds, ratio the median of the per-round ratios (listed under "rounds", in order); a yardstick's own row is the median of all its rounds in the run. Rows without rounds were measured once.`,
      "",
    );
  }
  out.push("| scenario | req/s | p50 ms | p99 ms | baseline | baseline req/s | ratio | rounds | target | | server CPU |", "|---|---:|---:|---:|---|---:|---:|---|---:|---|---:|");
  const row = (name, x, target) => {
    if (!x) return;
    const t = target === undefined ? "" : `>= ${target}`;
    const ok = verdictText(x);
    out.push(`| ${name} | ${x.rps} | ${x.p50_ms} | ${x.p99_ms} | ${x.baseline ?? "-"} | ${x.baselineRps ?? "-"} | ${x.ratio ?? "-"} | ${roundsText(x)} | ${t} | ${ok} | ${x.cpu_pct?.server ?? "-"} % |`);
  };
  row("bare node:http (GET)", S.bare);
  row("warden sys/health", S.health);
  row("warden token lookup-self (child token, no entity)", S["lookup-self"], TARGETS["lookup-self"].ratio);
  row("warden token lookup-self (approle token, with entity)", S["lookup-self-entity"], TARGETS["lookup-self"].ratio);
  row("STS emulator GetCallerIdentity", S["sts-emulator"]);
  row("warden alicloud login", S["login-alicloud"], TARGETS["login-alicloud"].ratio);
  row("floor: bare node:http forwarding the login to the emulator", S["login-alicloud-floor"]);
  row("floor + warden's nonce claim and token mint (SQLite, barrier)", S["login-alicloud-floor-store"]);
  row("floor + claim and mint + the AliCloud plugin's checks (its own functions, no framework)", S["login-alicloud-floor-checks"]);
  identityRows(S, row);
  row("login floor: node:http + the token row's insert, group commit, fdatasync (bench/login-floor.mjs)", S["login-floor"]?.store);
  row("login floor + a login's crypto (token id HMAC, secret id HMAC, one AES-GCM seal)", S["login-floor"]?.crypto);
  out.push("");
  const spread = S.bare?.rounds_rps;
  if (spread?.length >= 3) {
    const lo = Math.min(...spread);
    const hi = Math.max(...spread);
    out.push(`The machine's own variation during the run: bare node:http's ${spread.length} rounds ran at ${lo} to ${hi} req/s (the slowest ${Math.round((1 - lo / hi) * 100)} % below the fastest), the same server under the same load.`);
  }
  const unresolved = Object.entries(S).filter(([, x]) => x?.resolved === false);
  if (unresolved.length) {
    out.push(`"within noise": the middle half of that subject's per-round ratios (first to third quartile; ${unresolved.map(([k, x]) => `${k} ${x.middle[0]}-${x.middle[1]}`).join(", ")}) does not lie wholly on the median's side of its target, so this run cannot tell which side it is on; the verdict shown is the median's.`);
  }
  out.push("");
  out.push(...lookupFloorMarkdown(S));
  out.push(...identityNotes(S));
  out.push(...barrierMarkdown(S));
  out.push(...metricsMarkdown(S));
  if (S["startup-1m"]) {
    const s = S["startup-1m"];
    out.push(
      `Start-up with ${s.rows.toLocaleString("en")} stored tokens (${s.dbMiB} MiB on disk): **${s.ms} ms** to the first 200 on sys/health (runs: ${s.runsMs.join(", ")} ms; target < ${s.target} ms: ${s.pass ? "PASS" : "**MISS**"}). Empty database: ${s.emptyDbMs} ms; bare node:http start: ${s.bareNodeMs} ms; RSS after start ${s.rssMiB} MiB.`,
      "",
    );
    if (s.lookup) {
      const l = s.lookup;
      out.push(
        `lookup-self with those ${s.rows.toLocaleString("en")} tokens stored vs an empty store, both at ${l.rate} req/s (half the empty store's flat-out rate; autocannon, alternating): p99 **${l.full.p99_ms} ms** vs ${l.empty.p99_ms} ms (p50 ${l.full.p50_ms} vs ${l.empty.p50_ms} ms, max ${l.full.max_ms} vs ${l.empty.max_ms} ms): ${l.p99Ratio}x (target within 2x: ${l.pass ? "PASS" : "**MISS**"}).`,
        "",
      );
    }
  }
  if (S.statements) {
    const parts = Object.entries(S.statements).map(([k, v]) => `${k} ${v.perRequest}`);
    out.push(`SQLite statements per request (counted by a bench-only better-sqlite3 wrapper): ${parts.join(", ")}.`, "");
  }
  if (S.cluster) {
    out.push("Multi-node (approle login, lookup-self): N warden nodes on one PostgreSQL vs 1 node on SQLite, same run; load split evenly over the nodes.", "");
    out.push("| setup | request | req/s | p50 ms | p99 ms | non-2xx | ratio vs SQLite 1 node | node CPU % |", "|---|---|---:|---:|---:|---:|---:|---|");
    for (const [k, v] of Object.entries(S.cluster)) {
      const [setup, kind] = k.split(" ");
      out.push(`| ${setup} | ${kind === "login" ? "approle login" : "lookup-self"} | ${v.rps} | ${v.p50_ms} | ${v.p99_ms} | ${v.non2xx} | ${v.ratio_vs_sqlite_1} | ${v.server_cpu_pct.join(" / ")} |`);
    }
    out.push("");
  }
  const budgets = Object.entries(S).filter(([, x]) => x?.profile?.stages);
  if (budgets.length) {
    out.push("Per-request CPU budget by stage (--cpu-prof: V8 profile of each server under the measured load, each sample given to the innermost stage frame, scaled to the server's CPU µs per request; bench/lib/stage-budget.mjs; the AliCloud login's floors, profiled in the same rounds, beside it):", "");
    out.push(...stageTable(budgets.map(([name, x]) => ({ label: name, stages: x.profile.stages, usPerRequest: x.profile.usPerRequest }))), "");
  }
  if (S["login-alicloud"]) {
    out.push(`Login run: the STS emulator runs on core ${r.cores.sts} next to the load generator; its own rate was measured alone on core ${r.cores.server}${S["login-alicloud"].rounds ? ", in rounds with the logins (that emulator stays up, idle while the logins run; every request of every round freshly signed)" : ""}.`, "");
    const cpuRows = [["warden alicloud login", S["login-alicloud"]], ["floor: forwarding only", S["login-alicloud-floor"]], ["floor + nonce claim and token mint", S["login-alicloud-floor-store"]], ["floor + claim and mint + the plugin's checks", S["login-alicloud-floor-checks"]]].filter(([, x]) => x?.cpu);
    if (cpuRows.length) {
      out.push("The same in CPU (server µs per login against the emulator's µs per GetCallerIdentity alone; the ratio req/s would show with each on its own core; medians, the ratio the median of the per-round ratios):", "", "| login | server µs per login | emulator µs per call | ratio | rounds |", "|---|---:|---:|---:|---|");
      for (const [name, x] of cpuRows) out.push(`| ${name} | ${x.cpu.usPerRequest} | ${x.cpu.emulatorUsPerRequest} | ${x.cpu.ratio} | ${x.cpu.rounds?.join(" ") ?? "-"} |`);
      out.push("");
    }
  }
  return out.join("\n") + "\n";
}

// Scenario "barrier": what encrypting every stored value costs on the hot paths (issue 13: lookup-self
// and AppRole login within 5 %). This build against the SAME build started with
// bench/lib/no-barrier-preload.mjs (the core on the storage adapter itself: every value in clear in
// its own column, nothing sealed, opened or memoised; the seal's gate and everything else unchanged),
// both dev servers on SQLite pinned to the same server core, measured alternately (without, with,
// without, with, ...) with the same loader, connections and seconds; each side's median requests per
// second and its server CPU µs per request. The target is judged on the CPU per request, which holds
// on a busy machine where req/s does not; both are reported.
//
// --before <ref> adds the older comparison: this build against a release built from git (a23c08f^1 is
// main just before the seal and barrier were merged). That difference is everything merged since that
// release (quotas, audit trail, metrics, durability changes...), not the barrier alone: it is labelled so.
import { join } from "node:path";
import { buildAt } from "./build-at.mjs";
import { writeLines } from "./bodies.mjs";
import { setupApprole } from "./identity.mjs";
import { abCompare, costVerdict } from "./ab-compare.mjs";
import { verdictText } from "./rounds.mjs";
import { ROOT, stop } from "./procs.mjs";
import { childToken, startWarden } from "./warden.mjs";
import { UNBUNDLED_MAIN } from "./unbundled.mjs";

export const BARRIER_TARGET_PCT = 5;
export const NO_BARRIER_PRELOAD = join(ROOT, "bench", "lib", "no-barrier-preload.mjs");

const KINDS = ["lookup-self", "login-approle"];

async function serverFor(tmp, SERVER, name, opts) {
  const w = await startWarden({ core: SERVER, dataDir: join(tmp, `barrier-${name}`), ...opts });
  const token = await childToken(w.url);
  const { body } = await setupApprole(w.url);
  // A reusable body (secret_id_num_uses 0): enough lines that the loader never runs dry.
  const linesFile = await writeLines(join(tmp, `barrier-${name}.lines`), 300_000, () => body);
  return { w, token, linesFile };
}

/** Each kind measured A/B over `sides` ([name, server] pairs), alternating rounds. */
async function compare({ label, sides, base, rounds, seconds, warmup, log }) {
  const loads = {
    "lookup-self": (s) => ({ ...base, url: s.w.url, method: "GET", path: "/v1/auth/token/lookup-self", headers: { "X-Vault-Token": s.token }, watch: { server: s.w.child.pid } }),
    "login-approle": (s) => ({ ...base, url: s.w.url, method: "POST", path: "/v1/auth/approle/login", headers: { "content-type": "application/json" }, mode: "body", linesFile: s.linesFile, watch: { server: s.w.child.pid } }),
  };
  const out = {};
  for (const kind of KINDS) {
    const r = await abCompare({ label: `${label} ${kind}`, sides: sides.map(([name, s]) => [name, loads[kind](s)]), rounds, seconds, warmup, log });
    const [[a], [b]] = sides;
    out[kind] = { before: r[a], after: r[b], cost_pct: r.cost_pct, cpu_cost_pct: r.cpu_cost_pct, ...costVerdict(r, [a, b], BARRIER_TARGET_PCT, true) };
  }
  return out;
}

export function barrierScenario({ tmp, SERVER, seconds, warmup, base, results, log, before, rounds = 3 }) {
  return async function barrier() {
    const servers = {};
    try {
      // Both sides unbundled (the preload patches dist/src modules, which the bundle does not run).
      servers.without = await serverFor(tmp, SERVER, "without", { nodeArgs: ["--import", NO_BARRIER_PRELOAD], main: UNBUNDLED_MAIN });
      servers.with = await serverFor(tmp, SERVER, "with", { main: UNBUNDLED_MAIN });
      const out = { target_pct: BARRIER_TARGET_PCT, rounds };
      Object.assign(out, await compare({ label: "barrier", sides: [["without", servers.without], ["with", servers.with]], base, rounds, seconds, warmup, log }));
      if (before) {
        await stop(servers.without.w.child);
        delete servers.without;
        log(`barrier: building ${before} (a release before the barrier) into a temp directory`);
        const old = buildAt(before, join(tmp, "pre-barrier"));
        servers.release = await serverFor(tmp, SERVER, "release", { main: old.main });
        out.release = { ref: before, commit: old.commit, ...(await compare({ label: `barrier vs ${before}`, sides: [["release", servers.release], ["with", servers.with]], base, rounds, seconds, warmup, log })) };
      }
      results.scenarios.barrier = out;
    } finally {
      for (const s of Object.values(servers)) await stop(s.w.child);
    }
  };
}

function table(x, rows, [a, b] = ["without", "with"]) {
  const out = [
    `| request | req/s ${a} | req/s ${b} | req/s cost | CPU µs/request ${a} | CPU µs/request ${b} | CPU cost | p99 ms ${a} | p99 ms ${b} | target | |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const kind of KINDS) {
    const k = rows[kind];
    if (!k) continue;
    out.push(`| ${kind} | ${k.before.rps} | ${k.after.rps} | ${k.cost_pct} % | ${k.before.us_per_request ?? "-"} | ${k.after.us_per_request ?? "-"} | ${k.cpu_cost_pct ?? "-"} % | ${k.before.p99_ms} | ${k.after.p99_ms} | < ${x.target_pct} % | ${verdictText(k)} |`);
  }
  out.push("");
  return out;
}

export function barrierMarkdown(S) {
  const x = S.barrier;
  if (!x) return [];
  const out = [
    `The barrier's cost: this build against the same build started with the barrier as a pass-through (bench/lib/no-barrier-preload.mjs: values stored in clear, nothing sealed or opened), same run, ${x.rounds} alternating rounds each, same core and loader, each side's median; the target is judged on server CPU per request (req/s shown too), and "within noise" when the middle half of the rounds' own costs (each "with" round against the "without" round next to it; which runs first alternates by round) does not lie wholly on the verdict's side of it.`,
    "",
    ...table(x, x),
  ];
  if (x.release) {
    out.push(
      `For reference, this build against ${x.release.ref} (${x.release.commit.slice(0, 10)}, a release before the barrier, built from git in the same run): this difference is everything merged since that release, not the barrier alone.`,
      "",
      ...table(x, x.release, [x.release.ref, "this build"]),
    );
  }
  return out;
}

// Scenario "metrics": what recording metrics costs on the hottest path. lookup-self on this build
// against the SAME build started with bench/lib/no-metrics-preload.mjs (every Metrics recording method
// a no-op, no prom-client default collectors), both pinned to the server core, measured alternately
// (without, with, then with, without, ...) with the same loader. Target (issue 14): under 3 % fewer requests/s.
import { join } from "node:path";
import { abCompare, costVerdict } from "./ab-compare.mjs";
import { verdictText } from "./rounds.mjs";
import { ROOT, stop } from "./procs.mjs";
import { childToken, startWarden } from "./warden.mjs";
import { UNBUNDLED_MAIN } from "./unbundled.mjs";

export const METRICS_TARGET_PCT = 3;
const PRELOAD = join(ROOT, "bench", "lib", "no-metrics-preload.mjs");

export function metricsScenario({ tmp, SERVER, seconds, warmup, base, results, log, rounds = 3 }) {
  return async function metrics() {
    const servers = {};
    try {
      for (const [name, nodeArgs] of [["without", ["--import", PRELOAD]], ["with", []]]) {
        // Both sides unbundled (the preload patches dist/src modules, which the bundle does not run).
        const w = await startWarden({ core: SERVER, dataDir: join(tmp, `metrics-${name}`), nodeArgs, main: UNBUNDLED_MAIN });
        servers[name] = { w, token: await childToken(w.url) };
      }
      const load = (s) => ({ ...base, url: s.w.url, method: "GET", path: "/v1/auth/token/lookup-self", headers: { "X-Vault-Token": s.token }, watch: { server: s.w.child.pid } });
      const r = await abCompare({ label: "metrics lookup-self", sides: [["without", load(servers.without)], ["with", load(servers.with)]], rounds, seconds, warmup, log });
      results.scenarios.metrics = { target_pct: METRICS_TARGET_PCT, rounds, "lookup-self": { before: r.without, after: r.with, cost_pct: r.cost_pct, ...costVerdict(r, ["without", "with"], METRICS_TARGET_PCT, false) } };
    } finally {
      for (const s of Object.values(servers)) await stop(s.w.child);
    }
  };
}

export function metricsMarkdown(S) {
  const x = S.metrics;
  if (!x) return [];
  const k = x["lookup-self"];
  return [
    "Metrics' cost: this build against the same build with metrics switched off (bench/lib/no-metrics-preload.mjs), same run, measured in " + (x.rounds ?? 2) + " alternating rounds each, same core and loader, each side's median (\"within noise\": the middle half of the rounds' own costs, each against the other side's round next to it, which runs first alternating by round, does not lie wholly on the verdict's side of the target).",
    "",
    "| request | req/s without | req/s with | p99 ms without | p99 ms with | cost | target | |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    `| lookup-self | ${k.before.rps} | ${k.after.rps} | ${k.before.p99_ms} | ${k.after.p99_ms} | ${k.cost_pct} % | < ${x.target_pct} % | ${verdictText(k)} |`,
    "",
  ];
}

// Scenario "metrics": what recording metrics costs on the hottest path. lookup-self on this build
// against the SAME build started with bench/lib/no-metrics-preload.mjs (every Metrics recording method
// a no-op, no prom-client default collectors), both pinned to the server core, measured alternately
// (without, with, without, with) with the same loader. Target (issue 14): under 3 % fewer requests/s.
import { join } from "node:path";
import { runLoad } from "./load.mjs";
import { ROOT, stop } from "./procs.mjs";
import { childToken, startWarden } from "./warden.mjs";

export const METRICS_TARGET_PCT = 3;
const PRELOAD = join(ROOT, "bench", "lib", "no-metrics-preload.mjs");
const round = (x) => Math.round(x * 100) / 100;

export function metricsScenario({ tmp, SERVER, seconds, warmup, base, results, log }) {
  return async function metrics() {
    const servers = {};
    try {
      for (const [name, nodeArgs] of [["without", ["--import", PRELOAD]], ["with", []]]) {
        const w = await startWarden({ core: SERVER, dataDir: join(tmp, `metrics-${name}`), nodeArgs });
        servers[name] = { w, token: await childToken(w.url) };
      }
      const load = (s) => ({ ...base, url: s.w.url, method: "GET", path: "/v1/auth/token/lookup-self", headers: { "X-Vault-Token": s.token }, watch: { server: s.w.child.pid } });
      const runs = { without: [], with: [] };
      for (const name of ["without", "with", "without", "with"]) {
        if (warmup > 0 && runs[name].length === 0) await runLoad({ ...load(servers[name]), seconds: warmup });
        const r = await runLoad({ ...load(servers[name]), seconds: Math.max(1, seconds / 2) });
        log(`metrics lookup-self ${name}: ${r.rps} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, non-2xx ${r.non2xx}, cpu ${JSON.stringify(r.cpu_pct)}`);
        runs[name].push(r);
      }
      const sum = (rs) => ({
        rps: Math.round(rs.reduce((a, r) => a + r.rps, 0) / rs.length),
        p50_ms: Math.max(...rs.map((r) => r.p50_ms)),
        p99_ms: Math.max(...rs.map((r) => r.p99_ms)),
        non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
        server_cpu_pct: rs.map((r) => r.cpu_pct.server),
      });
      const b = sum(runs.without);
      const a = sum(runs.with);
      const cost = round((1 - a.rps / b.rps) * 100);
      results.scenarios.metrics = { target_pct: METRICS_TARGET_PCT, "lookup-self": { before: b, after: a, cost_pct: cost, pass: cost < METRICS_TARGET_PCT && a.non2xx === 0 && b.non2xx === 0 } };
      log(`metrics lookup-self: ${b.rps} -> ${a.rps} req/s, cost ${cost} %`);
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
    "Metrics' cost: this build against the same build with metrics switched off (bench/lib/no-metrics-preload.mjs), same run, each measured twice, alternately, same core and loader.",
    "",
    "| request | req/s without | req/s with | p99 ms without | p99 ms with | cost | target | |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    `| lookup-self | ${k.before.rps} | ${k.after.rps} | ${k.before.p99_ms} | ${k.after.p99_ms} | ${k.cost_pct} % | < ${x.target_pct} % | ${k.pass ? "PASS" : "**MISS**"} |`,
    "",
  ];
}

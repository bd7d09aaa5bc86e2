// One A/B comparison of two servers under the same load: measured in alternating rounds (A, B, A, B,
// ...) so a drift of the machine's load during the scenario hits both, each side summarised by the
// MEDIAN of its rounds (one noisy round moves a mean by several per cent, and the budgets compared
// against are 3-5 %). Used by the "barrier" and "metrics" scenarios.
import { runLoad } from "./load.mjs";
import { median } from "./startup.mjs";

const round2 = (x) => Math.round(x * 100) / 100;

/**
 * `sides` are [nameA, loadA] and [nameB, loadB] (runLoad options without seconds); returns
 * { [nameA]: summary, [nameB]: summary, cost_pct } where cost_pct is how much slower B is than A.
 */
export async function abCompare({ label, sides, rounds, seconds, warmup, log }) {
  const runs = Object.fromEntries(sides.map(([name]) => [name, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, load] of sides) {
      if (warmup > 0 && i === 0) await runLoad({ ...load, seconds: warmup });
      const r = await runLoad({ ...load, seconds: Math.max(1, seconds / 2) });
      log(`${label} ${name} (round ${i + 1}/${rounds}): ${r.rps} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, non-2xx ${r.non2xx}, cpu ${JSON.stringify(r.cpu_pct)}`);
      runs[name].push(r);
    }
  }
  const summary = (rs) => ({
    rps: Math.round(median(rs.map((r) => r.rps))),
    rounds_rps: rs.map((r) => r.rps),
    p50_ms: Math.max(...rs.map((r) => r.p50_ms)),
    p99_ms: Math.max(...rs.map((r) => r.p99_ms)),
    non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
    server_cpu_pct: rs.map((r) => r.cpu_pct.server),
  });
  const [[a], [b]] = sides;
  const out = { [a]: summary(runs[a]), [b]: summary(runs[b]) };
  out.cost_pct = round2((1 - out[b].rps / out[a].rps) * 100);
  log(`${label}: ${out[a].rps} -> ${out[b].rps} req/s (medians of ${rounds} rounds), cost ${out.cost_pct} %`);
  return out;
}

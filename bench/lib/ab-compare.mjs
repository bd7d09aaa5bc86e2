// One A/B comparison of two servers under the same load: measured in alternating rounds (A, B, then
// B, A, ...) so a drift of the machine's load during the scenario hits both, each side summarised by the
// MEDIAN of its rounds (one noisy round moves a mean by several per cent, and the budgets compared
// against are 3-5 %). Used by the "barrier" and "metrics" scenarios.
import { runLoad } from "./load.mjs";
import { judge, median } from "./rounds.mjs";

const round2 = (x) => Math.round(x * 100) / 100;

/**
 * `sides` are [nameA, loadA] and [nameB, loadB] (runLoad options without seconds, `watch.server` the
 * server's pid); returns { [nameA]: summary, [nameB]: summary, cost_pct, cpu_cost_pct }: how many fewer
 * requests per second B serves than A, and how much more server CPU per request it spends (medians).
 */
export async function abCompare({ label, sides, rounds, seconds, warmup, log }) {
  const runs = Object.fromEntries(sides.map(([name]) => [name, []]));
  for (let i = 0; i < rounds; i++) {
    // A, B in even rounds, B, A in odd ones: whatever favours the first (or the second) run of a round
    // hits both sides alike instead of always the same one.
    for (const [name, load] of i % 2 === 0 ? sides : [...sides].reverse()) {
      if (warmup > 0 && i === 0) await runLoad({ ...load, seconds: warmup });
      const r = await runLoad({ ...load, seconds: Math.max(1, seconds / 2) });
      log(`${label} ${name} (round ${i + 1}/${rounds}): ${r.rps} req/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, non-2xx ${r.non2xx}, cpu ${JSON.stringify(r.cpu_pct)}`);
      runs[name].push(r);
    }
  }
  // Server CPU per request of a round: its CPU share over its rate (null when the CPU was not sampled).
  const usPer = (r) => (r.cpu_pct?.server && r.rps ? ((r.cpu_pct.server / 100) * 1e6) / r.rps : null);
  const summary = (rs) => ({
    rps: Math.round(median(rs.map((r) => r.rps))),
    us_per_request: rs.every((r) => usPer(r) !== null) ? round2(median(rs.map(usPer))) : null,
    rounds_us: rs.map((r) => (usPer(r) === null ? null : round2(usPer(r)))),
    rounds_rps: rs.map((r) => r.rps),
    p50_ms: Math.max(...rs.map((r) => r.p50_ms)),
    p99_ms: Math.max(...rs.map((r) => r.p99_ms)),
    non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
    server_cpu_pct: rs.map((r) => r.cpu_pct.server),
  });
  const [[a], [b]] = sides;
  const out = { [a]: summary(runs[a]), [b]: summary(runs[b]) };
  out.cost_pct = round2((1 - out[b].rps / out[a].rps) * 100);
  out.cpu_cost_pct = out[a].us_per_request && out[b].us_per_request ? round2((out[b].us_per_request / out[a].us_per_request - 1) * 100) : null;
  // Each round's own cost (B against the A measured next to it): how far the rounds spread.
  out.rounds_cost_pct = runs[a].map((ra, i) => round2((1 - runs[b][i].rps / ra.rps) * 100));
  out.rounds_cpu_cost_pct = out.cpu_cost_pct === null ? null : runs[a].map((ra, i) => round2((usPer(runs[b][i]) / usPer(ra) - 1) * 100));
  log(`${label}: ${out[a].rps} -> ${out[b].rps} req/s (medians of ${rounds} rounds), cost ${out.cost_pct} %; server CPU ${out[a].us_per_request} -> ${out[b].us_per_request} µs/request, ${out.cpu_cost_pct} %`);
  return out;
}

/**
 * abCompare's result `r` for sides [a, b] judged against a cost ceiling (`target` %): on server CPU per
 * request when `byCpu` and it was sampled, else on req/s; "within noise" as rounds.mjs judge decides it
 * from the rounds' own costs; never a pass when either side answered anything but 2xx.
 */
export function costVerdict(r, [a, b], target, byCpu) {
  const cpu = byCpu && r.cpu_cost_pct !== null;
  const rounds_cost_pct = cpu ? r.rounds_cpu_cost_pct : r.rounds_cost_pct;
  const verdict = judge(rounds_cost_pct, cpu ? r.cpu_cost_pct : r.cost_pct, target, false);
  return { rounds_cost_pct, ...verdict, pass: verdict.pass && r[a].non2xx === 0 && r[b].non2xx === 0 };
}

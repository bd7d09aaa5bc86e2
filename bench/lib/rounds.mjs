// Ratios on a machine whose speed drifts over minutes: a yardstick measured once per run makes every
// ratio against it swing with the minute it was measured in. Here the yardstick (a server that stays up
// and idles between its rounds) and the subjects are measured alternately, in rounds: the yardstick
// for its seconds, then each subject for its seconds; each round's ratio is the subject's rate over
// THAT round's yardstick rate, and a subject is judged on the median of its per-round ratios. Used by
// bench/run.mjs for every ratio against bare node:http and against the STS emulator.
import { runLoad } from "./load.mjs";

const round2 = (x) => Math.round(x * 100) / 100;
const round3 = (x) => Math.round(x * 1000) / 1000;

/** The median (the mean of the middle two for an even count), undefined for none. */
export function median(xs) {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (0..1) of xs, linear between order statistics; undefined for none. */
export function quantile(xs, q) {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

/**
 * A target's verdict, and whether the run can tell it. On a machine whose speed moves between
 * rounds by more than a target's margin (a VM whose host is busy: bare node:http seen at 33k and 67k
 * req/s in consecutive 2 s windows), the median alone would turn that noise into a verdict. So the
 * verdict is `value`'s (the median), and it is resolved only when the middle half of the rounds' own
 * values (first to third quartile) lies wholly on the verdict's side of the target; with fewer than 3
 * rounds it is not judged for noise. `atLeast`: the target is a floor (a ratio >= it passes), else a
 * ceiling (a cost < it passes).
 */
export function judge(values, value, target, atLeast) {
  const pass = atLeast ? value >= target : value < target;
  if (values.length < 3) return { pass };
  const middle = [round3(quantile(values, 0.25)), round3(quantile(values, 0.75))];
  const above = middle[0] >= target;
  const below = middle[1] < target;
  return { pass, middle, resolved: pass === atLeast ? above : below };
}

/** A verdict as the results tables print it: PASS or **MISS**, "(within noise)" when the run cannot tell. */
export function verdictText(x) {
  if (x?.pass === undefined) return "";
  return `${x.pass ? "PASS" : "**MISS**"}${x.resolved === false ? " (within noise)" : ""}`;
}

/**
 * Several runLoad results as one, in runLoad's shape: req/s, p50, p90, p99 and each watched process's
 * CPU share are the medians over the runs (each its own median: p99 is the median of the runs' p99s),
 * max the largest, counts summed.
 */
export function summarise(runs) {
  const med = (f) => median(runs.map(f));
  const cpuKeys = [...new Set(runs.flatMap((r) => Object.keys(r.cpu_pct ?? {})))];
  const cpu = Object.fromEntries(cpuKeys.map((k) => [k, runs.every((r) => typeof r.cpu_pct?.[k] === "number") ? Math.round(med((r) => r.cpu_pct[k])) : null]));
  const sum = (f) => runs.reduce((a, r) => a + f(r), 0);
  return {
    tool: runs[0].tool,
    seconds: round2(med((r) => r.seconds)),
    connections: runs[0].connections,
    requests: sum((r) => r.requests),
    ok: sum((r) => r.ok),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    rps: Math.round(med((r) => r.rps)),
    p50_ms: round3(med((r) => r.p50_ms)),
    p90_ms: round3(med((r) => r.p90_ms)),
    p99_ms: round3(med((r) => r.p99_ms)),
    max_ms: Math.max(...runs.map((r) => r.max_ms)),
    cpu_pct: cpu,
  };
}

/** Server CPU µs per request of one run (its CPU share over its rate), undefined when not sampled. */
export const usPer = (r, who = "server") => (r?.cpu_pct?.[who] && r.rps ? ((r.cpu_pct[who] / 100) * 1e6) / r.rps : undefined);

/**
 * Alternates a yardstick with one or more subjects for `rounds` rounds: yardstick, subject 1, subject
 * 2, ... each round. A side is
 *   { name, id?, load, seconds?, warm?, onResult? }
 * `load` is runLoad's options without seconds, or a function (round index) returning them (a fresh
 * lines file per round, for single-use signed requests); `seconds` defaults to `seconds`; `warm` is
 * called once before the first round (false: no warm-up, the yardstick is already warm; absent: the
 * load itself for `warmup` seconds when `load` is an object). `prepare(i)` runs before round i's
 * yardstick (signing its lines), so a round's sides run back to back; `onResult(r, i)` sees each of
 * the side's rounds as it ends.
 *
 * Returns { baseline: summary of the yardstick's rounds, subjects: { [name]: summary + baseline (the
 * yardstick's id), baselineRps (the median of the yardstick's rounds), ratio (the median of the
 * per-round ratios), rounds ([{ baselineRps, rps, ratio, p99_ms, cpu }]) }, runs: { baseline: [...],
 * [name]: [...] } (the raw runLoad results, for what the caller derives per round) }.
 */
export async function interleave({ label, baseline, subjects, rounds, seconds, warmup, log, prepare }) {
  if (!(rounds >= 1)) throw new Error(`rounds must be >= 1 (got ${rounds})`);
  const sides = [baseline, ...subjects];
  for (const side of sides) {
    if (side.warm === false) continue;
    if (typeof side.warm === "function") {
      log(`${side.name}: warm-up`);
      await side.warm();
    } else if (warmup > 0 && typeof side.load !== "function") {
      log(`${side.name}: warm-up ${warmup}s`);
      await runLoad({ ...side.load, seconds: warmup });
    }
  }
  const runs = sides.map(() => []);
  for (let i = 0; i < rounds; i++) {
    if (prepare) await prepare(i);
    for (const [k, side] of sides.entries()) {
      const load = typeof side.load === "function" ? await side.load(i) : side.load;
      const r = await runLoad({ ...load, seconds: side.seconds ?? seconds });
      const vs = k === 0 ? "" : `, ${round2(r.rps / runs[0][i].rps)}x`;
      log(`${label} round ${i + 1}/${rounds} ${side.name}: ${r.rps} req/s${vs}, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}, cpu ${JSON.stringify(r.cpu_pct)}`);
      if (r.non2xx > 0) log(`${label} round ${i + 1} ${side.name}: WARNING ${r.non2xx} non-2xx answers: this round's rate is not all successful requests`);
      runs[k].push(r);
      side.onResult?.(r, i);
    }
  }
  const base = runs[0];
  const baselineRps = Math.round(median(base.map((r) => r.rps)));
  const out = { baseline: summarise(base), subjects: {}, runs: { baseline: base } };
  for (const [k, side] of subjects.entries()) {
    const mine = runs[k + 1];
    const ratios = mine.map((r, i) => r.rps / base[i].rps);
    out.subjects[side.name] = {
      ...summarise(mine),
      baseline: baseline.id ?? baseline.name,
      baselineRps,
      ratio: round2(median(ratios)),
      rounds: mine.map((r, i) => ({ baselineRps: base[i].rps, rps: r.rps, ratio: round2(ratios[i]), p99_ms: r.p99_ms, cpu: r.cpu_pct?.server ?? null })),
    };
    out.runs[side.name] = mine;
    const x = out.subjects[side.name];
    log(`${label} ${side.name}: ${x.rps} req/s against ${baselineRps} (medians of ${rounds} rounds), ratio ${x.ratio} (rounds ${x.rounds.map((r) => r.ratio).join(" ")})`);
  }
  return out;
}

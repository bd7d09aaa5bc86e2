// bench/lib/rounds.mjs judge: the benchmark's verdict on a target, and whether the run's rounds can
// tell it (issue 16: on a noisy VM a median alone turned noise into a PASS or a MISS).
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";

interface Verdict {
  pass: boolean;
  middle?: [number, number];
  resolved?: boolean;
}
interface Rounds {
  quantile(xs: number[], q: number): number | undefined;
  judge(values: number[], value: number, target: number, atLeast: boolean): Verdict;
  verdictText(x: Verdict | undefined): string;
}
// The bench is plain ESM outside the TypeScript build; the test runs from dist/test/tooling.
const rounds = (await import(new URL("../../../bench/lib/rounds.mjs", import.meta.url).href)) as Rounds;

interface CostResult {
  cost_pct: number;
  cpu_cost_pct: number | null;
  rounds_cost_pct: number[];
  rounds_cpu_cost_pct: number[] | null;
  [side: string]: unknown;
}
const abCompare = (await import(new URL("../../../bench/lib/ab-compare.mjs", import.meta.url).href)) as {
  costVerdict(r: CostResult, sides: [string, string], target: number, byCpu: boolean): Verdict & { rounds_cost_pct: number[] };
};

const t = suite("bench-verdict");

t("quartiles interpolate between the sorted values", () => {
  assert.is(rounds.quantile([0.5, 0.3, 0.4], 0.25), 0.35);
  assert.is(rounds.quantile([0.5, 0.3, 0.4], 0.75), 0.45);
  assert.is(rounds.quantile([7], 0.25), 7);
  assert.is(rounds.quantile([], 0.5), undefined);
});

t("a ratio target is resolved only when the middle half of the rounds is on one side of it", () => {
  assert.equal(rounds.judge([0.52, 0.53, 0.55], 0.53, 0.5, true), { pass: true, middle: [0.525, 0.54], resolved: true });
  assert.equal(rounds.judge([0.42, 0.43, 0.44], 0.43, 0.5, true), { pass: false, middle: [0.425, 0.435], resolved: true });
  // The rounds of lookup-self on a busy host: a median above the target, rounds far on both sides.
  const noisy = rounds.judge([0.51, 0.55, 0.68, 0.53, 0.52, 0.36, 0.82, 0.29], 0.525, 0.5, true);
  assert.is(noisy.pass, true);
  assert.is(noisy.resolved, false);
  assert.is(rounds.verdictText(noisy), "PASS (within noise)");
});

t("a cost target (a ceiling) is judged the other way round", () => {
  assert.equal(rounds.judge([1, 2, -1], 1, 3, false), { pass: true, middle: [0, 1.5], resolved: true });
  const miss = rounds.judge([22, 25, -2, 30], 23.5, 3, false);
  assert.is(miss.pass, false);
  assert.is(miss.resolved, true);
  assert.is(rounds.verdictText(miss), "**MISS**");
  assert.is(rounds.verdictText(rounds.judge([-1, 2, 8], 2, 3, false)), "PASS (within noise)");
});

t("rounds that contradict the medians' verdict leave it unresolved", () => {
  // barrier/metrics: the verdict is the cost of the two sides' medians, the rounds' costs are paired.
  const contradicted = rounds.judge([8, 9, 12], 2, 5, false);
  assert.is(contradicted.pass, true);
  assert.is(contradicted.resolved, false);
  assert.is(rounds.verdictText(contradicted), "PASS (within noise)");
  assert.is(rounds.judge([0.3, 0.35, 0.4], 0.55, 0.5, true).resolved, false);
});

t("an A/B cost is judged on CPU when sampled, on req/s otherwise, and never passes with a non-2xx answer", () => {
  const clean = { non2xx: 0 };
  const r: CostResult = { a: clean, b: clean, cost_pct: 9, cpu_cost_pct: 1, rounds_cost_pct: [8, 9, 10], rounds_cpu_cost_pct: [0, 1, 2] };
  assert.equal(abCompare.costVerdict(r, ["a", "b"], 5, true), { rounds_cost_pct: [0, 1, 2], pass: true, middle: [0.5, 1.5], resolved: true });
  assert.equal(abCompare.costVerdict(r, ["a", "b"], 5, false), { rounds_cost_pct: [8, 9, 10], pass: false, middle: [8.5, 9.5], resolved: true });
  assert.is(abCompare.costVerdict({ ...r, cpu_cost_pct: null, rounds_cpu_cost_pct: null }, ["a", "b"], 5, true).pass, false, "no CPU sampled: req/s");
  assert.is(abCompare.costVerdict({ ...r, b: { non2xx: 3 } }, ["a", "b"], 5, true).pass, false, "a non-2xx answer");
});

t("fewer than three rounds give a verdict without a noise judgement", () => {
  assert.equal(rounds.judge([0.4, 0.6], 0.5, 0.5, true), { pass: true });
  assert.is(rounds.verdictText({ pass: false }), "**MISS**");
  assert.is(rounds.verdictText(undefined), "");
});

t.run();

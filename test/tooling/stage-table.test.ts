// bench/lib/stage-budget.mjs stageTable: several per-request budgets side by side (issue 16: a login
// beside its floors, stage by stage), as the bench's results print it.
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";

interface Stage {
  stage: string;
  pct: number;
  us: number;
}
const { stageTable } = (await import(new URL("../../../bench/lib/stage-budget.mjs", import.meta.url).href)) as {
  stageTable(columns: Array<{ label: string; usPerRequest: number; stages: Stage[] }>): string[];
};

const t = suite("stage-table");

t("one row per stage by its largest µs in any column, '-' under 1 % of a column, a stage under 1 % everywhere left out", () => {
  const rows = stageTable([
    { label: "warden", usPerRequest: 300, stages: [{ stage: "SQLite", pct: 40, us: 120 }, { stage: "plugin", pct: 20, us: 60 }, { stage: "tiny", pct: 0.5, us: 1.5 }] },
    { label: "floor", usPerRequest: 150, stages: [{ stage: "floor code", pct: 10, us: 15 }, { stage: "SQLite", pct: 80, us: 120 }, { stage: "plugin", pct: 0.9, us: 1.4 }] },
  ]);
  assert.equal(rows, [
    "| stage | warden | floor |",
    "|---|---:|---:|",
    "| SQLite | 120 | 120 |",
    "| plugin | 60 | - |",
    "| floor code | - | 15 |",
    "| **total, server CPU µs per request (profiler on)** | **300** | **150** |",
  ]);
});

t.run();

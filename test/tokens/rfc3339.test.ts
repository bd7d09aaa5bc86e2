// rfc3339 (token-views.ts) formats by hand with the date part cached per day: it must be exactly
// Date.prototype.toISOString, at the edges of its range, before 1970, and across many random times.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rfc3339 } from "../../src/core/tokens/token-views.js";

const iso = (ms: number): string => new Date(ms).toISOString();

test("rfc3339 is toISOString: edges, fractions, before 1970, the far future", () => {
  const edges = [0, -1, 1, 999, 1000, 86_399_999, 86_400_000, -86_400_000, -86_400_001, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15, 1.5, -0.5, Date.now()];
  for (const ms of edges) assert.is(rfc3339(ms), iso(ms), String(ms));
});

test("rfc3339 is toISOString over 200,000 random times (cache filled and cleared)", () => {
  for (let i = 0; i < 200_000; i++) {
    const ms = Math.floor((Math.random() * 2 - 0.5) * 3e14);
    if (rfc3339(ms) !== iso(ms)) assert.is(rfc3339(ms), iso(ms), String(ms));
  }
});

test.run();

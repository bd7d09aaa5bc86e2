// calculateTtl (Vault's CalculateTTL) and effectiveLimits as units: every branch, with the warnings.
import * as assert from "uvu/assert";
import { test } from "../../src/sdk/testing/suite.js";
import { isWardenError } from "../../src/sdk/errors.js";
import { calculateTtl, effectiveLimits, type TtlInput } from "../../src/core/tokens/ttl.js";

const T0 = 1_700_000_000_000;
const base: TtlInput = { limits: { defaultTtl: 3600, maxTtl: 86400 }, increment: 0, backendTtl: 0, period: 0, backendMaxTtl: 0, explicitMaxTtl: 0, startMs: T0, nowMs: T0 };
const ttl = (over: Partial<TtlInput>) => calculateTtl({ ...base, ...over });

test("plain tokens: increment, else the role's TTL, else the mount default", () => {
  assert.equal(ttl({}), { ttl: 3600, warnings: [] });
  assert.equal(ttl({ backendTtl: 600 }), { ttl: 600, warnings: [] });
  assert.equal(ttl({ backendTtl: 600, increment: 900 }), { ttl: 900, warnings: [] });
});

test("the effective max is the least of mount max, role max and explicit max", () => {
  const capped = (max: number) => [`TTL of "3600s" exceeded the effective max_ttl of "${max}s"; TTL value is capped accordingly`];
  assert.equal(ttl({ backendMaxTtl: 1800 }), { ttl: 1800, warnings: capped(1800) });
  assert.equal(ttl({ explicitMaxTtl: 1200, backendMaxTtl: 1800 }), { ttl: 1200, warnings: capped(1200) });
  assert.equal(ttl({ limits: { defaultTtl: 3600, maxTtl: 1000 }, backendMaxTtl: 5000 }), { ttl: 1000, warnings: capped(1000) });
  // A role max above the mount max does not raise it.
  assert.equal(ttl({ backendTtl: 90000, backendMaxTtl: 100000 }).ttl, 86400);
});

test("the max counts from the start: a renewal late in life gets what is left, past it none", () => {
  const late = ttl({ nowMs: T0 + 86000 * 1000 });
  assert.equal(late, { ttl: 400, warnings: ['TTL of "3600s" exceeded the effective max_ttl of "400s"; TTL value is capped accordingly'] });
  assert.throws(() => ttl({ nowMs: T0 + 86399_500 }), /past the max TTL/, "half a second left rounds down to none");
  assert.is(ttl({ nowMs: T0 + 86398_500 }).ttl, 1, "1.5 s left rounds down to 1");
  for (const nowMs of [T0 + 86400_000, T0 + 86400_999, T0 + 90000_000]) {
    assert.throws(
      () => ttl({ nowMs }),
      (e: unknown) => isWardenError(e) && e.status === 400 && e.message === "past the max TTL, cannot renew",
    );
  }
});

test("periodic tokens: renew to the period, bounded only by an explicit max", () => {
  assert.equal(ttl({ period: 600 }), { ttl: 600, warnings: [] });
  assert.equal(ttl({ period: 600, increment: 5000, backendTtl: 60 }), { ttl: 600, warnings: [] }, "increment and role TTL do not apply");
  // Long after the mount max: a periodic token lives on.
  assert.equal(ttl({ period: 600, nowMs: T0 + 10 * 86400_000 }), { ttl: 600, warnings: [] });
  assert.equal(ttl({ period: 100000 }), {
    ttl: 86400,
    warnings: ['period of "100000s" exceeded the effective max_ttl of "86400s"; period value is capped accordingly'],
  });
  assert.equal(ttl({ period: 600, explicitMaxTtl: 1000, nowMs: T0 + 700_000 }), {
    ttl: 300,
    warnings: ['TTL of "600s" exceeded the effective max_ttl of "300s"; TTL value is capped accordingly'],
  });
  assert.throws(() => ttl({ period: 600, explicitMaxTtl: 1000, nowMs: T0 + 1000_000 }), /past the max TTL/);
});

test("effectiveLimits: a mount's 0 inherits; the default never exceeds the max", () => {
  const system = { defaultTtl: 3600, maxTtl: 86400 };
  assert.equal(effectiveLimits(system, {}), system);
  assert.equal(effectiveLimits(system, { defaultTtl: 0, maxTtl: 0 }), system);
  assert.equal(effectiveLimits(system, { defaultTtl: 60 }), { defaultTtl: 60, maxTtl: 86400 });
  assert.equal(effectiveLimits(system, { maxTtl: 1800 }), { defaultTtl: 1800, maxTtl: 1800 });
  assert.equal(effectiveLimits(system, { defaultTtl: 7200, maxTtl: 100000 }), { defaultTtl: 7200, maxTtl: 100000 });
});

test.run();

import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { parseDurationSeconds, parseFields, WardenError } from "warden/sdk";

test("durations: integers, Go strings, days", () => {
  assert.is(parseDurationSeconds("3600"), 3600);
  assert.is(parseDurationSeconds(90), 90);
  assert.is(parseDurationSeconds("1h30m"), 5400);
  assert.is(parseDurationSeconds("2d"), 172800);
  assert.is(parseDurationSeconds("1.5h"), 5400);
  assert.is(parseDurationSeconds(""), 0);
  assert.throws(() => parseDurationSeconds("-5s"), (e: unknown) => e instanceof WardenError && e.status === 400);
  assert.throws(() => parseDurationSeconds("1 hour"), (e: unknown) => e instanceof WardenError);
  assert.throws(() => parseDurationSeconds("h"), (e: unknown) => e instanceof WardenError);
});

test("fields: weak coercion as the vault CLI sends strings", () => {
  const fields = {
    n: { type: "int" },
    b: { type: "bool" },
    l: { type: "comma_string_slice" },
    s: { type: "string", required: true },
    d: { type: "duration", default: 7 },
  } as const;
  const p = parseFields(fields, { n: "5", b: "true", l: "a, b,,c", s: "x", extra: 1 });
  assert.equal(p.values.n, 5);
  assert.equal(p.values.b, true);
  assert.equal(p.values.l, ["a", "b", "c"]);
  assert.equal(p.values.d, 7);
  assert.equal(p.unknown, ["extra"]);
  assert.ok(p.supplied.has("n") && !p.supplied.has("d"));
  assert.throws(() => parseFields(fields, { n: "x", s: "y" }), /expected an integer/);
  assert.throws(() => parseFields(fields, {}), /missing s/);
});

test.run();

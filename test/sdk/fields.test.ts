// Every SDK field type as a unit: what each accepts (the vault CLI sends strings), what it refuses
// (a 400 naming the field), defaults, allowedValues, required fields and unknown keys.
import * as assert from "uvu/assert";
import { coerceField, type FieldSchema, type FieldType, parseDurationSeconds, parseFields, WardenError } from "warden/sdk";
import { test } from "../../src/sdk/testing/suite.js";

const as = <T extends FieldType>(type: T, raw: unknown, extra: Partial<FieldSchema<T>> = {}) => coerceField({ type, ...extra } as FieldSchema<T>, raw, "f");

function refused(type: FieldType, raw: unknown, message: RegExp, extra: Partial<FieldSchema> = {}): void {
  try {
    as(type, raw, extra);
  } catch (e) {
    assert.ok(e instanceof WardenError && e.status === 400, `${type} ${JSON.stringify(raw)}: ${String(e)}`);
    assert.match((e as Error).message, message, `${type} ${JSON.stringify(raw)}`);
    return;
  }
  assert.unreachable(`${type} accepted ${JSON.stringify(raw)}`);
}

test("durations: integers, Go strings, days", () => {
  assert.is(parseDurationSeconds("3600"), 3600);
  assert.is(parseDurationSeconds(90), 90);
  assert.is(parseDurationSeconds(90.9), 90);
  assert.is(parseDurationSeconds("1h30m"), 5400);
  assert.is(parseDurationSeconds("2d"), 172800);
  assert.is(parseDurationSeconds("1.5h"), 5400);
  assert.is(parseDurationSeconds("1500ms"), 1);
  assert.is(parseDurationSeconds(" 10s "), 10);
  assert.is(parseDurationSeconds(""), 0);
  assert.is(as("duration", "1m1s"), 61);
  assert.throws(() => parseDurationSeconds("-5s"), (e: unknown) => e instanceof WardenError && e.status === 400);
  refused("duration", -1, /f: cannot provide negative value/);
  refused("duration", "1 hour", /f: invalid duration "1 hour"/);
  refused("duration", "h", /invalid duration/);
  refused("duration", "5x", /invalid duration/);
  refused("duration", "1h junk", /invalid duration/);
  refused("duration", Number.POSITIVE_INFINITY, /invalid f/);
  refused("duration", "99999999999s", /duration too large/);
  refused("duration", true, /expected a duration/);
  refused("duration", ["1h"], /expected a duration/);
});

test("bool: Vault's ParseBool spellings, numbers, and nothing else", () => {
  for (const v of [true, "true", "True", "TRUE", "t", "T", "1", " 1 ", 1, 7]) assert.is(as("bool", v), true, JSON.stringify(v));
  for (const v of [false, "false", "False", "FALSE", "f", "F", "0", "", 0]) assert.is(as("bool", v), false, JSON.stringify(v));
  for (const v of ["yes", "no", "tRue", "2", {}, ["true"]]) refused("bool", v, /field "f": expected a boolean/);
});

test("int: integers and their strings; booleans are 1/0; fractions and junk refused", () => {
  assert.is(as("int", 5), 5);
  assert.is(as("int", "-12"), -12);
  assert.is(as("int", " 7 "), 7);
  assert.is(as("int", true), 1);
  for (const v of [1.5, "1.5", "1e3", "", "x", "1234567890123456", {}, null]) refused("int", v, /field "f": expected an integer/);
});

test("string, lowercase_string, name: scalars become strings; names are checked", () => {
  assert.is(as("string", "a b"), "a b");
  assert.is(as("string", 12), "12");
  assert.is(as("string", false), "false");
  refused("string", { a: 1 }, /expected a string/);
  refused("string", ["a"], /expected a string/);
  assert.is(as("lowercase_string", "DeV-Role"), "dev-role");
  assert.is(as("name", "my_role.v2"), "my_role.v2");
  assert.is(as("name", "_x"), "_x");
  for (const bad of ["-x", "x-", ".x", "a/b", "a b", "", "x".repeat(129)]) refused("name", bad, /field "f" is not a valid name/);
  assert.is(as("name", "x".repeat(128)), "x".repeat(128));
});

test("comma_string_slice and string_slice: lists, trimmed, empties dropped; only the first splits commas", () => {
  assert.equal(as("comma_string_slice", "a, b,,c ,"), ["a", "b", "c"]);
  assert.equal(as("comma_string_slice", ["a,b", " c "]), ["a", "b", "c"]);
  assert.equal(as("comma_string_slice", ""), []);
  assert.equal(as("comma_string_slice", 5), ["5"]);
  assert.equal(as("string_slice", "a,b"), ["a,b"]);
  assert.equal(as("string_slice", [" a ", "", "b"]), ["a", "b"]);
  refused("comma_string_slice", [{ a: 1 }], /expected a string/);
  refused("string_slice", { a: 1 }, /expected a string/);
});

test("map: an object, or its JSON text; '' is empty; arrays and scalars refused", () => {
  assert.equal({ ...as("map", { a: 1, b: { c: true } }) }, { a: 1, b: { c: true } });
  assert.equal({ ...as("map", '{"x":"y"}') }, { x: "y" });
  assert.equal({ ...as("map", "  ") }, {});
  const m = as("map", '{"__proto__":{"polluted":1}}');
  assert.is(Object.getPrototypeOf(m), null, "no prototype to pollute");
  assert.is(({} as Record<string, unknown>).polluted, undefined);
  for (const v of ["[1]", "nope", "3", [1], 3, true]) refused("map", v, /field "f": expected a map/);
});

test("kv_pairs: an object of scalars, its JSON, [\"k=v\"] or a lone \"k=v\" (the value may hold '=')", () => {
  assert.equal({ ...as("kv_pairs", { a: "1", n: 2, b: true }) }, { a: "1", n: "2", b: "true" });
  assert.equal({ ...as("kv_pairs", '{"team":"core"}') }, { team: "core" });
  assert.equal({ ...as("kv_pairs", ["k=v=w", "e="]) }, { k: "v=w", e: "" });
  refused("kv_pairs", ["novalue"], /field "f": expected key=value/);
  refused("kv_pairs", ["=v"], /expected key=value/);
  refused("kv_pairs", { a: { nested: 1 } }, /expected a string/);
  assert.equal({ ...as("kv_pairs", "team=infra=x") }, { team: "infra=x" }, "a lone pair, as Vault");
  refused("kv_pairs", "nope", /field "f": expected key=value/);
  refused("kv_pairs", "=v", /expected key=value/);
  refused("kv_pairs", '{"a":', /expected a map/);
});

test("header: object, JSON, base64(JSON) or 'Name: value' lines; names lower-cased, values kept as lists", () => {
  const want = { "content-type": ["application/json"], "x-a": ["1", "2"] };
  assert.equal({ ...as("header", { "Content-Type": "application/json", "X-A": ["1", "2"] }) }, want);
  const json = JSON.stringify({ "Content-Type": ["application/json"], "x-a": ["1", "2"] });
  assert.equal({ ...as("header", json) }, want);
  assert.equal({ ...as("header", Buffer.from(json).toString("base64")) }, want, "what the vault CLI sends");
  assert.equal({ ...as("header", ["Host: sts.example", "X-N: 3"]) }, { host: ["sts.example"], "x-n": ["3"] });
  assert.equal({ ...as("header", { n: 3 }) }, { n: ["3"] });
  refused("header", "not json", /neither JSON nor base64-encoded JSON/);
  refused("header", { "Bad Name": "x" }, /invalid header name/);
  refused("header", { A: "1", a: "2" }, /repeats the header a/);
  refused("header", { a: "line\nbreak" }, /invalid value for a/);
  refused("header", { a: { x: 1 } }, /non-string value for a/);
  refused("header", ["no colon"], /"Name: value" strings/);
  refused("header", 5, /must be a map of headers/);
  refused("header", Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`h${i}`, "v"])), /too many headers/);
});

test("allowedValues: checked after coercion, for string types", () => {
  const schema = { allowedValues: ["iam", "ec2"] };
  assert.is(as("lowercase_string", "IAM", schema), "iam");
  refused("string", "gce", /field "f" must be one of: iam, ec2/, schema);
  refused("lowercase_string", "", /must be one of/, schema);
});

test("parseFields: weak coercion, defaults, required, supplied and unknown keys", () => {
  const fields = {
    n: { type: "int" },
    b: { type: "bool" },
    l: { type: "comma_string_slice" },
    s: { type: "string", required: true },
    d: { type: "duration", default: 7 },
    m: { type: "kv_pairs" },
  } as const;
  const p = parseFields(fields, { n: "5", b: "true", l: "a, b,,c", s: "x", extra: 1, m: null });
  assert.equal(p.values.n, 5);
  assert.equal(p.values.b, true);
  assert.equal(p.values.l, ["a", "b", "c"]);
  assert.equal(p.values.d, 7);
  assert.is(p.values.m, undefined, "null is absent");
  assert.equal(p.unknown, ["extra"]);
  assert.equal([...p.supplied].sort(), ["b", "l", "n", "s"]);
  assert.throws(() => parseFields(fields, { n: "x", s: "y" }), /field "n": expected an integer/);
  assert.throws(() => parseFields(fields, {}), /missing s/);
  assert.throws(() => parseFields(fields, { s: null }), /missing s/);
  // Inherited keys are not fields: "constructor" in the input is unknown, not a crash.
  assert.equal(parseFields({ s: { type: "string" } } as const, { constructor: "x" }).unknown, ["constructor"]);
});

test.run();

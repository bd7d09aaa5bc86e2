// Unit tests of the pure parts of the CLI: flag parsing, key=value data, durations, table layout.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { durationSeconds, parseArgs, parseKeyValues, StdinReader, UsageError, type FlagSpecs } from "../../src/cli/args.js";
import { resolveAddress } from "../../src/cli/client.js";
import { cell, columns, humanDuration } from "../../src/cli/format.js";

const specs: FlagSpecs = {
  method: { kind: "string", usage: "", default: "token" },
  orphan: { kind: "bool", usage: "" },
  policy: { kind: "list", usage: "" },
  metadata: { kind: "map", usage: "" },
};

test("flags: -f=v, -f v, --f, bools, lists, maps, positionals in any order", () => {
  const p = parseArgs(
    ["-method", "alicloud", "role=r", "--orphan", "-policy=a,b", "-policy", "c", "-metadata", "k=v=w", "x", "-"],
    specs,
  );
  assert.is(p.strings.method, "alicloud");
  assert.is(p.bools.orphan, true);
  assert.equal(p.lists.policy, ["a", "b", "c"]);
  assert.equal(p.maps.metadata, { k: "v=w" });
  assert.equal(p.positional, ["role=r", "x", "-"]);
  assert.ok(p.given.has("method") && !p.given.has("nope"));
});

test("flags: defaults, -bool=false, -- ends flags, errors", () => {
  const p = parseArgs(["-orphan=false", "--", "-method=x"], specs);
  assert.is(p.strings.method, "token");
  assert.is(p.bools.orphan, false);
  assert.equal(p.positional, ["-method=x"]);
  assert.throws(() => parseArgs(["-nope"], specs), (e: unknown) => e instanceof UsageError && /-nope/.test((e as Error).message));
  assert.throws(() => parseArgs(["-method"], specs), (e: unknown) => e instanceof UsageError);
  assert.throws(() => parseArgs(["-orphan=maybe"], specs), (e: unknown) => e instanceof UsageError);
  assert.throws(() => parseArgs(["-metadata=novalue"], specs), (e: unknown) => e instanceof UsageError);
});

test("key=value: strings, repeats become arrays, @file, \\@ escape, k=- and lone - from stdin", async () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-args-"));
  const file = join(dir, "v.txt");
  writeFileSync(file, "from-file\n");
  const data = await parseKeyValues(["a=1", "b=x", "b=y", `c=@${file}`, "d=\\@lit", "e=", "f=a=b"], new StdinReader(async () => ""));
  assert.equal(data, { a: "1", b: ["x", "y"], c: "from-file\n", d: "@lit", e: "", f: "a=b" });
  const fromStdin = await parseKeyValues(["s=-"], new StdinReader(async () => "piped"));
  assert.equal(fromStdin, { s: "piped" });
  const merged = await parseKeyValues(["-", "z=1"], new StdinReader(async () => '{"n": 5, "z": "0"}'));
  assert.equal(merged, { n: 5, z: ["0", "1"] });
});

async function usageError(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, UsageError);
    return e as Error;
  }
  assert.unreachable("expected a usage error");
  throw new Error("unreachable");
}

test("key=value: errors (no '=', empty key, missing file, stdin twice, non-object JSON)", async () => {
  const stdin = () => new StdinReader(async () => "x");
  assert.match((await usageError(parseKeyValues(["novalue"], stdin()))).message, /key=value/);
  await usageError(parseKeyValues(["=v"], stdin()));
  assert.match((await usageError(parseKeyValues(["k=@/nonexistent/warden-file"], stdin()))).message, /ENOENT/);
  assert.match((await usageError(parseKeyValues(["a=-", "b=-"], stdin()))).message, /already consumed/);
  await usageError(parseKeyValues(["-"], new StdinReader(async () => "[1]")));
  await usageError(parseKeyValues(["-"], new StdinReader(async () => "{not json")));
});

test("durations: Go syntax and bare seconds", () => {
  assert.is(durationSeconds("30m", "x"), 1800);
  assert.is(durationSeconds("1h30m", "x"), 5400);
  assert.is(durationSeconds("90", "x"), 90);
  assert.is(durationSeconds("1.5h", "x"), 5400);
  assert.throws(() => durationSeconds("1 hour", "x"), (e: unknown) => e instanceof UsageError);
  assert.throws(() => durationSeconds("-5s", "x"), (e: unknown) => e instanceof UsageError);
});

test("format: Vault-trimmed durations, Go %v cells, 4-space columns", () => {
  assert.is(humanDuration(2764800), "768h");
  assert.is(humanDuration(3600), "1h");
  assert.is(humanDuration(3660), "1h1m");
  assert.is(humanDuration(90), "1m30s");
  assert.is(humanDuration(45), "45s");
  assert.is(humanDuration(3601), "1h0m1s");
  assert.is(cell(["default", "dev"]), "[default dev]");
  assert.is(cell({ b: "2", a: "1" }), "map[a:1 b:2]");
  assert.is(cell(""), "n/a");
  assert.is(cell(true), "true");
  assert.is(columns([["Key", "Value"], ["token_accessor", "x"]]), "Key               Value\ntoken_accessor    x");
});

test("address: -address beats WARDEN_ADDR beats VAULT_ADDR beats the default", () => {
  const env = { WARDEN_ADDR: "http://w:1/", VAULT_ADDR: "http://v:2" };
  assert.is(resolveAddress("http://flag:3", env), "http://flag:3");
  assert.is(resolveAddress(undefined, env), "http://w:1");
  assert.is(resolveAddress(undefined, { VAULT_ADDR: "http://v:2" }), "http://v:2");
  assert.is(resolveAddress(undefined, {}), "http://127.0.0.1:8200");
});

test.run();

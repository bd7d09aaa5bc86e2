// One boolean reading: an API field, the server config file and a CLI flag accept and refuse the
// same spellings, with the same meaning (the SDK's readBool, Vault's ParseBool).
import * as assert from "uvu/assert";
import { parseArgs, UsageError } from "../../src/cli/args.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import { isWardenError } from "../../src/sdk/errors.js";
import { parseFields, readBool, readInt } from "../../src/sdk/fields.js";
import { test } from "../../src/sdk/testing/suite.js";

type Answer = boolean | "refused";

function viaField(v: string): Answer {
  try {
    return parseFields({ b: { type: "bool" } } as const, { b: v }).values.b!;
  } catch (e) {
    assert.ok(isWardenError(e) && e.status === 400, String(e));
    return "refused";
  }
}

async function viaConfig(v: string): Promise<Answer> {
  const text = `listener "tcp" {\n tls_disable = true\n x_forwarded_for_reject_not_present = ${JSON.stringify(v)}\n}\nstorage "sqlite" { path = "/tmp/x.db" }`;
  try {
    return (await parseServerConfig(text, "t.hcl", {})).listeners[0]!.xForwardedForRejectNotPresent;
  } catch (e) {
    assert.match(String(e), /x_forwarded_for_reject_not_present: expected a boolean/);
    return "refused";
  }
}

function viaFlag(v: string): Answer {
  try {
    return parseArgs([`-orphan=${v}`], { orphan: { kind: "bool", usage: "" } }).bools.orphan!;
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return "refused";
  }
}

const SPELLINGS: Array<[string, Answer]> = [
  ["true", true],
  ["True", true],
  ["TRUE", true],
  ["t", true],
  ["T", true],
  ["1", true],
  [" true ", true],
  ["false", false],
  ["False", false],
  ["FALSE", false],
  ["f", false],
  ["F", false],
  ["0", false],
  ["", false],
  ["tRuE", "refused"],
  ["yes", "refused"],
  ["on", "refused"],
  ["2", "refused"],
  ["maybe", "refused"],
];

test("booleans: field, config file and CLI flag agree on every spelling", async () => {
  for (const [spelling, want] of SPELLINGS) {
    const got = { field: viaField(spelling), config: await viaConfig(spelling), flag: viaFlag(spelling) };
    assert.equal(got, { field: want, config: want, flag: want }, JSON.stringify(spelling));
  }
});

test("readBool and readInt: non-string inputs (JSON and HCL values)", () => {
  assert.is(readBool(true), true);
  assert.is(readBool(false), false);
  assert.is(readBool(1), true);
  assert.is(readBool(0), false);
  assert.is(readBool(-3), true, "weak decoding: any non-zero number");
  assert.is(readBool(Number.NaN), undefined);
  for (const v of [null, undefined, {}, [], ["true"]]) assert.is(readBool(v), undefined, JSON.stringify(v));
  assert.is(readInt(42), 42);
  assert.is(readInt(" -7 "), -7);
  assert.is(readInt(true), 1);
  assert.is(readInt(false), 0);
  for (const v of [1.5, "1.5", "1e3", "", "x", "1234567890123456", Number.MAX_SAFE_INTEGER + 2, null, [1]]) assert.is(readInt(v), undefined, String(v));
});

test("integers: the config file reads what a field reads, and refuses negatives", async () => {
  const cfg = (v: string) => parseServerConfig(`listener "tcp" {\n tls_disable = true\n max_request_size = ${JSON.stringify(v)}\n}\nstorage "sqlite" { path = "/tmp/x.db" }`, "t.hcl", {});
  assert.is((await cfg(" 2048 ")).listeners[0]!.maxRequestSize, 2048);
  for (const bad of ["-1", "1.5", "lots"]) {
    try {
      await cfg(bad);
      assert.unreachable(bad);
    } catch (e) {
      assert.match(String(e), /max_request_size: expected a non-negative integer/);
    }
  }
});

test.run();

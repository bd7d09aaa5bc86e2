// Strict base64 (Go's StdEncoding): the loop in sdk/encoding.ts must give the verdict of the grammar
// it replaced, on every string, and decode only what passes.
import * as assert from "uvu/assert";
import { isStrictBase64 } from "../../src/sdk/encoding.js";
import { decodeBase64Strict, isWardenError } from "../../src/sdk/index.js";
import { test } from "../../src/sdk/testing/suite.js";

const GRAMMAR = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

test("isStrictBase64 agrees with the padded-base64 grammar on every string up to 6 characters", () => {
  // Alphabet letters, both specials, padding, and characters Node's lenient decoder would skip or map.
  const chars = ["A", "z", "9", "+", "/", "=", "-", "_", "\n", " ", "é"];
  let checked = 0;
  const walk = (s: string, depth: number): void => {
    assert.is(isStrictBase64(s), GRAMMAR.test(s), JSON.stringify(s));
    checked++;
    if (depth > 0) for (const c of chars) walk(s + c, depth - 1);
  };
  walk("", 6);
  for (const s of ["AAAA=", "AA==AA==", "A===", "====", "AAA=AAAA"]) assert.is(isStrictBase64(s), false, s);
  assert.ok(checked > 1_000_000);
});

test("decodeBase64Strict decodes what passes and refuses the rest with a 400", () => {
  const long = Buffer.from("x".repeat(700)).toString("base64");
  assert.is(decodeBase64Strict(long, "v").toString(), "x".repeat(700));
  assert.is(decodeBase64Strict("", "v").length, 0);
  for (const bad of ["YQ", "YQ=", "Y Q==", "YQ==\n", "YQ-_"]) {
    try {
      decodeBase64Strict(bad, "v");
      assert.unreachable(bad);
    } catch (e) {
      assert.ok(isWardenError(e) && e.status === 400, bad);
    }
  }
});

test.run();

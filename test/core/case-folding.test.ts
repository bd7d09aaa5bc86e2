// The router's canonical names: a segment captured into a case-folding field is lower-cased in the
// match's captures and in the remainder the ACL, the handler and the audit log get; nothing else moves.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PathMatcher } from "../../src/core/framework/path-matcher.js";
import { coerceField } from "../../src/sdk/fields.js";
import type { AnyPathDefinition } from "../../src/sdk/plugin.js";

const path = (pattern: string, fields: AnyPathDefinition["fields"]): AnyPathDefinition => ({ pattern, fields, operations: {} });

const matcher = new PathMatcher({
  paths: [
    path("role/:role_name/secret-id/?", { role_name: { type: "string", lowercase: true } }),
    path("role/:role_name/key/:key", { role_name: { type: "string", lowercase: true }, key: { type: "string" } }),
    path("legacy/:name", { name: { type: "lowercase_string" } }),
    path("exact/:name", { name: { type: "string" } }),
    path("files/:rest*", { rest: { type: "string", lowercase: true } }),
    path("Config", {}),
  ],
});

test("a case-folding capture is folded in the captures and in the canonical remainder", () => {
  const m = matcher.match("role/ADMIN/secret-id")!;
  assert.equal(m.captures, { role_name: "admin" });
  assert.is(m.remainder, "role/admin/secret-id");
  assert.is(matcher.match("role/Admin/secret-id/")!.remainder, "role/admin/secret-id/", "a list path keeps its slash");
});

test("only the declared capture folds; literals and other captures keep their case", () => {
  const m = matcher.match("role/OPS/key/MixedCase")!;
  assert.equal(m.captures, { role_name: "ops", key: "MixedCase" });
  assert.is(m.remainder, "role/ops/key/MixedCase");
  assert.is(matcher.match("exact/KeepMe")!.remainder, "exact/KeepMe");
  assert.is(matcher.match("Config")!.remainder, "Config");
  assert.is(matcher.match("config"), undefined, "literal segments are not case-insensitive");
});

test("lowercase_string captures fold too; a multi-segment capture folds as a whole", () => {
  assert.is(matcher.match("legacy/DEV")!.remainder, "legacy/dev");
  const m = matcher.match("files/A/B/c")!;
  assert.equal(m.captures, { rest: "a/b/c" });
  assert.is(m.remainder, "files/a/b/c");
});

test("the lowercase flag folds a body value the same way the router folds a segment", () => {
  assert.is(coerceField({ type: "string", lowercase: true }, "MyRole", "role"), "myrole");
  assert.is(coerceField({ type: "string" }, "MyRole", "role"), "MyRole");
});

test.run();

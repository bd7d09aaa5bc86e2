// The path matcher (src/core/framework/path-matcher.ts) as a unit: literal, capture, rest-capture and
// optional-slash patterns; precedence; what a segment may hold; declaration errors.
import * as assert from "uvu/assert";
import { compilePattern, PathMatcher } from "../../src/core/framework/path-matcher.js";
import { definePath, type AnyPathDefinition } from "../../src/sdk/plugin.js";
import { test } from "../../src/sdk/testing/suite.js";

const path = (pattern: string, fields: Record<string, { type: "string" }> = {}): AnyPathDefinition => definePath({ pattern, fields, operations: {} });
const matcherOf = (...paths: AnyPathDefinition[]) => new PathMatcher({ paths });
const role = path("role/:role", { role: { type: "string" } });
const roleList = path("role/?");
const login = path("login");
const secretId = path("role/:role/secret-id", { role: { type: "string" } });
const rest = path("keys/:name*", { name: { type: "string" } });

test("literal patterns match exactly, with no captures", () => {
  const m = matcherOf(login, role);
  assert.is(m.match("login")?.path.def, login);
  assert.equal(m.match("login")?.captures, {});
  for (const miss of ["login/", "logins", "/login", "Login", "", "login/x"]) assert.is(m.match(miss), undefined, miss);
});

test("':name' captures one segment of letters, digits, '_', '.', '@', '-'", () => {
  const m = matcherOf(role, secretId);
  assert.equal(m.match("role/dev-1.a@b_c")?.captures, { role: "dev-1.a@b_c" });
  assert.is(m.match("role/dev/secret-id")?.path.def, secretId);
  assert.equal(m.match("role/dev/secret-id")?.captures, { role: "dev" });
  for (const miss of ["role/", "role", "role/a/b", "role/a b", "role/a%2Fb", "role/a:b", "role/ä", "role/a/secret-id/x"]) {
    assert.is(m.match(miss), undefined, miss);
  }
});

test("':name*' captures one or more segments", () => {
  const m = matcherOf(rest);
  assert.equal(m.match("keys/a")?.captures, { name: "a" });
  assert.equal(m.match("keys/a/b/c")?.captures, { name: "a/b/c" });
  for (const miss of ["keys", "keys/", "keys/a/", "keys//a", "keys/a//b"]) assert.is(m.match(miss), undefined, miss);
});

test("a trailing '/?' makes the last slash optional (list paths)", () => {
  const m = matcherOf(roleList, role);
  assert.is(m.match("role")?.path.def, roleList);
  assert.is(m.match("role/")?.path.def, roleList);
  assert.is(m.match("role/dev")?.path.def, role);
});

test("a literal wins over an earlier capture; among captures the first declared wins", () => {
  const literalMe = path("role/me");
  assert.is(matcherOf(role, literalMe).match("role/me")?.path.def, literalMe);
  const a = path("x/:a", { a: { type: "string" } });
  const b = path("x/:b", { b: { type: "string" } });
  assert.is(matcherOf(a, b).match("x/1")?.path.def, a);
  assert.is(matcherOf(b, a).match("x/1")?.path.def, b);
  // Two identical literals: the first one declared.
  const first = path("dup");
  assert.is(matcherOf(first, path("dup")).match("dup")?.path.def, first);
});

test("regex characters in literal segments are literal", () => {
  const dotted = path("v1.0/a+b");
  const m = matcherOf(dotted, path("x/:y/z./?", { y: { type: "string" } }), path("q/z?"));
  assert.is(m.match("v1.0/a+b")?.path.def, dotted);
  assert.is(m.match("v1x0/aab"), undefined);
  assert.ok(m.match("x/1/z."));
  assert.ok(m.match("x/1/z./"), "'/?' after a literal ending in '.'");
  assert.is(m.match("x/1/zz"), undefined);
  assert.ok(m.match("q/z?"), "a '?' not after a slash is a literal character");
  assert.is(m.match("q/z"), undefined);
});

test("a capture without a declared field is a declaration error", () => {
  assert.throws(() => compilePattern(path("role/:role")), /path "role\/:role" captures "role" but declares no such field/);
  assert.throws(() => new PathMatcher({ paths: [path("k/:name*")] }), /captures "name"/);
  // Inherited names are not fields.
  assert.throws(() => compilePattern(path("x/:constructor")), /declares no such field/);
});

test("the empty pattern matches only the mount root", () => {
  const root = path("");
  const m = matcherOf(root);
  assert.is(m.match("")?.path.def, root);
  assert.is(m.match("/"), undefined);
});

test.run();

import { test } from "warden/sdk/testing/suite";
import * as assert from "uvu/assert";
import { audiences, checkBoundClaims, getClaim, globMatch, mapClaims, normalizeList } from "./claims.js";

const claims = {
  sub: "system:serviceaccount:ci:builder",
  groups: ["dev", "ops"],
  "kubernetes.io": { namespace: "ci", serviceaccount: { name: "builder" }, list: ["x", "y"] },
  "a/b": { "c~d": "escaped" },
  n: 42,
  flag: true,
  obj: { k: 1 },
};

test("getClaim reads top-level keys and RFC 6901 pointers (with ~0 and ~1 escapes)", () => {
  assert.is(getClaim(claims, "sub"), claims.sub);
  assert.is(getClaim(claims, "/kubernetes.io/namespace"), "ci");
  assert.is(getClaim(claims, "/kubernetes.io/serviceaccount/name"), "builder");
  assert.is(getClaim(claims, "/kubernetes.io/list/1"), "y");
  assert.is(getClaim(claims, "/a~1b/c~0d"), "escaped");
  assert.is(getClaim(claims, "/kubernetes.io/list/01"), undefined);
  assert.is(getClaim(claims, "/kubernetes.io/missing/deeper"), undefined);
  assert.is(getClaim(claims, "kubernetes.io/namespace"), undefined, "without a leading slash it is a key, not a pointer");
});

test("getClaim never walks the prototype chain", () => {
  assert.is(getClaim(claims, "/__proto__"), undefined);
  assert.is(getClaim(claims, "/obj/constructor"), undefined);
  assert.is(getClaim(claims, "toString"), undefined);
  assert.is(getClaim(claims, "/groups/length"), undefined);
});

test("normalizeList: scalars become one string, lists of scalars become strings, objects are refused", () => {
  assert.equal(normalizeList("a"), ["a"]);
  assert.equal(normalizeList(42), ["42"]);
  assert.equal(normalizeList(true), ["true"]);
  assert.equal(normalizeList(["a", 1]), ["a", "1"]);
  assert.is(normalizeList({ a: 1 }), undefined);
  assert.is(normalizeList([["nested"]]), undefined);
  assert.is(normalizeList(null), undefined);
});

test("globMatch: * is any run (also empty), everything else literal", () => {
  assert.ok(globMatch("repo:acme/*", "repo:acme/app:ref:main"));
  assert.ok(globMatch("*", ""));
  assert.ok(globMatch("a*b*c", "abc"));
  assert.ok(globMatch("a*b*c", "axxbyyc"));
  assert.not.ok(globMatch("a*b*c", "axxbyy"));
  assert.not.ok(globMatch("repo:acme/*", "repo:acme-evil/app"));
  assert.not.ok(globMatch("a?c", "abc"), "? is literal");
  assert.not.ok(globMatch("a.c", "abc"), ". is literal");
  assert.ok(globMatch("*.example.com", "x.example.com"));
  // A pathological pattern stays fast.
  const started = Date.now();
  assert.not.ok(globMatch("*a*a*a*a*a*a*a*a*b", "a".repeat(5000)));
  assert.ok(Date.now() - started < 2000);
});

test("checkBoundClaims: exact and glob, list claims match any, missing claims and objects refused", () => {
  assert.is(checkBoundClaims(claims, { "/kubernetes.io/namespace": "ci" }, false), undefined);
  assert.is(checkBoundClaims(claims, { groups: ["ops", "admin"] }, false), undefined, "a list claim matches if any element is bound");
  assert.is(checkBoundClaims(claims, { n: "42", flag: "true" }, false), undefined);
  assert.is(checkBoundClaims(claims, { groups: "admin" }, false), 'claim "groups" does not match any associated bound claim values');
  assert.is(checkBoundClaims(claims, { sub: "system:serviceaccount:ci:*" }, false), 'claim "sub" does not match any associated bound claim values', "no globs in string mode");
  assert.is(checkBoundClaims(claims, { sub: "system:serviceaccount:ci:*" }, true), undefined);
  assert.is(checkBoundClaims(claims, { missing: "x" }, false), 'claim "missing" is missing');
  assert.match(checkBoundClaims(claims, { obj: "x" }, false) ?? "", /not a string or list/);
});

test("mapClaims: mapped values as strings, missing ones skipped, objects refused with Vault's message", () => {
  assert.equal({ ...(mapClaims(claims, { "/kubernetes.io/namespace": "namespace", n: "number", absent: "x" }) as object) }, { namespace: "ci", number: "42" });
  assert.is(mapClaims(claims, { obj: "o" }), "error converting claim 'obj' to string");
});

test("audiences: a string is one audience, a list of strings is kept, anything else is malformed", () => {
  assert.equal(audiences({ aud: "a" }), ["a"]);
  assert.equal(audiences({ aud: ["a", "b"] }), ["a", "b"]);
  assert.equal(audiences({}), []);
  assert.is(audiences({ aud: 5 }), undefined);
  assert.is(audiences({ aud: ["a", 5] }), undefined);
});

test.run();

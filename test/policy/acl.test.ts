import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { compileAcl } from "../../src/core/policy/acl.js";
import { parsePolicy, ROOT_POLICY } from "../../src/core/policy/parse.js";
import type { Acl, AclOperation } from "../../src/core/policy/types.js";

const acl = async (...texts: string[]): Promise<Acl> =>
  compileAcl(await Promise.all(texts.map((t, i) => parsePolicy(`p${i}`, t))));

type Case = [AclOperation, string, boolean, boolean]; // op, path, allowed, sudo
function expectCases(a: Acl, cases: Case[]): void {
  for (const [op, path, allowed, sudo] of cases) {
    const d = a.check(path, op);
    assert.is(d.allowed, allowed, `${op} ${path}: allowed`);
    assert.is(d.sudo, sudo, `${op} ${path}: sudo`);
  }
}

// A policy in the spirit of OpenBao's acl_test.go fixture (legacy `policy`, capabilities, globs, `+`).
const ONE = `
name = "Team"
path "dev/*" { policy = "sudo" }
path "stage/*" { policy = "write" }
path "stage/aws/*" {
  policy = "read"
  capabilities = ["update", "sudo"]
}
path "stage/aws/policy/*" { policy = "sudo" }
path "prod/*" { policy = "read" }
path "prod/aws/*" { policy = "deny" }
path "sys/*" { policy = "deny" }
path "foo/bar" { capabilities = ["read", "create", "sudo"] }
path "baz/quux" { capabilities = ["read", "create", "patch"] }
path "test/+/segment" { capabilities = ["read"] }
path "+/segment/at/front" { capabilities = ["read"] }
path "test/segment/at/end/+" { capabilities = ["read"] }
path "test/segment/at/end/v2/+/" { capabilities = ["read"] }
path "test/+/wildcard/+/*" { capabilities = ["read"] }
path "1/2/*" { capabilities = ["create"] }
path "1/2/+" { capabilities = ["read"] }
path "1/2/+/+" { capabilities = ["update"] }
`;

const TWO = `
path "dev/hide/*" { policy = "deny" }
path "stage/aws/policy/*" {
  policy = "deny"
  capabilities = ["read", "update", "sudo"]
}
path "prod/*" { policy = "write" }
path "sys/seal" { policy = "sudo" }
path "foo/bar" { capabilities = ["deny"] }
path "baz/quux" { capabilities = ["deny"] }
`;

test("single policy: legacy policies, capabilities, globs and segment wildcards", async () => {
  const a = await acl(ONE);
  expectCases(a, [
    ["read", "root", false, false],
    ["read", "dev/foo", true, true],
    ["update", "dev/foo", true, true],
    ["delete", "stage/foo", true, false],
    ["list", "stage/aws/foo", true, true],
    ["update", "stage/aws/foo", true, true],
    ["update", "stage/aws/policy/foo", true, true],
    ["delete", "prod/foo", false, false],
    ["update", "prod/foo", false, false],
    ["read", "prod/foo", true, false],
    ["list", "prod/foo", true, false],
    ["read", "prod/aws/foo", false, false],
    ["read", "foo/bar", true, true],
    ["list", "foo/bar", false, true],
    ["update", "foo/bar", false, true],
    ["create", "foo/bar", true, true],
    ["read", "baz/quux", true, false],
    ["create", "baz/quux", true, false],
    ["patch", "baz/quux", true, false],
    ["list", "baz/quux", false, false],
    ["update", "baz/quux", false, false],
    // segment wildcards
    ["read", "test/foo/bar/segment", false, false],
    ["read", "test/foo/segment", true, false],
    ["read", "test/bar/segment", true, false],
    ["read", "test/segment/at/frond", false, false],
    ["read", "test/segment/at/front", true, false],
    ["read", "test/segment/at/end/foo", true, false],
    ["read", "test/segment/at/end/foo/", false, false],
    ["read", "test/segment/at/end/v2/foo/", true, false],
    ["read", "test/segment/wildcard/at/foo/", true, false],
    ["read", "test/segment/wildcard/at/end", true, false],
    ["read", "test/segment/wildcard/at/end/", true, false],
    ["read", "test/segment/wildcard/at", false, false],
    // segment wildcards versus a glob
    ["read", "1/2/3/4", false, false],
    ["read", "1/2/3", true, false],
    ["update", "1/2/3", false, false],
    ["update", "1/2/3/4", true, false],
    ["create", "1/2/3/4/5", true, false],
  ]);
});

test("layered policies merge by path string; deny on the same path wins", async () => {
  const a = await acl(ONE, TWO);
  expectCases(a, [
    ["read", "dev/foo", true, true],
    ["read", "dev/hide/foo", false, false],
    ["update", "dev/hide/foo", false, false],
    ["list", "stage/aws/foo", true, true],
    ["update", "stage/aws/policy/foo", false, false],
    ["delete", "prod/foo", true, false],
    ["update", "prod/foo", true, false],
    ["read", "prod/aws/foo", false, false],
    ["read", "sys/status", false, false],
    ["update", "sys/seal", true, true],
    ["read", "foo/bar", false, false],
    ["create", "foo/bar", false, false],
    ["read", "baz/quux", false, false],
    ["patch", "baz/quux", false, false],
  ]);
  // order of policies does not matter for a deny
  const b = await acl(TWO, ONE);
  assert.is(b.check("foo/bar", "read").allowed, false);
  assert.equal(b.capabilities("foo/bar"), ["deny"]);
});

test("same path twice in one policy merges capabilities", async () => {
  const a = await acl(`
path "x/y" { capabilities = ["read"] }
path "x/y" { capabilities = ["update"] }
path "/x/z" { capabilities = ["list"] }
`);
  assert.equal(a.capabilities("x/y"), ["read", "update"]);
  assert.ok(a.check("x/z", "list").allowed, "leading slash in a policy path is stripped");
});

test("a deny on a less specific rule does not override a more specific allow", async () => {
  const a = await acl(`
path "secret/*" { capabilities = ["deny"] }
path "secret/team/*" { capabilities = ["read"] }
path "secret/team/exact" { capabilities = ["update"] }
`);
  assert.ok(a.check("secret/team/x", "read").allowed);
  assert.ok(a.check("secret/team/exact", "update").allowed);
  assert.not.ok(a.check("secret/team/exact", "read").allowed, "only the winning (exact) rule counts");
  assert.not.ok(a.check("secret/other", "read").allowed);
});

test("greedy prefix #331: an exact path does not match longer paths", async () => {
  const a = await acl(`path "secret/foo" { capabilities = ["read"] }`);
  assert.ok(a.check("secret/foo", "read").allowed);
  assert.not.ok(a.check("secret/foo000", "read").allowed);
  assert.not.ok(a.check("secret/foo/bar", "read").allowed);
  assert.not.ok(a.check("secret/fo", "read").allowed);
});

test("a * that is not last is a literal character", async () => {
  const a = await acl(`path "secret/*/x" { capabilities = ["read"] }`);
  assert.ok(a.check("secret/*/x", "read").allowed);
  assert.not.ok(a.check("secret/a/x", "read").allowed);
});

test("list: trailing slash falls back to the rule without it", async () => {
  const a = await acl(`
path "auth/approle/role" { capabilities = ["list"] }
path "kv/dir*" { capabilities = ["list"] }
`);
  assert.ok(a.check("auth/approle/role/", "list").allowed, "exact rule without trailing slash");
  assert.not.ok(a.check("auth/approle/role/", "read").allowed, "only list gets the fallback");
  assert.ok(a.check("kv/dir/", "list").allowed);
  const b = await acl(`path "a/b" { capabilities = ["list"] }`);
  assert.not.ok(b.check("a/b/c/", "list").allowed);
});

test("segment wildcard priority (OpenBao table): the update rule must win every time", async () => {
  const pairs: Array<[string, string, string]> = [
    ["+/*", "*", "foo/bar/bar/baz"],
    ["+/*", "foo/+/*", "foo/bar/bar/baz"],
    ["foo/+/+/*", "foo/+/bar/baz", "foo/bar/bar/baz"],
    ["foo/+/+/baz", "foo/+/bar/baz", "foo/bar/bar/baz"],
    ["foo/+/(ar/baz", "foo/(ar/+/baz", "foo/(ar/(ar/baz"],
    ["foo/bar/+/baz*", "foo/bar/+/baz", "foo/bar/bar/baz"],
    ["foo/bar/+/b*", "foo/bar/+/ba*", "foo/bar/bar/baz"],
    // the brief's table: foo/a* beats foo/+, foo/+ beats foo/*
    ["foo/+", "foo/a*", "foo/abc"],
    ["foo/*", "foo/+", "foo/abc"],
    // longer glob beats shorter glob
    ["foo/*", "foo/ab*", "foo/abc"],
  ];
  for (const [readRule, updateRule, path] of pairs) {
    for (const order of [0, 1]) {
      const stanzas = [
        `path "${readRule}" { capabilities = ["read"] }`,
        `path "${updateRule}" { capabilities = ["update"] }`,
      ];
      if (order) stanzas.reverse();
      const a = await acl(stanzas.join("\n"));
      assert.ok(a.check(path, "update").allowed, `${updateRule} should beat ${readRule} for ${path}`);
      assert.not.ok(a.check(path, "read").allowed, `${readRule} must not be consulted for ${path}`);
    }
  }
});

test("+ matches exactly one segment, and + rules need the same segment count", async () => {
  const a = await acl(`path "auth/+/login" { capabilities = ["update"] }`);
  assert.ok(a.check("auth/approle/login", "update").allowed);
  assert.not.ok(a.check("auth/a/b/login", "update").allowed);
  assert.not.ok(a.check("auth/login", "update").allowed);
  assert.not.ok(a.check("auth/approle/login/x", "update").allowed);
});

test("exact beats any glob, even a longer one", async () => {
  const a = await acl(`
path "a/b" { capabilities = ["read"] }
path "a/b*" { capabilities = ["update"] }
`);
  assert.ok(a.check("a/b", "read").allowed);
  assert.not.ok(a.check("a/b", "update").allowed);
  assert.ok(a.check("a/bc", "update").allowed);
});

test("root policy allows everything with sudo; no rule means denied", async () => {
  const root = compileAcl([ROOT_POLICY]);
  assert.ok(root.root);
  const d = root.check("sys/mounts/foo", "update");
  assert.ok(d.allowed && d.sudo);
  assert.ok(root.capabilities("anything").includes("sudo"));
  const none = compileAcl([]);
  assert.not.ok(none.root);
  assert.equal(none.check("sys/mounts/foo", "read"), { allowed: false, sudo: false, capabilities: [] });
  assert.equal(none.capabilities("x"), ["deny"]);
});

test("capabilities report Vault's order and 'deny' when nothing is granted", async () => {
  const a = await acl(`
path "dev/*" { policy = "sudo" }
path "stage/aws/*" {
  policy = "read"
  capabilities = ["update", "sudo"]
}
path "empty" { capabilities = [] }
`);
  assert.equal(a.capabilities("dev"), ["deny"]);
  assert.equal(a.capabilities("dev/"), ["sudo", "read", "list", "update", "delete", "create"]);
  assert.equal(a.capabilities("stage/aws/test"), ["sudo", "read", "list", "update"]);
  assert.equal(a.capabilities("empty"), ["deny"]);
  assert.not.ok(a.check("empty", "read").allowed);
  // capabilities resolve like a list request: "x/" falls back to an exact "x" rule
  const b = await acl(`path "dev/*" { policy = "sudo" }\npath "dev" { capabilities = ["deny"] }`);
  assert.equal(b.capabilities("dev/"), ["deny"]);
  assert.equal(b.capabilities("dev/x"), ["sudo", "read", "list", "update", "delete", "create"]);
});

test("wrapping TTL bounds are enforced, not silently dropped", async () => {
  const a = await acl(`
path "w/max" {
  policy = "write"
  max_wrapping_ttl = "400s"
}
path "w/min" {
  policy = "write"
  min_wrapping_ttl = 300
}
`);
  assert.not.ok(a.check("w/max", "update").allowed, "unwrapped request denied");
  assert.ok(a.check("w/max", "update", {}, 350).allowed);
  assert.not.ok(a.check("w/max", "update", {}, 450).allowed);
  assert.not.ok(a.check("w/min", "update", {}, 50).allowed);
  assert.ok(a.check("w/min", "update", {}, 450).allowed);
});

test("check is fast enough to run on every request", async () => {
  const stanzas: string[] = [];
  for (let i = 0; i < 300; i++) {
    stanzas.push(`path "secret/team${i}/*" { capabilities = ["read"] }`);
    stanzas.push(`path "auth/+/role/r${i}" { capabilities = ["update"] }`);
    stanzas.push(`path "exact/p${i}" { capabilities = ["read"] }`);
  }
  const a = await acl(stanzas.join("\n"));
  const n = 50_000;
  const start = process.hrtime.bigint();
  let allowed = 0;
  for (let i = 0; i < n; i++) {
    if (a.check(`secret/team${i % 300}/x/y`, "read").allowed) allowed++;
    if (a.check(`auth/approle/role/r${i % 300}`, "update").allowed) allowed++;
  }
  const perCheckUs = Number(process.hrtime.bigint() - start) / 1000 / (2 * n);
  assert.is(allowed, 2 * n);
  assert.ok(perCheckUs < 50, `a check took ${perCheckUs.toFixed(2)} µs on average`);
});

test.run();

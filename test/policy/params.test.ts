import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { compileAcl } from "../../src/core/policy/acl.js";
import { parsePolicy } from "../../src/core/policy/parse.js";
import { globMatch } from "../../src/core/policy/params.js";
import type { Acl } from "../../src/core/policy/types.js";

const acl = async (text: string): Promise<Acl> => compileAcl([await parsePolicy("p", text)]);
const ok = (a: Acl, path: string, data: Record<string, unknown>): boolean =>
  a.check(path, "update", data).allowed && a.check(path, "create", data).allowed;

const PERMS = `
path "dev/*" {
  policy = "write"
  allowed_parameters = { "zip" = [] }
}
path "foo/bar" {
  policy = "write"
  denied_parameters = { "zap" = [] }
}
path "broken/phone" {
  policy = "write"
  allowed_parameters = { "steve" = [] }
  denied_parameters = { "steve" = [] }
}
path "hello/world" {
  policy = "write"
  allowed_parameters = { "*" = [] }
  denied_parameters = { "*" = [] }
}
path "tree/fort" {
  policy = "write"
  allowed_parameters = { "*" = [] }
  denied_parameters = { "foo" = [] }
}
path "fruit/apple" {
  policy = "write"
  allowed_parameters = { "pear" = [] }
  denied_parameters = { "*" = [] }
}
path "cold/weather" {
  policy = "write"
  allowed_parameters = {}
  denied_parameters = {}
}
path "var/aws" {
  policy = "write"
  allowed_parameters = { "*" = [] }
  denied_parameters = {
    "soft" = []
    "warm" = []
    "kitty" = []
  }
}
path "var/req" {
  policy = "write"
  required_parameters = ["foo"]
}
`;

test("allowed/denied/required parameter names (AllowOperation table)", async () => {
  const a = await acl(PERMS);
  const names = (...ks: string[]) => Object.fromEntries(ks.map((k) => [k, ""]));
  assert.ok(ok(a, "dev/ops", names("zip")));
  assert.not.ok(ok(a, "dev/ops", names("zap")));
  assert.not.ok(ok(a, "foo/bar", names("zap")));
  assert.ok(ok(a, "foo/bar", names("zip")));
  assert.not.ok(ok(a, "broken/phone", names("steve")));
  assert.not.ok(ok(a, "hello/world", names("one")));
  assert.ok(ok(a, "tree/fort", names("one")));
  assert.not.ok(ok(a, "tree/fort", names("foo")));
  assert.not.ok(ok(a, "fruit/apple", names("pear")));
  assert.ok(ok(a, "cold/weather", names("four")));
  assert.not.ok(ok(a, "var/aws", names("cold", "warm", "kitty")));
  assert.not.ok(ok(a, "var/req", names("cold", "warm", "kitty")));
  assert.ok(ok(a, "var/req", names("cold", "warm", "kitty", "foo")));
  assert.not.ok(a.check("var/req", "update").allowed, "required parameter missing with no data");
  assert.ok(a.check("fruit/apple", "update", {}).allowed, "no data: nothing to deny");
  assert.ok(a.check("hello/world", "delete", { x: 1 }).allowed, "delete does not check parameters");
});

const VALUES = `
path "dev/*" {
  policy = "write"
  allowed_parameters = { "allow" = ["good"] }
}
path "foo/bar" {
  policy = "write"
  denied_parameters = { "deny" = ["bad*"] }
}
path "foo/baz" {
  policy = "write"
  allowed_parameters = { "ALLOW" = ["good"] }
  denied_parameters = { "dEny" = ["bad"] }
}
path "fizz/buzz" {
  policy = "write"
  allowed_parameters = {
    "allow_multi" = ["good", "good1", "good2", "*good3"]
    "allow" = ["good"]
  }
  denied_parameters = { "deny_multi" = ["bad", "bad1", "bad2"] }
}
path "test/types" {
  policy = "write"
  allowed_parameters = {
    "map" = [{ "good" = "one" }]
    "int" = [1, 2]
    "bool" = [false]
  }
}
path "test/star" {
  policy = "write"
  allowed_parameters = {
    "*" = []
    "foo" = []
    "bar" = [false]
  }
}
`;

test("value permissions (ValuePermissions table): globs, case, types, null", async () => {
  const a = await acl(VALUES);
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ["dev/ops", { allow: "good" }, true],
    ["dev/ops", { allow: "bad" }, false],
    ["foo/bar", { deny: "bad" }, false],
    ["foo/bar", { deny: "bad glob" }, false],
    ["foo/bar", { deny: "good" }, true],
    ["foo/bar", { allow: "good" }, true],
    ["foo/bar", { deny: null }, true],
    ["foo/baz", { aLLow: "good" }, true],
    ["foo/baz", { deny: "bad" }, false],
    ["foo/baz", { deny: "good" }, false],
    ["foo/baz", { allow: "good", deny: "bad" }, false],
    ["foo/baz", { deNy: "bad", allow: "good" }, false],
    ["foo/baz", { aLLow: "bad" }, false],
    ["foo/baz", { Neither: "bad" }, false],
    ["foo/baz", { allow: null }, false],
    ["fizz/buzz", { allow_multi: "good1" }, true],
    ["fizz/buzz", { allow_multi: "good2" }, true],
    ["fizz/buzz", { allow_multi: "glob good2" }, false],
    ["fizz/buzz", { allow_multi: "glob good3" }, true],
    ["fizz/buzz", { allow_multi: "bad" }, false],
    ["fizz/buzz", { allow_multi: "good1", allow: "good" }, true],
    ["fizz/buzz", { deny_multi: "bad2" }, false],
    ["fizz/buzz", { deny_multi: "good", allow_multi: "good2" }, false],
    ["test/types", { map: { good: "one" } }, true],
    ["test/types", { map: { bad: "one" } }, false],
    ["test/types", { int: 1 }, true],
    ["test/types", { int: 3 }, false],
    ["test/types", { int: "1" }, false],
    ["test/types", { bool: false }, true],
    ["test/types", { bool: true }, false],
    ["test/star", { anything: true }, true],
    ["test/star", { foo: true }, true],
    ["test/star", { bar: false }, true],
    ["test/star", { bar: true }, false],
  ];
  for (const [path, data, expected] of cases) {
    assert.is(ok(a, path, data), expected, `${path} ${JSON.stringify(data)}`);
  }
});

test("#18591: list values and comma strings are checked element by element", async () => {
  const a = await acl(`
path "auth/approle/role/*" {
  capabilities = ["create", "update"]
  allowed_parameters = {
    "token_policies" = ["test-approle-*"]
    "*" = []
  }
  denied_parameters = { "bound_cidr_list" = ["0.0.0.0/0"] }
}
`);
  const p = "auth/approle/role/x";
  assert.ok(ok(a, p, { token_policies: "test-approle-a" }));
  assert.not.ok(ok(a, p, { token_policies: "test-approle-empty, admin" }), "comma string smuggling admin");
  assert.ok(ok(a, p, { token_policies: "test-approle-a,test-approle-b" }));
  assert.ok(ok(a, p, { token_policies: ["test-approle-a", "test-approle-b"] }));
  assert.not.ok(ok(a, p, { token_policies: ["test-approle-a", "admin"] }), "array smuggling admin");
  assert.not.ok(ok(a, p, { token_policies: [] }), "empty list is not in the allowed list");
  assert.not.ok(ok(a, p, { bound_cidr_list: ["10.0.0.0/8", "0.0.0.0/0"] }), "denied element in a list");
  assert.not.ok(ok(a, p, { bound_cidr_list: "10.0.0.0/8, 0.0.0.0/0" }), "denied element in a comma string");
  assert.ok(ok(a, p, { bound_cidr_list: ["10.0.0.0/8"] }));
});

test("merged parameter constraints (PolicyMerge): empty list wins, values concatenate, required union", async () => {
  const a = await acl(`
path "m/x" {
  policy = "write"
  allowed_parameters = { "test" = [1, 2] }
  required_parameters = ["a"]
}
path "m/x" {
  policy = "write"
  allowed_parameters = { "test" = [3, 4] }
  required_parameters = ["b"]
}
path "m/any" {
  policy = "write"
  allowed_parameters = { "k" = ["v"] }
}
path "m/any" {
  policy = "write"
  allowed_parameters = { "k" = [] }
}
path "m/deny" {
  policy = "write"
  denied_parameters = { "test" = [] }
}
path "m/deny" {
  policy = "write"
  denied_parameters = { "*" = [] }
}
`);
  assert.ok(ok(a, "m/x", { a: 1, b: 1, test: 4 }) === false, "a and b are not allowed parameters");
  const b = await acl(`
path "m/x" {
  policy = "write"
  allowed_parameters = {
    "test" = [1, 2]
    "*" = []
  }
  required_parameters = ["a"]
}
path "m/x" {
  policy = "write"
  allowed_parameters = { "test" = [3, 4] }
  required_parameters = ["b"]
}
`);
  assert.ok(ok(b, "m/x", { a: 1, b: 1, test: 4 }));
  assert.ok(ok(b, "m/x", { a: 1, b: 1, test: 1 }));
  assert.not.ok(ok(b, "m/x", { a: 1, b: 1, test: 5 }));
  assert.not.ok(ok(b, "m/x", { a: 1, test: 1 }), "required parameters are unioned");
  assert.ok(ok(a, "m/any", { k: "anything" }), "an empty list on either side allows any value");
  assert.not.ok(ok(a, "m/deny", { other: 1 }), "merged '*' denies everything");
});

test("globMatch follows Vault's GlobbedStringsMatch", () => {
  assert.ok(globMatch("ab*", "abc"));
  assert.ok(globMatch("*bc", "abc"));
  assert.ok(globMatch("*b*", "abc"));
  assert.not.ok(globMatch("*", "abc"), "a lone * is literal");
  assert.ok(globMatch("*", "*"));
  assert.not.ok(globMatch("a*c", "abc"), "a * in the middle is literal");
  assert.not.ok(globMatch("ab*", "xab"));
});

test.run();

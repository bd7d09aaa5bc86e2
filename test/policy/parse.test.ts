import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { compileAcl } from "../../src/core/policy/acl.js";
import { loadPolicyDir } from "../../src/core/policy/dir.js";
import { DEFAULT_POLICY_TEXT, normalizePolicyName, parsePolicy } from "../../src/core/policy/parse.js";
import { WardenError } from "../../src/sdk/errors.js";

const isParseError = (re: RegExp) => (e: unknown) =>
  e instanceof WardenError && e.status === 400 && /^failed to parse policy: /.test(e.message) && re.test(e.message);

async function rejects(p: Promise<unknown>, check: (e: unknown) => boolean, what: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(check(e), `${what}: unexpected error ${String(e)}`);
    return;
  }
  assert.unreachable(`${what}: expected an error`);
}

test("policy names: trimmed, lower-cased, root refused after normalisation", () => {
  assert.is(normalizePolicyName("  Dev-Ops_1.x "), "dev-ops_1.x");
  for (const bad of ["root", " ROOT ", "Root", "", "   ", "a/b", "a b", ".hidden", "x.", "ünï", "a*"]) {
    assert.throws(() => normalizePolicyName(bad), (e: unknown) => e instanceof WardenError && e.status === 400, bad);
  }
  assert.throws(() => normalizePolicyName(" ROOT "), /cannot update "root" policy/);
});

test("parsePolicy refuses the root name too", async () => {
  await rejects(parsePolicy(" Root", ""), (e) => e instanceof WardenError && /root/.test(e.message), "root");
});

test("legacy policy expansion, deny wipes other capabilities and parameters", async () => {
  const p = await parsePolicy("P", `
path "r" { policy = "read" }
path "w" { policy = "write" }
path "s" { policy = "sudo" }
path "d" {
  capabilities = ["read", "deny", "update"]
  allowed_parameters = { "x" = [] }
}
path "d2" {
  policy = "deny"
  capabilities = ["read"]
}
`);
  assert.is(p.name, "p");
  const caps = Object.fromEntries(p.rules.map((r) => [r.path, r.capabilities]));
  assert.equal(caps.r, ["read", "list"]);
  assert.equal(caps.w, ["create", "read", "update", "delete", "list"]);
  assert.equal(caps.s, ["create", "read", "update", "delete", "list", "sudo"]);
  assert.equal(caps.d, ["deny"]);
  assert.equal(caps.d2, ["deny"]);
  assert.is(p.rules.find((r) => r.path === "d")!.allowedParameters, undefined);
});

test("ignored Vault keys are accepted; parameter names are lower-cased", async () => {
  const p = await parsePolicy("p", `
path "a" {
  capabilities = ["read"]
  comment = "why"
  mfa_methods = ["m1"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "1h"
  allowed_parameters = { "FoO" = ["x"] }
  required_parameters = ["bar"]
  control_group = {
    ttl = "1h"
  }
}
`);
  assert.equal(p.rules[0]!.allowedParameters, { foo: ["x"] });
  assert.equal(p.rules[0]!.requiredParameters, ["bar"]);
  assert.is(p.rules[0]!.minWrappingTtl, 60);
  assert.is(p.rules[0]!.maxWrappingTtl, 3600);
});

test("malformed policies are 400 'failed to parse policy'", async () => {
  await rejects(parsePolicy("p", "name{}"), isParseError(/name/), "name{}");
  await rejects(parsePolicy("p", `path "a" { capabilities = [ }`), isParseError(/policy\.hcl:1,/), "syntax");
  await rejects(parsePolicy("p", `path "a" { capabilities = ["reed"] }`), isParseError(/invalid capability "reed"/), "capability");
  await rejects(parsePolicy("p", `path "a" { capabilities = ["scan"] }`), isParseError(/invalid capability/), "scan");
  await rejects(parsePolicy("p", `path "a" { policy = "admin" }`), isParseError(/invalid policy "admin"/), "legacy");
  await rejects(parsePolicy("p", `path "a" { capability = ["read"] }`), isParseError(/invalid key "capability"/), "key");
  await rejects(parsePolicy("p", `paths "a" { capabilities = ["read"] }`), isParseError(/invalid key "paths"/), "top");
  await rejects(parsePolicy("p", `path "a/+*" { capabilities = ["read"] }`), isParseError(/\+\*/), "+*");
  await rejects(parsePolicy("p", `path "a" { capabilities = "read" }`), isParseError(/list of strings/), "type");
  await rejects(
    parsePolicy("p", `path "a" {\n allowed_parameters = { "x" = "y" }\n}`),
    isParseError(/must be a list/),
    "param type",
  );
  await rejects(
    parsePolicy("p", `path "a" {\n min_wrapping_ttl = "2h"\n max_wrapping_ttl = "1h"\n}`),
    isParseError(/max_wrapping_ttl/),
    "wrap",
  );
  await rejects(
    parsePolicy("p", `path "a/{{identity.groups.ids}}" { capabilities = ["read"] }`),
    isParseError(/unsupported template/),
    "template",
  );
  await rejects(parsePolicy("p", `{"path": {`), isParseError(/invalid JSON/), "json");
});

test("every parse error names its line (the console shows it there)", async () => {
  const text = [
    `path "secret/*" {`,
    `  capabilities = ["read"]`,
    `}`,
    ``,
    `path "auth/token/*" {`,
    `  capabilities = [`,
    `    "read",`,
    `    "reed",`,
    `  ]`,
    `}`,
  ].join("\n");
  await rejects(parsePolicy("p", text), isParseError(/^failed to parse policy: policy\.hcl:8: path "auth\/token\/\*": invalid capability "reed"$/), "capability");
  // The second stanza for the same path is the one named, not the first.
  const twice = `path "a" { capabilities = ["read"] }\npath "a" {\n  policy = "admin"\n}`;
  await rejects(parsePolicy("p", twice), isParseError(/policy\.hcl:3: path "a": invalid policy "admin"/), "legacy, second stanza");
  await rejects(parsePolicy("p", `path "a" {\n  capabilities = ["read"]\n  capability = ["x"]\n}`), isParseError(/policy\.hcl:3: path "a": invalid key "capability"/), "key");
  await rejects(parsePolicy("p", `\n\npaths "a" { capabilities = ["read"] }`), isParseError(/policy\.hcl:3: invalid key "paths"/), "top");
  await rejects(parsePolicy("p", `\npath "a/+*" { capabilities = ["read"] }`), isParseError(/policy\.hcl:2: /), "wildcards: the stanza's line");
  await rejects(parsePolicy("p", `path "a" {\n  capabilities = [ \n}`), isParseError(/policy\.hcl:3,/), "syntax errors keep the parser's line");
  await rejects(parsePolicy("j", `{"path": {\n  "a": {"capabilities": ["read"]},\n  "b": {\n    "capabilities": ["bogus"]}}}`), isParseError(/policy\.json:4: path "b"/), "json");
});

test("JSON policies use the same structure", async () => {
  const j = await parsePolicy("j", `{"path": {"secret/*": {"capabilities": ["read"]}, "x": [{"policy": "write"}]}}`);
  const a = compileAcl([j]);
  assert.ok(a.check("secret/foo", "read").allowed);
  assert.ok(a.check("x", "delete").allowed);
  await rejects(
    parsePolicy("j", `{"path": {"a": {"capabilities": ["bogus"]}}}`),
    isParseError(/invalid capability "bogus"/),
    "json capability",
  );
  await rejects(parsePolicy("j", `{"paths": {}}`), isParseError(/invalid key "paths"/), "json key");
});

test("templating: filled from the entity, dropped when missing or unsafe (CVE-2026-5006)", async () => {
  const p = await parsePolicy("t", `
path "secret/{{identity.entity.id}}/*" { capabilities = ["read"] }
path "kv/{{identity.entity.metadata.team}}/*" { capabilities = ["read"] }
path "by-name/{{ identity.entity.name }}" { capabilities = ["update"] }
`);
  assert.ok(p.templated);
  const a = compileAcl([p], { entityId: "e1", entityName: "alice", entityMetadata: { team: "blue" } });
  assert.ok(a.check("secret/e1/x", "read").allowed);
  assert.not.ok(a.check("secret/e2/x", "read").allowed);
  assert.ok(a.check("kv/blue/x", "read").allowed);
  assert.ok(a.check("by-name/alice", "update").allowed);

  const none = compileAcl([p]);
  assert.not.ok(none.check("secret//x", "read").allowed, "no context: rule dropped, not widened");
  assert.not.ok(none.check("secret/x", "read").allowed);

  for (const team of ["blue/../red", "a/b", "*", "+", "..", "", "x*"]) {
    const t = compileAcl([p], { entityId: "e1", entityMetadata: { team } });
    assert.not.ok(t.check("kv/red/x", "read").allowed, `team=${JSON.stringify(team)}`);
    assert.not.ok(t.check(`kv/${team}/x`, "read").allowed, `team=${JSON.stringify(team)}`);
    assert.not.ok(t.check("kv/a/b/x", "read").allowed);
    assert.ok(t.check("secret/e1/x", "read").allowed, "the other rules survive");
  }
  const proto = compileAcl([p], { entityMetadata: {} });
  assert.not.ok(proto.check("kv/undefined/x", "read").allowed);
});

test("default policy parses and grants the self-service paths only", async () => {
  const p = await parsePolicy("default", DEFAULT_POLICY_TEXT);
  const a = compileAcl([p], { entityId: "ent-1", entityName: "svc" });
  assert.ok(a.check("auth/token/lookup-self", "read").allowed);
  assert.ok(a.check("auth/token/renew-self", "update").allowed);
  assert.ok(a.check("auth/token/revoke-self", "update").allowed);
  assert.ok(a.check("sys/capabilities-self", "update").allowed);
  assert.ok(a.check("identity/entity/id/ent-1", "read").allowed);
  assert.not.ok(a.check("identity/entity/id/ent-2", "read").allowed);
  assert.ok(a.check("identity/entity/name/svc", "read").allowed);
  assert.ok(a.check("sys/tools/hash/sha2-256", "update").allowed);
  assert.ok(a.check("sys/wrapping/unwrap", "update").allowed);
  assert.ok(a.check("sys/leases/lookup", "update").allowed);
  assert.not.ok(a.check("auth/token/create", "update").allowed);
  assert.not.ok(a.check("sys/policy/default", "update").allowed);
  assert.not.ok(a.check("auth/token/lookup-self", "update").allowed);
});

test("policy directory: names from files, bad file named in the error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "warden-pol-"));
  await writeFile(join(dir, "Ops.hcl"), `path "a" { capabilities = ["read"] }`);
  await writeFile(join(dir, "dev.json"), `{"path": {"b": {"capabilities": ["read"]}}}`);
  await writeFile(join(dir, "notes.txt"), "not a policy");
  await writeFile(join(dir, ".swap.hcl"), "garbage {");
  const files = await loadPolicyDir(dir);
  assert.equal(files.map((f) => f.name).sort(), ["dev", "ops"]);
  assert.ok(files.find((f) => f.name === "ops")!.text.includes(`path "a"`));

  await writeFile(join(dir, "broken.hcl"), `path "a" { capabilities = ["nope"] }`);
  try {
    await loadPolicyDir(dir);
    assert.unreachable("broken file must fail");
  } catch (e) {
    assert.ok(e instanceof WardenError && e.message.includes("broken.hcl") && e.message.includes("nope"), String(e));
  }
  const dir2 = await mkdtemp(join(tmpdir(), "warden-pol-"));
  await writeFile(join(dir2, "root.hcl"), `path "a" { capabilities = ["read"] }`);
  try {
    await loadPolicyDir(dir2);
    assert.unreachable("root.hcl must fail");
  } catch (e) {
    assert.ok(e instanceof WardenError && e.message.includes("root.hcl"), String(e));
  }
  try {
    await loadPolicyDir(join(dir2, "missing"));
    assert.unreachable("missing dir must fail");
  } catch (e) {
    assert.ok(e instanceof WardenError && e.message.includes("missing"), String(e));
  }
});

test.run();

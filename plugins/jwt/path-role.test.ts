import { test } from "warden/sdk/testing";
import * as assert from "uvu/assert";
import type { HandlerResult } from "warden/sdk";
import { roleListPath, rolePath } from "./path-role.js";
import { harness } from "./test-support.js";
import { assertRejects } from "warden/sdk/testing";

const rejects = (p: Promise<unknown>, re: RegExp) => assertRejects(p, 400, re);

const read = async (h: ReturnType<typeof harness>, role: string) => ((await h.call(rolePath, "read", { role })) as HandlerResult | undefined)?.data;

test("defaults read back as Vault's: user_claim sub, leeways 60/150/150, string claims", async () => {
  const h = harness();
  await h.call(rolePath, "create", { role: "Dev", bound_audiences: "a, b", token_policies: "p1", token_ttl: "1h" });
  const r = (await read(h, "dev"))!;
  assert.is(r.role_type, "jwt");
  assert.is(r.user_claim, "sub");
  assert.equal(r.bound_audiences, ["a", "b"]);
  assert.is(r.bound_claims_type, "string");
  assert.is(r.clock_skew_leeway, 60);
  assert.is(r.expiration_leeway, 150);
  assert.is(r.not_before_leeway, 150);
  assert.equal(r.token_policies, ["p1"]);
  assert.is(r.token_ttl, 3600);
  assert.equal((await h.call(roleListPath, "list", {}) as HandlerResult).data!.keys, ["dev"]);
});

test("role_type oidc and unknown types are refused with a clear message", async () => {
  const h = harness();
  await rejects(h.call(rolePath, "create", { role: "x", role_type: "oidc", bound_audiences: "a" }), /role_type "oidc" is not supported by warden/);
  await rejects(h.call(rolePath, "create", { role: "x", role_type: "saml", bound_audiences: "a" }), /invalid 'role_type'/);
  assert.is(await read(h, "x"), undefined);
});

test("a role needs a bound constraint and a user claim", async () => {
  const h = harness();
  await rejects(h.call(rolePath, "create", { role: "open" }), /^must have at least one bound constraint when creating\/updating a role$/);
  await rejects(h.call(rolePath, "create", { role: "open", bound_subject: "x", user_claim: "" }), /^a user claim must be defined on the role$/);
  await h.call(rolePath, "create", { role: "cidr", token_bound_cidrs: "10.0.0.0/8" });
  assert.ok(await read(h, "cidr"), "token_bound_cidrs count as a bound constraint (Vault)");
  await rejects(h.call(rolePath, "update", { role: "cidr", token_bound_cidrs: "" }), /at least one bound constraint/);
  await rejects(h.call(rolePath, "create", { role: "p", bound_subject: "x", user_claim: "email", user_claim_json_pointer: true }), /must be a JSON pointer/);
});

test("bound_claims: strings, numbers and lists kept; objects and empty lists refused; glob type", async () => {
  const h = harness();
  await h.call(rolePath, "create", {
    role: "k8s",
    bound_claims: JSON.stringify({ "/kubernetes.io/namespace": ["ci", "prod"], sub: "system:serviceaccount:*", n: 5 }),
    bound_claims_type: "glob",
  });
  const r = (await read(h, "k8s"))!;
  assert.equal(r.bound_claims, { "/kubernetes.io/namespace": ["ci", "prod"], sub: "system:serviceaccount:*", n: "5" });
  assert.is(r.bound_claims_type, "glob");
  await rejects(h.call(rolePath, "create", { role: "b", bound_claims: { a: { b: 1 } } }), /bound claim is not a string or list: "a"/);
  await rejects(h.call(rolePath, "create", { role: "b", bound_claims: { a: [] } }), /bound claim is not a string or list/);
  await rejects(h.call(rolePath, "create", { role: "b", bound_claims: { a: "x" }, bound_claims_type: "regex" }), /must be one of: string, glob/);
});

test("claim_mappings: unique targets, 'role' reserved, 'groups' reserved with a groups_claim", async () => {
  const h = harness();
  await rejects(h.call(rolePath, "create", { role: "m", bound_subject: "s", claim_mappings: { a: "x", b: "x" } }), /multiple keys are mapped to metadata key "x"/);
  await rejects(h.call(rolePath, "create", { role: "m", bound_subject: "s", claim_mappings: { a: "role" } }), /"role" is reserved/);
  await rejects(h.call(rolePath, "create", { role: "m", bound_subject: "s", groups_claim: "groups", claim_mappings: { a: "groups" } }), /"groups" holds the groups_claim/);
  await h.call(rolePath, "create", { role: "m", bound_subject: "s", claim_mappings: ["email=mail", "/a/b=ab"] });
  assert.equal((await read(h, "m"))!.claim_mappings, { email: "mail", "/a/b": "ab" });
});

test("leeways: -1 disables, durations accepted, negatives other than -1 refused", async () => {
  const h = harness();
  await h.call(rolePath, "create", { role: "l", bound_subject: "s", clock_skew_leeway: "-1", expiration_leeway: "2m", not_before_leeway: 0 });
  const r = (await read(h, "l"))!;
  assert.is(r.clock_skew_leeway, -1);
  assert.is(r.expiration_leeway, 120);
  assert.is(r.not_before_leeway, 0);
  await rejects(h.call(rolePath, "update", { role: "l", clock_skew_leeway: "-5" }), /negative/);
  await rejects(h.call(rolePath, "update", { role: "l", expiration_leeway: "soon" }), /invalid duration/);
});

test("an update keeps the fields it does not name; delete removes the role", async () => {
  const h = harness();
  await h.call(rolePath, "create", { role: "u", bound_audiences: "a", groups_claim: "groups", token_policies: "p" });
  await h.call(rolePath, "update", { role: "u", bound_subject: "s" });
  const r = (await read(h, "u"))!;
  assert.equal(r.bound_audiences, ["a"]);
  assert.is(r.groups_claim, "groups");
  assert.is(r.bound_subject, "s");
  assert.equal(r.token_policies, ["p"]);
  await h.call(rolePath, "delete", { role: "u" });
  assert.is(await read(h, "u"), undefined);
  await rejects(h.call(rolePath, "create", { role: "bad/name", bound_subject: "s" }), /invalid role name/);
});

test.run();

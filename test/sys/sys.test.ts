import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

async function tokenWith(s: TestServer, policies: string[]): Promise<string> {
  const r = await s.request("POST", "auth/token/create", { body: { policies, ttl: "1h" } });
  assert.is(r.status, 200, r.text);
  return r.body.auth.client_token as string;
}
async function putPolicy(s: TestServer, name: string, policy: string): Promise<void> {
  const r = await s.request("PUT", `sys/policies/acl/${name}`, { body: { policy } });
  assert.is(r.status, 204, r.text);
}

// ---------------------------------------------------------------- sys/auth

const auth = suite<{ s: TestServer }>("sys/auth");
auth.before(async (ctx) => {
  ctx.s = await startTestServer();
});
auth.after(async (ctx) => ctx.s.close());

auth("enable, list (with node-vault's top-level copy), read", async ({ s }) => {
  const en = await s.request("POST", "sys/auth/ali", { body: { type: "alicloud", description: "cloud logins", config: { default_lease_ttl: "0s", max_lease_ttl: "0s" }, local: false, seal_wrap: false, options: null } });
  assert.is(en.status, 204, en.text);
  const list = await s.request("GET", "sys/auth");
  assert.is(list.status, 200);
  const ali = list.body.data["ali/"];
  assert.ok(ali, JSON.stringify(Object.keys(list.body.data)));
  assert.is(ali.type, "alicloud");
  assert.is(ali.description, "cloud logins");
  assert.match(ali.accessor, /^auth_alicloud_/);
  assert.is(ali.config.default_lease_ttl, 0);
  assert.is(ali.config.max_lease_ttl, 0);
  assert.equal(list.body["ali/"], ali, "sys/auth keys are injected at the top level");
  assert.is(list.body.data["token/"].type, "token");
  const read = await s.request("GET", "sys/auth/ali");
  assert.is(read.status, 200);
  assert.is(read.body.data.accessor, ali.accessor);
});

auth("tune through sys/auth/<p>/tune and sys/mounts/auth/<p>/tune", async ({ s }) => {
  const t1 = await s.request("POST", "sys/auth/ali/tune", { body: { default_lease_ttl: "1h", max_lease_ttl: "2h" } });
  assert.is(t1.status, 204, t1.text);
  const r1 = await s.request("GET", "sys/mounts/auth/ali/tune");
  assert.is(r1.body.data.default_lease_ttl, 3600);
  assert.is(r1.body.data.max_lease_ttl, 7200);
  assert.is((await s.request("GET", "sys/auth")).body.data["ali/"].config.max_lease_ttl, 7200);
  // Empty keeps the current value.
  const t2 = await s.request("POST", "sys/mounts/auth/ali/tune", { body: { default_lease_ttl: "30m", max_lease_ttl: "" } });
  assert.is(t2.status, 204);
  const r2 = await s.request("GET", "sys/auth/ali/tune");
  assert.is(r2.body.data.default_lease_ttl, 1800);
  assert.is(r2.body.data.max_lease_ttl, 7200);
  const bad = await s.request("POST", "sys/auth/ali/tune", { body: { default_lease_ttl: "3h" } });
  assert.is(bad.status, 400);
  assert.is((await s.request("POST", "sys/auth/ali/tune", { body: { default_lease_ttl: "banana" } })).status, 400);
  assert.is((await s.request("POST", "sys/auth/nothing-here/tune", { body: { default_lease_ttl: "1h" } })).status, 400);
});

auth("overlapping and malformed paths are refused", async ({ s }) => {
  const same = await s.request("POST", "sys/auth/ali", { body: { type: "alicloud" } });
  assert.is(same.status, 400);
  assert.match(same.body.errors[0], /path is already in use/);
  const below = await s.request("POST", "sys/auth/ali/nested", { body: { type: "alicloud" } });
  assert.is(below.status, 400);
  assert.match(below.body.errors[0], /path is already in use/);
  assert.is((await s.request("POST", "sys/auth/team/x", { body: { type: "alicloud" } })).status, 204);
  const above = await s.request("POST", "sys/auth/team", { body: { type: "alicloud" } });
  assert.is(above.status, 400);
  assert.match(above.body.errors[0], /path is already in use/);
  const token = await s.request("POST", "sys/auth/token", { body: { type: "alicloud" } });
  assert.is(token.status, 400);
  for (const p of ["bad.path", "-dash", "a..b", "has%20space"]) {
    const r = await s.request("POST", `sys/auth/${p}`, { body: { type: "alicloud" } });
    assert.is(r.status, 400, `${p}: ${r.text}`);
  }
  assert.is((await s.request("POST", "sys/auth/x1", { body: { type: "no-such-type" } })).status, 400);
  assert.is((await s.request("POST", "sys/auth/x2", { body: {} })).status, 400);
  assert.is((await s.request("DELETE", "sys/auth/token")).status, 400, "the token store cannot be disabled");
});

auth("disable drops the mount and its data; re-enabling starts fresh", async ({ s }) => {
  const role = await s.request("POST", "auth/ali/role/dev", { body: { arn: "acs:ram::1234567890123456:role/dev" } });
  assert.ok(role.status === 204 || role.status === 200, role.text);
  assert.is((await s.request("GET", "auth/ali/role/dev")).status, 200);
  assert.is((await s.request("DELETE", "sys/auth/ali")).status, 204);
  assert.not.ok((await s.request("GET", "sys/auth")).body.data["ali/"]);
  assert.is((await s.request("GET", "auth/ali/role/dev")).status, 404);
  assert.is((await s.request("DELETE", "sys/auth/ali")).status, 204, "disabling an absent mount is a no-op");
  assert.is((await s.request("POST", "sys/auth/ali", { body: { type: "alicloud" } })).status, 204);
  assert.is((await s.request("GET", "auth/ali/role/dev")).status, 404);
  assert.is((await s.request("GET", "sys/auth/ali/tune")).body.data.default_lease_ttl, 2764800);
});

auth.run();

// ---------------------------------------------------------------- policies

const pol = suite<{ s: TestServer }>("sys/policy and sys/policies/acl");
pol.before(async (ctx) => {
  ctx.s = await startTestServer();
});
pol.after(async (ctx) => ctx.s.close());

pol("sys/policy (node-vault: rules, top-level policies)", async ({ s }) => {
  const w = await s.request("PUT", "sys/policy/legacy", { body: { rules: 'path "a/*" { capabilities = ["read"] }' } });
  assert.ok(w.status === 204 || w.status === 200, w.text);
  const list = await s.request("GET", "sys/policy");
  assert.is(list.status, 200);
  assert.ok(list.body.policies.includes("legacy"), JSON.stringify(list.body));
  assert.ok(list.body.policies.includes("default"));
  assert.ok(list.body.policies.includes("root"));
  const read = await s.request("GET", "sys/policy/legacy");
  assert.match(read.body.rules, /path "a\/\*"/);
  assert.match(read.body.data.rules, /capabilities/);
  assert.is((await s.request("DELETE", "sys/policy/legacy")).status, 204);
  assert.is((await s.request("GET", "sys/policy/legacy")).status, 404);
});

pol("sys/policies/acl takes HCL, JSON and base64; lists; refuses bad text", async ({ s }) => {
  await putPolicy(s, "hcl", 'path "h/*" { capabilities = ["read", "list"] }');
  await putPolicy(s, "json", JSON.stringify({ path: { "j/*": { capabilities: ["read"] } } }));
  await putPolicy(s, "b64", Buffer.from('path "b/*" { capabilities = ["update"] }').toString("base64"));
  const b = await s.request("GET", "sys/policies/acl/b64");
  assert.match(b.body.data.policy, /path "b\/\*"/);
  assert.is(b.body.data.name, "b64");
  assert.not.ok("policy" in b.body, "sys/policies/acl is not injected at the top level");
  const list = await s.request("GET", "sys/policies/acl?list=true");
  for (const n of ["b64", "default", "hcl", "json"]) assert.ok(list.body.data.keys.includes(n), n);
  const tok = await tokenWith(s, ["json", "b64"]);
  const caps = await s.request("POST", "sys/capabilities-self", { token: tok, body: { paths: ["j/x", "b/x", "h/x"] } });
  assert.equal(caps.body.data["j/x"], ["read"]);
  assert.equal(caps.body.data["b/x"], ["update"]);
  assert.equal(caps.body.data["h/x"], ["deny"]);
  const bad = await s.request("PUT", "sys/policies/acl/broken", { body: { policy: 'path "x" { capabilities = ' } });
  assert.is(bad.status, 400);
  const badCap = await s.request("PUT", "sys/policies/acl/badcap", { body: { policy: 'path "x" { capabilities = ["fly"] }' } });
  assert.is(badCap.status, 400);
});

pol("default cannot be deleted, root cannot be written or deleted", async ({ s }) => {
  const del = await s.request("DELETE", "sys/policies/acl/default");
  assert.is(del.status, 400);
  assert.is((await s.request("GET", "sys/policies/acl/default")).status, 200);
  const root = await s.request("PUT", "sys/policies/acl/root", { body: { policy: 'path "*" { capabilities = ["read"] }' } });
  assert.is(root.status, 400);
  assert.is((await s.request("PUT", "sys/policy/root", { body: { rules: 'path "*" { capabilities = ["read"] }' } })).status, 400);
  assert.is((await s.request("DELETE", "sys/policies/acl/root")).status, 400);
});

pol.run();

// ---------------------------------------------------------------- ACL enforcement

const acl = suite<{ s: TestServer }>("ACL enforcement over HTTP");
acl.before(async (ctx) => {
  const s = (ctx.s = await startTestServer());
  for (const n of ["team-a", "team-secret", "plus-one", "shared"]) await putPolicy(s, n, 'path "z" { capabilities = ["read"] }');
  await putPolicy(
    s,
    "globs",
    `
path "sys/policies/acl/team-*" { capabilities = ["read"] }
path "sys/policies/acl/team-secret" { capabilities = ["deny"] }
path "sys/policies/+/plus-*" { capabilities = ["read", "update"] }
path "sys/policies/acl/shared" { capabilities = ["read"] }
`,
  );
  await putPolicy(s, "deny-shared", 'path "sys/policies/acl/shared" { capabilities = ["deny"] }');
  await putPolicy(s, "auth-nosudo", 'path "sys/auth/*" { capabilities = ["create", "update", "read", "delete"] }\npath "sys/audit" { capabilities = ["read"] }\npath "auth/token/accessors/" { capabilities = ["list"] }');
  await putPolicy(s, "auth-sudo", 'path "sys/auth/*" { capabilities = ["create", "update", "read", "delete", "sudo"] }\npath "sys/audit" { capabilities = ["read", "sudo"] }\npath "auth/token/accessors/" { capabilities = ["list", "sudo"] }');
});
acl.after(async (ctx) => ctx.s.close());

acl("allowed read, denied write, * and + globs, exact deny beats a glob", async ({ s }) => {
  const tok = await tokenWith(s, ["globs"]);
  assert.is((await s.request("GET", "sys/policies/acl/team-a", { token: tok })).status, 200);
  const write = await s.request("PUT", "sys/policies/acl/team-a", { token: tok, body: { policy: 'path "y" { capabilities = ["read"] }' } });
  assert.is(write.status, 403);
  assert.match(write.body.errors.join(" "), /permission denied/);
  assert.is((await s.request("GET", "sys/policies/acl/team-secret", { token: tok })).status, 403);
  assert.is((await s.request("GET", "sys/policies/acl/plus-one", { token: tok })).status, 200);
  assert.is((await s.request("PUT", "sys/policies/acl/plus-two", { token: tok, body: { policy: 'path "y" { capabilities = ["read"] }' } })).status, 204);
  assert.is((await s.request("GET", "sys/policies/acl/default", { token: tok })).status, 403);
  assert.is((await s.request("GET", "sys/auth", { token: tok })).status, 403);
  // A path nobody mounted is still 403 for a token with no capability there (ACL before routing).
  assert.is((await s.request("GET", "nowhere/at/all", { token: tok })).status, 403);
  assert.is((await s.request("GET", "nowhere/at/all")).status, 404);
  // Nor does a field error on a path the token may not use tell it about the path's fields.
  const fields = await s.request("POST", "auth/token/create", { token: tok, body: { ttl: "banana" } });
  assert.is(fields.status, 403, fields.text);
  assert.is((await s.request("POST", "auth/token/create", { body: { ttl: "banana" } })).status, 400);
});

acl("deny in one policy wins over read in another on the same path", async ({ s }) => {
  const both = await tokenWith(s, ["globs", "deny-shared"]);
  assert.is((await s.request("GET", "sys/policies/acl/shared", { token: both })).status, 403);
  const one = await tokenWith(s, ["globs"]);
  assert.is((await s.request("GET", "sys/policies/acl/shared", { token: one })).status, 200);
});

acl("sudo is needed for sys/auth/<p>, sys/audit and auth/token/accessors", async ({ s }) => {
  const plain = await tokenWith(s, ["auth-nosudo"]);
  const sudo = await tokenWith(s, ["auth-sudo"]);
  assert.is((await s.request("POST", "sys/auth/sudo-test", { token: plain, body: { type: "alicloud" } })).status, 403);
  assert.is((await s.request("POST", "sys/auth/sudo-test", { token: sudo, body: { type: "alicloud" } })).status, 204);
  assert.is((await s.request("DELETE", "sys/auth/sudo-test", { token: plain })).status, 403);
  assert.is((await s.request("DELETE", "sys/auth/sudo-test", { token: sudo })).status, 204);
  assert.is((await s.request("GET", "sys/audit", { token: plain })).status, 403);
  assert.is((await s.request("GET", "sys/audit", { token: sudo })).status, 200);
  assert.is((await s.request("GET", "auth/token/accessors?list=true", { token: plain })).status, 403);
  const acc = await s.request("GET", "auth/token/accessors?list=true", { token: sudo });
  assert.is(acc.status, 200);
  assert.ok(acc.body.data.keys.length >= 3);
});

acl("capabilities-self reports the caller's capabilities", async ({ s }) => {
  const tok = await tokenWith(s, ["globs"]);
  const r = await s.request("POST", "sys/capabilities-self", { token: tok, body: { paths: ["sys/policies/acl/team-a", "sys/policies/acl/team-secret", "sys/policies/acl/plus-x"] } });
  assert.is(r.status, 200, r.text);
  assert.equal(r.body.data["sys/policies/acl/team-a"], ["read"]);
  assert.equal(r.body.data["sys/policies/acl/team-secret"], ["deny"]);
  assert.equal([...r.body.data["sys/policies/acl/plus-x"]].sort(), ["read", "update"]);
  assert.equal(r.body.capabilities, ["read"]);
  assert.equal(r.body["sys/policies/acl/team-a"], ["read"], "capabilities are injected at the top level");
  const single = await s.request("POST", "sys/capabilities-self", { token: tok, body: { path: "sys/policies/acl/team-a" } });
  assert.equal(single.body.data.capabilities, ["read"]);
  const root = await s.request("POST", "sys/capabilities-self", { body: { path: "anything" } });
  assert.equal(root.body.data.capabilities, ["root"]);
});

acl.run();

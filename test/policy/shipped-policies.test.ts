// Every policy shipped in policies/ keeps its promise: whoever holds it cannot make a token (their own,
// a child, or one a role of theirs hands out) more powerful than what the policy grants. Each known
// escalation route is tried over HTTP with each shipped policy, and the stored state is checked after.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadPolicyDir } from "../../src/core/policy/dir.js";
import { DEFAULT_POLICY_DIR } from "../../src/server/boot.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

const ADMIN = 'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }';
const APP = 'path "auth/token/lookup-self" { capabilities = ["read"] }';
const ARN = "acs:ram::1234567890123456:role/dev-role";
const SHIPPED = await loadPolicyDir(DEFAULT_POLICY_DIR);

type Attempt = [what: string, method: string, path: string, body: Record<string, unknown>];

/** Routes to root-equivalence; each must fail for every shipped policy. `self` is the policy under test. */
const escalations = (self: string): Attempt[] => [
  ["write a new sudo-everything policy", "PUT", "sys/policies/acl/evil", { policy: ADMIN }],
  ["write it through the legacy path", "PUT", "sys/policy/evil", { rules: ADMIN }],
  ["rewrite the default policy every token has", "PUT", "sys/policies/acl/default", { policy: ADMIN }],
  ["rewrite its own policy", "PUT", `sys/policies/acl/${self}`, { policy: ADMIN }],
  ["rewrite a policy roles may hand out", "PUT", "sys/policies/acl/app-payments", { policy: ADMIN }],
  ["delete the policy a deny lives in", "DELETE", "sys/policies/acl/app-payments", {}],
  ["bind a powerful policy to a new role", "POST", "auth/approle/role/evil", { token_policies: "admin", bind_secret_id: true }],
  ["...hidden in a list", "POST", "auth/approle/role/evil", { token_policies: ["app-payments", "admin"] }],
  ["...hidden in a comma string", "POST", "auth/approle/role/evil", { token_policies: "app-payments, admin" }],
  ["...under the legacy key", "POST", "auth/approle/role/evil", { policies: "admin" }],
  ["...under an upper-case key", "POST", "auth/approle/role/evil", { TOKEN_POLICIES: "admin" }],
  ["...as a prefix-glob lookalike", "POST", "auth/approle/role/evil", { token_policies: "app-*,admin" }],
  ["...on an existing role", "POST", "auth/approle/role/victim", { token_policies: "admin" }],
  ["...through the per-field sub-path", "POST", "auth/approle/role/victim/policies", { token_policies: "admin" }],
  ["...through the legacy per-field key", "POST", "auth/approle/role/victim/policies", { policies: "admin" }],
  ["...on another method's role", "POST", "auth/alicloud/role/evil", { arn: ARN, token_policies: "admin" }],
  ["...handing out its own (operator) policy", "POST", "auth/approle/role/evil", { token_policies: self }],
  ["mint a token with the powerful policy", "POST", "auth/token/create", { policies: ["admin"] }],
  ["mint an orphan token with it", "POST", "auth/token/create-orphan", { policies: ["admin"] }],
  ["give an entity the policy", "POST", "identity/entity", { name: "evil", policies: ["admin"] }],
  ["give a group the policy", "POST", "identity/group", { name: "evil", policies: ["admin"] }],
  ["enable an audit device", "PUT", "sys/audit/evil", { type: "file", options: { file_path: "/tmp/warden-evil-audit.log" } }],
  ["register a plugin", "PUT", "sys/plugins/catalog/auth/evil", { sha256: "0".repeat(64), command: "evil.js" }],
];

const t = suite<{ s: TestServer }>("shipped policies cannot escalate");
t.before(async (ctx) => {
  ctx.s = await startTestServer({ policyDir: DEFAULT_POLICY_DIR, mounts: { approle: "approle", alicloud: "alicloud" } });
  const { s } = ctx;
  for (const [name, policy] of [["admin", ADMIN], ["app-payments", APP]]) assert.is((await s.write(`sys/policies/acl/${name}`, { policy })).status, 204);
  assert.is((await s.write("auth/approle/role/victim", { token_policies: "app-payments" })).status, 204);
});
t.after(async (ctx) => ctx.s.close());

t("the repository ships at least the policies this test knows about", () => {
  assert.ok(SHIPPED.some((f) => f.name === "auth-operator"));
  assert.ok(SHIPPED.some((f) => f.name === "ci-readonly"));
});

for (const { name } of SHIPPED) {
  t(`${name}: every escalation route fails and changes nothing`, async ({ s }) => {
    const token = (await s.write("auth/token/create", { policies: [name], ttl: "1h" })).body.auth.client_token as string;
    const defaultBefore = (await s.read("sys/policies/acl/default")).body.data.policy;
    const succeeded: string[] = [];
    for (const [what, method, path, body] of escalations(name)) {
      const r = await s.request(method, path, { token, body: method === "DELETE" ? undefined : body });
      if (r.status < 400) succeeded.push(`${what} (${method} ${path} -> ${r.status})`);
    }
    // A mount of its own (an auth operator's job) does not change the rule for roles on it.
    if ((await s.request("POST", "sys/auth/evil-mount", { token, body: { type: "approle" } })).status === 204) {
      const r = await s.request("POST", "auth/evil-mount/role/evil", { token, body: { token_policies: "admin" } });
      if (r.status < 400) succeeded.push(`bind the powerful policy on a mount it enabled -> ${r.status}`);
      assert.is((await s.delete("sys/auth/evil-mount")).status, 204);
    }
    assert.equal(succeeded, [], `${name} allowed: ${succeeded.join("; ")}`);

    // And nothing changed.
    assert.is((await s.read("sys/policies/acl/evil")).status, 404);
    assert.is((await s.read("sys/policies/acl/default")).body.data.policy, defaultBefore);
    assert.is((await s.read("sys/policies/acl/app-payments")).body.data.policy, APP);
    assert.equal((await s.read("auth/approle/role/victim")).body.data.token_policies, ["app-payments"]);
    assert.is((await s.read("auth/approle/role/evil")).status, 404);
    assert.is((await s.read("identity/entity/name/evil")).status, 404);
    assert.equal(Object.keys((await s.read("sys/audit")).body.data), []);
  });
}

t("auth-operator still does its job: mounts, roles that hand out app-* policies, reading policies", async ({ s }) => {
  const token = (await s.write("auth/token/create", { policies: ["auth-operator"], ttl: "1h" })).body.auth.client_token as string;
  assert.is((await s.request("POST", "sys/auth/team", { token, body: { type: "approle" } })).status, 204);
  assert.is((await s.request("POST", "auth/team/role/payments", { token, body: { token_policies: "app-payments,default", role_id: "payments-id" } })).status, 204);
  assert.is((await s.request("POST", "auth/alicloud/role/payments", { token, body: { arn: ARN, token_policies: ["app-payments"] } })).status, 204);
  assert.is((await s.request("GET", "sys/policies/acl/admin", { token })).status, 200);
  assert.is((await s.request("GET", "sys/policies/acl?list=true", { token })).status, 200);
  // The whole chain: the role it wrote logs in with exactly the delegated policy, and no more.
  const secret = await s.request("POST", "auth/team/role/payments/secret-id", { token, body: {} });
  assert.is(secret.status, 200, secret.text);
  const login = await s.login("auth/team/login", { role_id: "payments-id", secret_id: secret.body.data.secret_id });
  assert.equal(login.policies, ["app-payments", "default"]);
  assert.is((await s.request("PUT", "sys/policies/acl/evil", { token: login.client_token, body: { policy: ADMIN } })).status, 403);
  assert.is((await s.delete("sys/auth/team")).status, 204);
});

t.run();

import { createRequire } from "node:module";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { alicloudLoginData } from "../../plugins/alicloud/cli.js";
import { type StsEmulator, startStsEmulator } from "../../src/emulators/sts/server.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

// node-vault is CommonJS; it is driven unchanged, as an application would use it.
const require = createRequire(import.meta.url);
const nodeVault = require("node-vault") as (opts: Record<string, unknown>) => any;

const identity = {
  accessKeyId: "STS.NodeVaultKey01",
  accessKeySecret: "node-vault-secret-01",
  securityToken: "CAIS.node-vault-token",
  accountId: "1234567890123456",
  kind: "AssumedRoleUser" as const,
  roleName: "dev-role",
  roleId: "300011112222333344",
  sessionName: "node-vault",
};

const t = suite<{ s: TestServer; sts: StsEmulator }>("node-vault client");
t.before(async (ctx) => {
  ctx.sts = await startStsEmulator({ identities: [identity] });
  ctx.s = await startTestServer();
});
t.after(async (ctx) => {
  await ctx.s.close();
  await ctx.sts.close();
});

t("enable auth, write role and policy, login, lookup-self, renew-self, revoke-self", async ({ s, sts }) => {
  const admin = nodeVault({ endpoint: s.url, token: s.rootToken, noCustomHTTPVerbs: true });
  await admin.enableAuth({ mount_point: "alicloud", type: "alicloud", description: "from node-vault" });
  const auths = await admin.auths();
  assert.is(auths["alicloud/"].type, "alicloud");
  await admin.addPolicy({ name: "app", rules: 'path "auth/token/*" { capabilities = ["read", "update"] }' });
  const policies = await admin.policies();
  assert.ok(policies.policies.includes("app"));
  assert.match((await admin.getPolicy({ name: "app" })).rules, /auth\/token/);
  await admin.write("auth/alicloud/config", { sts_endpoint: sts.url });
  await admin.write("auth/alicloud/role/dev-role", { arn: "acs:ram::1234567890123456:role/dev-role", token_policies: ["app"], token_ttl: "10m" });
  const roles = await admin.list("auth/alicloud/role");
  assert.equal(roles.data.keys, ["dev-role"]);

  const app = nodeVault({ endpoint: s.url, noCustomHTTPVerbs: true });
  const body = alicloudLoginData({ role: "dev-role", region: "cn-hangzhou", accessKey: identity.accessKeyId, secretKey: identity.accessKeySecret, securityToken: identity.securityToken });
  const login = await app.write("auth/alicloud/login", body);
  assert.match(login.auth.client_token, /^hvs\./);
  app.token = login.auth.client_token;

  const self = await app.tokenLookupSelf();
  assert.equal(self.data.policies, ["app", "default"]);
  assert.ok(self.data.ttl > 0 && self.data.ttl <= 600);

  const renewed = await app.tokenRenewSelf({ increment: 300 });
  assert.is(renewed.auth.client_token, login.auth.client_token, "renew-self returns the same token");
  assert.is(app.token, login.auth.client_token, "node-vault keeps its token");
  assert.is(renewed.auth.lease_duration, 300);

  await app.tokenRevokeSelf();
  try {
    await app.tokenLookupSelf();
    assert.unreachable("a revoked token must not work");
  } catch (e: any) {
    assert.is(e.response?.statusCode, 403);
  }
  const health = await app.health();
  assert.is(health.initialized, true);
});

t("response wrapping: X-Vault-Wrap-TTL through requestOptions, unwrap third and first party, once", async ({ s }) => {
  const admin = nodeVault({ endpoint: s.url, token: s.rootToken, noCustomHTTPVerbs: true });
  const wrapTtl = { headers: { "X-Vault-Wrap-TTL": "60s" } };
  const wrapped = await admin.write("sys/wrapping/wrap", { api_key: "k-1" }, wrapTtl);
  assert.equal([wrapped.data, wrapped.wrap_info.ttl, wrapped.wrap_info.creation_path], [null, 60, "sys/wrapping/wrap"]);
  const opened = await admin.unwrap({ token: wrapped.wrap_info.token });
  assert.equal(opened.data, { api_key: "k-1" });

  const read = await admin.read("sys/policies/acl/default", wrapTtl);
  assert.is(read.data, null);
  // The workload's client holds nothing but the wrapping token.
  const workload = nodeVault({ endpoint: s.url, token: read.wrap_info.token, noCustomHTTPVerbs: true });
  const policy = await workload.unwrap();
  assert.match(policy.data.policy, /auth\/token\/lookup-self/);
  try {
    await workload.unwrap();
    assert.unreachable("a wrapping token works once");
  } catch (e: any) {
    assert.is(e.response?.statusCode, 400);
    assert.is(e.message, "wrapping token is not valid or does not exist");
  }
});

t.run();

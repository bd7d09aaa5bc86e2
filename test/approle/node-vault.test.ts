/** node-vault's AppRole commands, unchanged, against warden: role, role-id, secret-id, login. */
import { createRequire } from "node:module";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

const require = createRequire(import.meta.url);
const nodeVault = require("node-vault") as (opts: Record<string, unknown>) => any;

const t = suite<{ s: TestServer }>("node-vault approle");

t.before(async (ctx) => {
  ctx.s = await startTestServer();
});
t.after(async ({ s }) => s.close());

t("enableAuth, addApproleRole, getApproleRoleId, getApproleRoleSecret, approleLogin, lookup-self", async ({ s }) => {
  const admin = nodeVault({ endpoint: s.url, token: s.rootToken, noCustomHTTPVerbs: true });
  await admin.enableAuth({ mount_point: "approle", type: "approle", description: "machines" });
  await admin.addPolicy({ name: "ci-read", rules: 'path "auth/token/lookup-self" { capabilities = ["read"] }' });
  // node-vault sends only the keys of its schema: the legacy "policies", integer TTLs.
  await admin.addApproleRole({ role_name: "ci", policies: "ci-read", token_ttl: 1200, secret_id_num_uses: 1 });
  const role = await admin.getApproleRole({ role_name: "ci" });
  assert.equal([role.data.token_policies, role.data.policies], [["ci-read"], ["ci-read"]]);

  const roleId = (await admin.getApproleRoleId({ role_name: "ci" })).data.role_id as string;
  const secret = await admin.getApproleRoleSecret({ role_name: "ci", metadata: JSON.stringify({ runner: "nv" }) });
  const secretId = secret.data.secret_id as string;
  assert.is(secret.data.secret_id_num_uses, 1);

  const lookup = await admin.approleSecretLookup({ role_name: "ci", secret_id: secretId });
  assert.equal(lookup.data.metadata, { runner: "nv" });

  const client = nodeVault({ endpoint: s.url, noCustomHTTPVerbs: true });
  const res = await client.approleLogin({ role_id: roleId, secret_id: secretId });
  assert.match(res.auth.client_token, /^hvs\./);
  assert.is(res.auth.metadata.role_name, "ci");
  assert.is(res.auth.lease_duration, 1200);
  assert.is(client.token, res.auth.client_token, "node-vault took the token from the login");
  const self = await client.tokenLookupSelf();
  assert.equal(self.data.policies, ["ci-read", "default"]);

  try {
    await nodeVault({ endpoint: s.url, noCustomHTTPVerbs: true }).approleLogin({ role_id: roleId, secret_id: secretId });
    assert.unreachable("a used-up secret must not log in");
  } catch (e: any) {
    assert.is(e.response?.statusCode, 400);
    assert.is(e.message, "invalid role or secret ID");
  }

  const s2 = await admin.getApproleRoleSecret({ role_name: "ci" });
  const acc = await admin.approleSecretAccessorLookup({ role_name: "ci", secret_id_accessor: s2.data.secret_id_accessor });
  assert.is(acc.data.secret_id_accessor, s2.data.secret_id_accessor);
  await admin.approleSecretAccessorDestroy({ role_name: "ci", secret_id_accessor: s2.data.secret_id_accessor });
  const s3 = await admin.getApproleRoleSecret({ role_name: "ci" });
  await admin.approleSecretDestroy({ role_name: "ci", secret_id: s3.data.secret_id });
  // LIST is a method Node's HTTP parser refuses (vault-core.md §10); the GET ?list=true form works.
  const roles = await admin.request({ path: "/auth/approle/role?list=true", method: "GET" });
  assert.equal(roles.data.keys, ["ci"]);
  await admin.deleteApproleRole({ role_name: "ci" });
});

t.run();

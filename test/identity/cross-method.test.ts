// One workload, two methods, one entity: an operator ties the workload's AppRole role id and its
// AliCloud principal to one entity; both logins then carry that entity and its policies.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { alicloudLoginData } from "../../plugins/alicloud/cli.js";
import { type StsEmulator, type StsIdentity, startStsEmulator } from "../../src/emulators/sts/server.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

const runner: StsIdentity = {
  accessKeyId: "STS.CrossMethodRunner",
  accessKeySecret: "cross-method-secret",
  securityToken: "CAIS.cross-method",
  accountId: "1234567890123456",
  kind: "AssumedRoleUser",
  roleName: "ci-role",
  roleId: "300011110000999988",
  sessionName: "runner-x",
};

const t = suite<{ s: TestServer; sts: StsEmulator }>("entity across methods");
t.before(async (ctx) => {
  ctx.sts = await startStsEmulator({ identities: [runner] });
  ctx.s = await startTestServer();
});
t.after(async (ctx) => {
  await ctx.s.close();
  await ctx.sts.close();
});

t("AppRole and AliCloud logins of one workload resolve to the operator's entity", async ({ s, sts }) => {
  await s.enableAuth("approle", "approle");
  await s.enableAuth("alicloud", "alicloud");
  await s.write("auth/alicloud/config", { sts_endpoint: sts.url });
  await s.write("auth/alicloud/role/ci", { arn: "acs:ram::1234567890123456:role/ci-role" });
  await s.write("auth/approle/role/ci", {});
  await s.write("sys/policies/acl/runner", { policy: 'path "sys/auth" { capabilities = ["read"] }' });
  const accessors = (await s.read("sys/auth")).body.data;
  const entityId = (await s.write("identity/entity", { name: "ci-runner", policies: ["runner"] })).body.data.id as string;
  const roleId = (await s.read("auth/approle/role/ci/role-id")).body.data.role_id as string;
  assert.is((await s.write("identity/entity-alias", { name: roleId, canonical_id: entityId, mount_accessor: accessors["approle/"].accessor })).status, 200);
  const principal = `${runner.roleId}:${runner.sessionName}`;
  assert.is((await s.write("identity/entity-alias", { name: principal, canonical_id: entityId, mount_accessor: accessors["alicloud/"].accessor })).status, 200);

  const secretId = (await s.write("auth/approle/role/ci/secret-id", {})).body.data.secret_id as string;
  const viaApprole = await s.login("auth/approle/login", { role_id: roleId, secret_id: secretId });
  const viaAlicloud = await s.login("auth/alicloud/login", {
    ...alicloudLoginData({ role: "ci", region: "cn-hangzhou", accessKey: runner.accessKeyId, secretKey: runner.accessKeySecret, securityToken: runner.securityToken }),
  });
  assert.is(viaApprole.entity_id, entityId);
  assert.is(viaAlicloud.entity_id, entityId);
  for (const auth of [viaApprole, viaAlicloud]) {
    assert.equal(auth.identity_policies, ["runner"]);
    assert.is((await s.read("sys/auth", auth.client_token)).status, 200, "the entity's policy applies to both tokens");
  }
  const entity = (await s.read(`identity/entity/id/${entityId}`)).body.data;
  assert.equal(entity.aliases.map((a: { mount_type: string }) => a.mount_type).sort(), ["alicloud", "approle"]);
  assert.is((await s.read("identity/entity/id?list=true")).body.data.keys.length, 1, "no stray entity was created");
});

t.run();

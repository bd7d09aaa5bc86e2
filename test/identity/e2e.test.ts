import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { alicloudLoginData } from "../../plugins/alicloud/cli.js";
import { type StsEmulator, type StsIdentity, startStsEmulator } from "../../src/emulators/sts/server.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

const ACCOUNT = "1234567890123456";
const runner: StsIdentity = {
  accessKeyId: "STS.IdentityRunner01",
  accessKeySecret: "identity-runner-secret",
  securityToken: "CAIS.identity-runner",
  accountId: ACCOUNT,
  kind: "AssumedRoleUser",
  roleName: "ci-role",
  roleId: "300077776666555544",
  sessionName: "runner-1",
};
const PRINCIPAL = `${runner.roleId}:${runner.sessionName}`;

interface Ctx {
  s: TestServer;
  sts: StsEmulator;
  accessor: string;
}

const t = suite<Ctx>("identity store");

const login = async (s: TestServer): Promise<any> => {
  const body = alicloudLoginData({ role: "ci", region: "cn-hangzhou", accessKey: runner.accessKeyId, secretKey: runner.accessKeySecret, securityToken: runner.securityToken });
  return s.request("PUT", "auth/alicloud/login", { token: null, body });
};

t.before(async (ctx) => {
  ctx.sts = await startStsEmulator({ identities: [runner] });
  ctx.s = await startTestServer();
  const { s } = ctx;
  await s.request("POST", "sys/auth/alicloud", { body: { type: "alicloud" } });
  await s.request("PUT", "auth/alicloud/config", { body: { sts_endpoint: ctx.sts.url } });
  await s.request("PUT", "auth/alicloud/role/ci", { body: { arn: `acs:ram::${ACCOUNT}:role/ci-role`, token_ttl: "1h" } });
  await s.request("PUT", "sys/policies/acl/auth-reader", { body: { policy: 'path "sys/auth" { capabilities = ["read"] }' } });
  await s.request("PUT", "sys/policies/acl/policy-lister", { body: { policy: 'path "sys/policies/acl" { capabilities = ["list"] }' } });
  const auths = await s.request("GET", "sys/auth");
  ctx.accessor = auths.body.data["alicloud/"].accessor;
});
t.after(async (ctx) => {
  await ctx.s.close();
  await ctx.sts.close();
});

t("entity CRUD by id and by name, with lists", async ({ s }) => {
  const created = await s.request("POST", "identity/entity", { body: { name: "scratch", policies: "a,b", metadata: { team: "infra" } } });
  assert.is(created.status, 200, created.text);
  const id = created.body.data.id as string;
  const byId = await s.request("GET", `identity/entity/id/${id}`);
  assert.is(byId.body.data.name, "scratch");
  assert.equal(byId.body.data.policies, ["a", "b"]);
  assert.equal(byId.body.data.metadata, { team: "infra" });
  const byName = await s.request("GET", "identity/entity/name/scratch");
  assert.is(byName.body.data.id, id);
  assert.ok((await s.request("GET", "identity/entity/id?list=true")).body.data.keys.includes(id));
  assert.ok((await s.request("GET", "identity/entity/name?list=true")).body.data.keys.includes("scratch"));
  const clash = await s.request("POST", "identity/entity", { body: { name: "scratch" } });
  assert.is(clash.status, 400);
  assert.is((await s.request("DELETE", `identity/entity/id/${id}`)).status, 204);
  assert.is((await s.request("GET", `identity/entity/id/${id}`)).status, 404);
});

t("an operator-made entity with an alias is the one a login resolves to", async (ctx) => {
  const { s } = ctx;
  const entity = await s.request("POST", "identity/entity", { body: { name: "ci-runner" } });
  const entityId = entity.body.data.id as string;
  const alias = await s.request("POST", "identity/entity-alias", { body: { name: PRINCIPAL, canonical_id: entityId, mount_accessor: ctx.accessor } });
  assert.is(alias.status, 200, alias.text);
  const dup = await s.request("POST", "identity/entity-alias", { body: { name: PRINCIPAL, canonical_id: entityId, mount_accessor: ctx.accessor } });
  assert.is(dup.status, 400);
  const r = await login(s);
  assert.is(r.status, 200, r.text);
  assert.is(r.body.auth.entity_id, entityId);
  const self = await s.request("GET", "auth/token/lookup-self", { token: r.body.auth.client_token });
  assert.is(self.body.data.entity_id, entityId);
  const read = await s.request("GET", `identity/entity/id/${entityId}`);
  assert.is(read.body.data.aliases.length, 1);
  assert.is(read.body.data.aliases[0].mount_accessor, ctx.accessor);
});

t("entity and group policy changes apply to live tokens without re-login", async ({ s }) => {
  const r = await login(s);
  const token = r.body.auth.client_token as string;
  const entityId = r.body.auth.entity_id as string;
  assert.is((await s.request("GET", "sys/auth", { token })).status, 403);
  assert.is((await s.request("POST", `identity/entity/id/${entityId}`, { body: { policies: ["auth-reader"] } })).status, 200);
  assert.is((await s.request("GET", "sys/auth", { token })).status, 200);
  const self = await s.request("GET", "auth/token/lookup-self", { token });
  assert.equal(self.body.data.identity_policies, ["auth-reader"]);

  assert.is((await s.request("GET", "sys/policies/acl?list=true", { token })).status, 403);
  const group = await s.request("POST", "identity/group", { body: { name: "listers", policies: ["policy-lister"], member_entity_ids: [entityId] } });
  assert.is(group.status, 200, group.text);
  assert.is((await s.request("GET", "sys/policies/acl?list=true", { token })).status, 200);
  assert.is((await s.request("DELETE", `identity/group/id/${group.body.data.id}`)).status, 204);
  assert.is((await s.request("GET", "sys/policies/acl?list=true", { token })).status, 403);

  assert.is((await s.request("POST", `identity/entity/id/${entityId}`, { body: { policies: [] } })).status, 200);
  assert.is((await s.request("GET", "sys/auth", { token })).status, 403);
});

t("the default policy lets a token read its own entity and no other", async ({ s }) => {
  const r = await login(s);
  const token = r.body.auth.client_token as string;
  const own = await s.request("GET", `identity/entity/id/${r.body.auth.entity_id}`, { token });
  assert.is(own.status, 200, own.text);
  const other = await s.request("POST", "identity/entity", { body: { name: "someone-else" } });
  assert.is((await s.request("GET", `identity/entity/id/${other.body.data.id}`, { token })).status, 403);
});

t("disabling an entity stops its tokens and logins at once; enabling restores them", async ({ s }) => {
  const r = await login(s);
  const token = r.body.auth.client_token as string;
  const entityId = r.body.auth.entity_id as string;
  assert.is((await s.request("POST", `identity/entity/id/${entityId}`, { body: { disabled: true } })).status, 200);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token })).status, 403);
  assert.is((await login(s)).status, 403);
  assert.is((await s.request("POST", `identity/entity/id/${entityId}`, { body: { disabled: false } })).status, 200);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token })).status, 200);
});

t("deleting an entity revokes its tokens; the next login makes a fresh entity", async ({ s }) => {
  const r = await login(s);
  const token = r.body.auth.client_token as string;
  const entityId = r.body.auth.entity_id as string;
  assert.is((await s.request("DELETE", `identity/entity/id/${entityId}`)).status, 204);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token })).status, 403);
  const again = await login(s);
  assert.is(again.status, 200);
  assert.is.not(again.body.auth.entity_id, entityId);
  assert.ok(again.body.auth.entity_id.length > 0);
});

t("30 concurrent first logins of one principal land on one entity", async ({ s }) => {
  // The previous test left the principal with an entity; drop it so the next logins are first ones.
  const first = await login(s);
  await s.request("DELETE", `identity/entity/id/${first.body.auth.entity_id}`);
  const results = await Promise.all(Array.from({ length: 30 }, () => login(s)));
  assert.ok(results.every((r) => r.status === 200));
  assert.is(new Set(results.map((r) => r.body.auth.entity_id)).size, 1);
});

t.run();

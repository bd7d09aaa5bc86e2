// Exactness across nodes: three warden processes on one PostgreSQL database, every node serving.
// What must be exact (uses, replay, lockout, revocation) is one atomic statement in the database,
// so concurrent requests spread over the nodes add up exactly as on one node.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { alicloudLoginData } from "../../plugins/alicloud/cli.js";
import { type StsEmulator, type StsIdentity, startStsEmulator } from "../../src/emulators/sts/server.js";
import { CONVERGE_MS, type Cluster, mountEverywhere, policyEverywhere, startCluster, waitFor } from "./cluster.js";

const ACCOUNT = "1234567890123456";
const ci: StsIdentity = {
  accessKeyId: "STS.ClusterKey0001",
  accessKeySecret: "cluster-secret-value-0001",
  securityToken: "CAIS.cluster-token",
  accountId: ACCOUNT,
  kind: "AssumedRoleUser",
  roleName: "dev-role",
  roleId: "300099990000111122",
  sessionName: "cluster-runner",
};

const t = suite<{ c: Cluster; sts: StsEmulator }>("cluster: exact across nodes");

t.before(async (ctx) => {
  ctx.sts = await startStsEmulator({ identities: [ci] });
  ctx.c = await startCluster(3);
  const { c } = ctx;
  assert.is((await c.req(0, "POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
  assert.is((await c.req(0, "POST", "sys/auth/alicloud", { body: { type: "alicloud" } })).status, 204);
  // Mounts and policies reach the other nodes through the change feed: wait for them, then use them there.
  await mountEverywhere(c, "approle/");
  await mountEverywhere(c, "alicloud/");
  assert.is((await c.req(1, "PUT", "auth/alicloud/config", { body: { sts_endpoint: ctx.sts.url } })).status, 204);
  const policy = 'path "auth/token/lookup-self" { capabilities = ["read"] }';
  assert.is((await c.req(2, "PUT", "sys/policies/acl/ci-read", { body: { policy } })).status, 204);
  await policyEverywhere(c, "ci-read", policy);
  const role = await c.req(0, "PUT", "auth/alicloud/role/dev-role", { body: { arn: `acs:ram::${ACCOUNT}:role/dev-role`, token_policies: "ci-read" } });
  assert.is(role.status, 204, JSON.stringify(role.body));
});

t.after(async ({ c, sts }) => {
  await c?.close();
  await sts?.close();
});

/** `n` requests at once, round-robin over the nodes. */
const spread = (c: Cluster, n: number, run: (node: number, i: number) => Promise<number>) =>
  Promise.all(Array.from({ length: n }, (_, i) => run(i % c.nodes.length, i)));

t("token num_uses 5: 45 concurrent uses over 3 nodes -> exactly 5 succeed", async ({ c }) => {
  const created = await c.req(0, "POST", "auth/token/create", { body: { policies: ["ci-read"], num_uses: 5 } });
  assert.is(created.status, 200, JSON.stringify(created.body));
  const token = created.body.auth.client_token as string;
  const statuses = await spread(c, 45, async (node) => (await c.req(node, "GET", "auth/token/lookup-self", { token })).status);
  assert.is(statuses.filter((s) => s === 200).length, 5, statuses.join(","));
  assert.is(statuses.filter((s) => s === 403).length, 40);
});

t("AppRole secret_id_num_uses 3: 24 concurrent logins over 3 nodes -> exactly 3", async ({ c }) => {
  assert.is((await c.req(0, "POST", "auth/approle/role/limited", { body: { role_id: "limited-role", secret_id_num_uses: 3, token_policies: "ci-read" } })).status, 204);
  const secret = await c.req(1, "POST", "auth/approle/role/limited/secret-id", { body: {} });
  assert.is(secret.status, 200, JSON.stringify(secret.body));
  const secret_id = secret.body.data.secret_id as string;
  const statuses = await spread(c, 24, async (node) => (await c.req(node, "POST", "auth/approle/login", { token: null, body: { role_id: "limited-role", secret_id } })).status);
  assert.is(statuses.filter((s) => s === 200).length, 3, statuses.join(","));
});

t("a wrapping token made on node 0, unwrapped 12 times at once over 3 nodes -> exactly one answer", async ({ c }) => {
  assert.is((await c.req(0, "POST", "auth/approle/role/wrapped", { body: { role_id: "wrapped-role", token_policies: "ci-read" } })).status, 204);
  const wrapped = await c.req(0, "POST", "auth/approle/role/wrapped/secret-id", { body: {}, headers: { "X-Vault-Wrap-TTL": "120" } });
  assert.is(wrapped.status, 200, JSON.stringify(wrapped.body));
  const token = wrapped.body.wrap_info.token as string;
  assert.is((await c.req(2, "POST", "sys/wrapping/lookup", { token: null, body: { token } })).status, 200, "visible on every node");
  // Half hand the token over in the body, half use it as their own token (first party).
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) => c.req(i % 3, "POST", "sys/wrapping/unwrap", i % 2 === 0 ? { body: { token } } : { token })),
  );
  const opened = results.filter((r) => r.status === 200);
  assert.is(opened.length, 1, results.map((r) => r.status).join(","));
  for (const r of results.filter((x) => x.status !== 200)) assert.ok(r.status === 400 || r.status === 403, JSON.stringify(r.body));
  // Logged in where the role was written: the point here is the unwrap, not the role cache.
  const login = await c.req(0, "POST", "auth/approle/login", { token: null, body: { role_id: "wrapped-role", secret_id: opened[0]!.body.data.secret_id } });
  assert.is(login.status, 200, JSON.stringify(login.body));
});

t("alicloud: a login done on node 0 replayed on node 1 (and 2) is refused", async ({ c }) => {
  const data = alicloudLoginData({ role: "dev-role", region: "cn-hangzhou", accessKey: ci.accessKeyId, secretKey: ci.accessKeySecret, securityToken: ci.securityToken });
  const first = await c.req(0, "POST", "auth/alicloud/login", { token: null, body: data });
  assert.is(first.status, 200, JSON.stringify(first.body));
  for (const node of [1, 2]) {
    const replay = await c.req(node, "POST", "auth/alicloud/login", { token: null, body: data });
    assert.ok(replay.status >= 400 && replay.status < 500, `replay on node ${node} answered ${replay.status}`);
  }
  // The same signed request sent to all nodes at once: one winner.
  const fresh = alicloudLoginData({ role: "dev-role", region: "cn-hangzhou", accessKey: ci.accessKeyId, secretKey: ci.accessKeySecret, securityToken: ci.securityToken });
  const statuses = await spread(c, 9, async (node) => (await c.req(node, "POST", "auth/alicloud/login", { token: null, body: fresh })).status);
  assert.is(statuses.filter((s) => s === 200).length, 1, statuses.join(","));
});

t("lockout counters are shared: 5 failures spread over the nodes lock the role_id everywhere", async ({ c }) => {
  assert.is((await c.req(0, "POST", "auth/approle/role/locky", { body: { role_id: "locky-role" } })).status, 204);
  const good = (await c.req(2, "POST", "auth/approle/role/locky/secret-id", { body: {} })).body.data.secret_id as string;
  for (let i = 0; i < 5; i++) {
    const r = await c.req(i % 3, "POST", "auth/approle/login", { token: null, body: { role_id: "locky-role", secret_id: `wrong-${i}` } });
    assert.is(r.status, 400);
  }
  for (const node of [0, 1, 2]) {
    const locked = await c.req(node, "POST", "auth/approle/login", { token: null, body: { role_id: "locky-role", secret_id: good } });
    assert.is(locked.status, 400, `node ${node}: ${JSON.stringify(locked.body)}`);
    assert.match(String(locked.body.errors?.[0]), /locked/);
  }
});

t("revoke on node 0 -> refused on node 1 at the next request", async ({ c }) => {
  const token = (await c.req(0, "POST", "auth/token/create", { body: { policies: ["ci-read"] } })).body.auth.client_token as string;
  assert.is((await c.req(1, "GET", "auth/token/lookup-self", { token })).status, 200);
  assert.is((await c.req(0, "POST", "auth/token/revoke", { body: { token } })).status, 204);
  assert.is((await c.req(1, "GET", "auth/token/lookup-self", { token })).status, 403);
  assert.is((await c.req(2, "GET", "auth/token/lookup-self", { token })).status, 403);
});

t("entity disabled on node 0 -> its tokens are refused on node 1", async ({ c }) => {
  assert.is((await c.req(0, "POST", "auth/approle/role/ent", { body: { role_id: "ent-role", token_policies: "ci-read" } })).status, 204);
  const secret_id = (await c.req(0, "POST", "auth/approle/role/ent/secret-id", { body: {} })).body.data.secret_id as string;
  const login = await c.req(1, "POST", "auth/approle/login", { token: null, body: { role_id: "ent-role", secret_id } });
  assert.is(login.status, 200);
  const token = login.body.auth.client_token as string;
  const entityId = login.body.auth.entity_id as string;
  assert.ok(entityId);
  // Node 1 now holds the entity's snapshot in its cache.
  assert.is((await c.req(1, "GET", "auth/token/lookup-self", { token })).status, 200);
  assert.is((await c.req(1, "GET", "auth/token/lookup-self", { token })).status, 200);
  assert.ok([200, 204].includes((await c.req(0, "POST", `identity/entity/id/${entityId}`, { body: { disabled: true } })).status));
  // The disabled flag is read with the token in one statement: the very next request on another node
  // is refused, whatever that node's identity cache still holds.
  assert.is((await c.req(1, "GET", "auth/token/lookup-self", { token })).status, 403);
  assert.is((await c.req(2, "GET", "auth/token/lookup-self", { token })).status, 403);
  // Enabled again on node 2: works again on node 1 once its identity cache has heard of it (the feed).
  assert.ok([200, 204].includes((await c.req(2, "POST", `identity/entity/id/${entityId}`, { body: { disabled: false } })).status));
  await waitFor("node 1 to accept the token again", CONVERGE_MS, async () => (await c.req(1, "GET", "auth/token/lookup-self", { token })).status === 200, 5);
});

t.run();

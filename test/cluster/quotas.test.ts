// Quotas across nodes: two warden processes on one PostgreSQL database. The lease count is exact
// whichever node a login lands on (one serialised count + insert in the database), with or without a
// role; a quota written on one node reaches the other through the change feed.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { CONVERGE_MS, type Cluster, mountEverywhere, startCluster, waitFor } from "./cluster.js";

const t = suite<{ c: Cluster; secretId: string }>("cluster: quotas across nodes");

t.before(async (ctx) => {
  ctx.c = await startCluster(2);
  const { c } = ctx;
  assert.is((await c.req(0, "POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
  await mountEverywhere(c, "approle/");
  // Concurrent losers are not wrong credentials, but keep the lockout out of this suite's way.
  assert.is((await c.req(0, "POST", "sys/auth/approle/tune", { body: { user_lockout_config: { disable_lockout: true } } })).status, 204);
  assert.is((await c.req(0, "POST", "auth/approle/role/q", { body: { role_id: "q-role", token_ttl: "1h" } })).status, 204);
  const secret = await c.req(1, "POST", "auth/approle/role/q/secret-id", { body: {} });
  assert.is(secret.status, 200, JSON.stringify(secret.body));
  ctx.secretId = secret.body.data.secret_id as string;
});
t.after(async ({ c }) => {
  await c?.close();
});

t("lease-count max_leases 4: 20 concurrent logins over 2 nodes -> exactly 4; a revoke on the other node frees one slot", async ({ c, secretId }) => {
  // Node 1 has read the (empty) quota table: it must hear the write of node 0 through the change feed.
  assert.is((await c.req(1, "GET", "sys/quotas/lease-count/q")).status, 404);
  assert.is((await c.req(0, "POST", "sys/quotas/lease-count/q", { body: { path: "auth/approle/login", max_leases: 4 } })).status, 204);
  await waitFor("node1 to see the quota", CONVERGE_MS, async () => (await c.req(1, "GET", "sys/quotas/lease-count/q")).status === 200);
  const login = (node: number) => c.req(node, "POST", "auth/approle/login", { token: null, body: { role_id: "q-role", secret_id: secretId } });
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => login(i % 2)));
  const ok = results.filter((r) => r.status === 200);
  assert.is(ok.length, 4, results.map((r) => r.status).join(","));
  for (const r of results.filter((x) => x.status !== 200)) {
    assert.is(r.status, 429, JSON.stringify(r.body));
    assert.equal((r.body as { errors: string[] }).errors, ['request path "auth/approle/login": lease count quota exceeded']);
  }
  const tokens = ok.map((r) => (r.body as { auth: { client_token: string } }).auth.client_token);
  assert.is((await c.req(1, "POST", "auth/token/revoke-self", { token: tokens[0] })).status, 204);
  const again = await Promise.all([login(0), login(1), login(0)]);
  assert.is(again.filter((r) => r.status === 200).length, 1, again.map((r) => r.status).join(","));
});

t("a rate limit written on node 0 applies on node 1 (counted per node, as Vault OSS)", async ({ c }) => {
  assert.is((await c.req(1, "GET", "sys/quotas/rate-limit/r")).status, 404);
  assert.is((await c.req(0, "POST", "sys/quotas/rate-limit/r", { body: { path: "auth/approle/role/q", rate: 2, interval: "1h" } })).status, 204);
  await waitFor("node1 to see the rate limit", CONVERGE_MS, async () => (await c.req(1, "GET", "sys/quotas/rate-limit/r")).status === 200);
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await c.req(1, "GET", "auth/approle/role/q")).status);
  assert.equal(statuses, [200, 200, 429]);
  // Node 0 counts its own clients: its window is untouched by node 1's.
  assert.is((await c.req(0, "GET", "auth/approle/role/q")).status, 200);
});

t("lease-count with role w, max_leases 5: 20 concurrent logins of w over 2 nodes -> exactly 5; role q is not counted", async ({ c, secretId }) => {
  // The path quota of the first case (auth/approle/login) is more specific than a role quota: gone.
  assert.is((await c.req(0, "DELETE", "sys/quotas/lease-count/q")).status, 204);
  assert.is((await c.req(0, "POST", "auth/approle/role/w", { body: { role_id: "w-role", token_ttl: "1h" } })).status, 204);
  const secret = await c.req(0, "POST", "auth/approle/role/w/secret-id", { body: {} });
  assert.is(secret.status, 200, JSON.stringify(secret.body));
  const wSecret = secret.body.data.secret_id as string;
  assert.is((await c.req(0, "POST", "sys/quotas/lease-count/w", { body: { path: "auth/approle", role: "w", max_leases: 5 } })).status, 204);
  await waitFor("node1 to see the role quota and the role", CONVERGE_MS, async () => (await c.req(1, "GET", "sys/quotas/lease-count/w")).status === 200 && (await c.req(1, "GET", "auth/approle/role/w")).status === 200);
  await waitFor("node1 to see the path quota gone", CONVERGE_MS, async () => (await c.req(1, "GET", "sys/quotas/lease-count/q")).status === 404);
  const loginW = (node: number) => c.req(node, "POST", "auth/approle/login", { token: null, body: { role_id: "w-role", secret_id: wSecret } });
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => loginW(i % 2)));
  assert.is(results.filter((r) => r.status === 200).length, 5, results.map((r) => r.status).join(","));
  for (const r of results.filter((x) => x.status !== 200)) {
    assert.is(r.status, 429, JSON.stringify(r.body));
    assert.equal((r.body as { errors: string[] }).errors, ['request path "auth/approle/login": lease count quota exceeded']);
  }
  const q = await Promise.all([0, 1, 0, 1, 0, 1].map((node) => c.req(node, "POST", "auth/approle/login", { token: null, body: { role_id: "q-role", secret_id: secretId } })));
  assert.equal(q.map((r) => r.status), [200, 200, 200, 200, 200, 200], "role q is neither counted nor limited");
});

t.run();

// identity/entity/merge on one node of a PostgreSQL cluster: another node that had the principal's
// alias and entity in its caches logs the principal in to the merged entity once the change feed
// told it (its alias cache is dropped on any identity change), and the merged entity's tokens stop
// on every node at once (revocation is in the database, not a cache).
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { CONVERGE_MS, type Cluster, mountEverywhere, startCluster, waitFor } from "./cluster.js";

const t = suite<{ c: Cluster }>("cluster: entity merge");

t.before(async (ctx) => {
  ctx.c = await startCluster(2);
  assert.is((await ctx.c.req(0, "POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
  await mountEverywhere(ctx.c, "approle/");
  assert.is((await ctx.c.req(0, "POST", "auth/approle/role/runner", { body: { role_id: "runner-role", token_ttl: "1h" } })).status, 204);
});

t.after(async ({ c }) => {
  await c.close();
});

const login = async (c: Cluster, node: number): Promise<{ token: string; entity: string }> => {
  const secret_id = (await c.req(0, "POST", "auth/approle/role/runner/secret-id", { body: {} })).body.data.secret_id as string;
  const r = await c.req(node, "POST", "auth/approle/login", { token: null, body: { role_id: "runner-role", secret_id } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  return { token: r.body.auth.client_token as string, entity: r.body.auth.entity_id as string };
};

t("merged on node 0: node 1 logs the principal in to the merged entity; the old entity's tokens stop everywhere", async ({ c }) => {
  const first = await login(c, 1);
  // Node 1 now caches the alias -> entity mapping and the entity's snapshot.
  assert.is((await login(c, 1)).entity, first.entity);
  assert.is((await c.req(1, "GET", "auth/token/lookup-self", { token: first.token })).status, 200);

  const target = (await c.req(0, "POST", "identity/entity", { body: { name: "ci-runner" } })).body.data.id as string;
  const merged = await c.req(0, "POST", "identity/entity/merge", { body: { from_entity_ids: first.entity, to_entity_id: target } });
  assert.is(merged.status, 204, JSON.stringify(merged.body));

  assert.is((await c.req(1, "GET", "auth/token/lookup-self", { token: first.token })).status, 403);
  await waitFor("node 1 to log the principal in to the merged entity", CONVERGE_MS, async () => (await login(c, 1)).entity === target, 20);
  assert.is((await c.req(1, "GET", `identity/entity/id/${first.entity}`)).status, 404);
});

t.run();

// Leader election for periodic work: one leader among three nodes (a PostgreSQL advisory lock held
// by a session of its own); kill -9 of the leader frees the lock at once and another node takes over.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type Cluster, startCluster, waitFor } from "./cluster.js";

const t = suite<{ c: Cluster }>("cluster: leader election");

t.before(async (ctx) => {
  ctx.c = await startCluster(3, { haEnabled: true });
});
t.after(async ({ c }) => c?.close());

async function leaders(c: Cluster, alive: number[]) {
  return Promise.all(alive.map(async (i) => (await c.nodes[i]!.request("GET", "sys/leader")).body as Record<string, unknown>));
}

t("one leader; sys/leader agrees on every node; sys/ha-status lists the three", async ({ c }) => {
  const views = await waitFor("a leader", 10_000, async () => {
    const v = await leaders(c, [0, 1, 2]);
    return v.every((b) => b.leader_address && b.leader_address === v[0]!.leader_address) ? v : undefined;
  });
  for (const v of views) assert.is(v.ha_enabled, true);
  assert.is(views.filter((v) => v.is_self === true).length, 1, JSON.stringify(views));
  const leaderIdx = views.findIndex((v) => v.is_self === true);
  assert.is(views[0]!.leader_address, c.nodes[leaderIdx]!.url);
  const ha = await c.req(1, "GET", "sys/ha-status");
  assert.is(ha.status, 200, JSON.stringify(ha.body));
  const nodes = ha.body.data.nodes as Array<{ api_address: string; active_node: boolean }>;
  assert.is(nodes.length, 3);
  assert.is(nodes[0]!.api_address, c.nodes[leaderIdx]!.url);
  assert.equal(nodes.map((n) => n.active_node), [true, false, false]);
  assert.equal(ha.body.nodes, nodes, "Vault copies sys/ha-status to the top level too");
  assert.is((await c.nodes[1]!.request("GET", "sys/ha-status")).status, 403, "authenticated, as in Vault");
  // Every node serves, leader or not.
  for (const i of [0, 1, 2]) assert.is((await c.req(i, "GET", "auth/token/lookup-self")).status, 200);
});

t("kill -9 of the leader: another node leads within 30 s, the dead one leaves sys/ha-status", async ({ c }) => {
  const views = await leaders(c, [0, 1, 2]);
  const leaderIdx = views.findIndex((v) => v.is_self === true);
  const rest = [0, 1, 2].filter((i) => i !== leaderIdx);
  const started = Date.now();
  await c.nodes[leaderIdx]!.stop("SIGKILL");
  const next = await waitFor("a new leader", 30_000, async () => {
    const v = await leaders(c, rest);
    const self = v.filter((b) => b.is_self === true);
    return self.length === 1 && v.every((b) => b.leader_address === v[0]!.leader_address && b.leader_address) ? v : undefined;
  }, 100);
  const took = Date.now() - started;
  assert.ok(took < 30_000, `${took} ms`);
  assert.is.not(next[0]!.leader_address, c.nodes[leaderIdx]!.url);
  const ha = await c.req(rest[0]!, "GET", "sys/ha-status");
  assert.is(ha.body.data.nodes.length, 2);
  // The survivors still serve.
  for (const i of rest) assert.is((await c.req(i, "GET", "auth/token/lookup-self")).status, 200);
  console.log(`    leader hand-over after kill -9: ${took} ms`);
});

t.run();

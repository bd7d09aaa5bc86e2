// Sealing gives leadership up: two nodes on one PostgreSQL database with a static seal; sys/seal on
// the leader ends its election session, so the other node takes the lock and every node's sys/leader
// names it. The sealed node, unsealed again (a static seal unseals at start), campaigns again.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type Cluster, CONVERGE_MS, startCluster, waitFor } from "./cluster.js";

const t = suite<{ c: Cluster }>("cluster: a sealed node gives leadership up");

t.before(async (ctx) => {
  ctx.c = await startCluster(2, { haEnabled: true });
});
t.after(async ({ c }) => c?.close());

const leaderViews = (c: Cluster) => Promise.all(c.nodes.map(async (n) => (await n.request("GET", "sys/leader")).body as { is_self: boolean; leader_address: string }));

/**
 * A hand-over takes a candidate's next try (every second) after the old session ends; on a loaded
 * machine (other cluster suites in parallel) that can take long, so the bound is generous (ha.test's).
 */
const HANDOVER_MS = 60_000;

/** Polls until node `idx` leads and every node's sys/leader (sealed ones too) names it; a timeout shows the last views. */
const agreeOn = async (c: Cluster, idx: number, what: string) => {
  let last: unknown;
  const started = Date.now();
  try {
    const views = await waitFor(what, HANDOVER_MS, async () => {
      const v = await leaderViews(c);
      last = v;
      return v.every((b, i) => b.leader_address === c.nodes[idx]!.url && b.is_self === (i === idx)) ? v : undefined;
    }, 50);
    console.log(`    ${what}: ${Date.now() - started} ms`);
    return views;
  } catch (e) {
    throw new Error(`${(e as Error).message}; last sys/leader views: ${JSON.stringify(last)}; nodes: ${JSON.stringify(c.nodes.map((n) => n.url))}`);
  }
};

t("sys/seal on the leader: the other node leads, sys/leader agrees; unsealed again, it campaigns again", async ({ c }) => {
  const first = await waitFor("a leader both nodes agree on", HANDOVER_MS, async () => {
    const v = await leaderViews(c);
    return v[0]!.leader_address && v[0]!.leader_address === v[1]!.leader_address ? v : undefined;
  });
  const leader = first.findIndex((v) => v.is_self);
  assert.ok(leader >= 0, JSON.stringify(first));
  const other = 1 - leader;

  assert.is((await c.req(leader, "PUT", "sys/seal")).status, 204);
  assert.is((await c.req(leader, "GET", "sys/seal-status")).body.sealed, true);
  await agreeOn(c, other, `node ${other} to lead once node ${leader} is sealed`);
  const ha = await c.req(other, "GET", "sys/ha-status");
  assert.equal(
    ha.body.data.nodes.map((n: { api_address: string }) => n.api_address),
    [c.nodes[other]!.url],
    "a sealed node is no candidate",
  );

  // The static seal unseals at start: restart the sealed node, then seal the leader: it leads again.
  await c.nodes[leader]!.stop();
  c.nodes[leader]!.start();
  await c.nodes[leader]!.waitUp();
  await waitFor(`node ${leader} to unseal`, CONVERGE_MS, async () => (await c.req(leader, "GET", "sys/seal-status")).body?.sealed === false);
  await waitFor("both nodes campaigning", HANDOVER_MS, async () => (await c.req(other, "GET", "sys/ha-status")).body?.data?.nodes?.length === 2);
  assert.is((await c.req(other, "PUT", "sys/seal")).status, 204);
  await agreeOn(c, leader, `node ${leader} to lead again once node ${other} is sealed`);
  assert.is((await c.req(leader, "GET", "auth/token/lookup-self")).status, 200);
  assert.is((await c.req(other, "GET", "auth/token/lookup-self")).status, 503, "sealed");
});

t.run();

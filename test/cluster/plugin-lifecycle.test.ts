// Plugin instances across nodes: every node runs its own instance of a mount; a write to the mount's
// storage on one node reaches the right mount's instance on the other node as invalidate(key) (never
// another mount's, never the writer's own); unmount, tune and a global reload reach every node's
// instance. The plugin comes from the catalog, as an operator deploys it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { pluginSha256 } from "../../src/sdk/testing/pin.js";
import { pluginDir, type PluginDir } from "../plugins/fixtures.js";
import { LIFECYCLE_LOG_ENV, lifecycleEvents, lifecycleSource } from "../plugins/lifecycle-fixture.js";
import { type Cluster, startCluster, waitFor } from "./cluster.js";

interface Ctx {
  c: Cluster;
  p: PluginDir;
  log: string;
}
interface State {
  instance: string;
  calls: number;
  invalidated: string[];
  description: string;
}

const t = suite<Ctx>("cluster: plugin instances on every node");
t.before(async (ctx) => {
  ctx.p = pluginDir();
  ctx.p.put("lifecycle.js", lifecycleSource("lifecycle"));
  ctx.log = join(mkdtempSync(join(tmpdir(), "warden-cluster-lifecycle-")), "events.jsonl");
  // The node processes inherit it: every node's instances append to this one file.
  process.env[LIFECYCLE_LOG_ENV] = ctx.log;
  ctx.c = await startCluster(2, { pluginDirectory: ctx.p.dir });
  const { c, p } = ctx;
  const reg = await c.req(0, "PUT", "sys/plugins/catalog/auth/lifecycle", { body: { sha256: pluginSha256(join(p.dir, "lifecycle.js")), command: "lifecycle.js", version: "v1.0.0" } });
  assert.is(reg.status, 204, JSON.stringify(reg.body));
  for (const m of ["lc-a", "lc-b"]) assert.is((await c.req(0, "POST", `sys/auth/${m}`, { body: { type: "lifecycle" } })).status, 204);
  for (const m of ["lc-a", "lc-b"]) await waitFor(`node 1 to serve ${m}`, 5_000, async () => (await c.req(1, "GET", `auth/${m}/state`)).status === 200);
});
t.after(async ({ c, p, log }) => {
  await c?.close();
  delete process.env[LIFECYCLE_LOG_ENV];
  rmSync(p.dir, { recursive: true, force: true });
  rmSync(join(log, ".."), { recursive: true, force: true });
});

const state = async (c: Cluster, node: number, mount: string): Promise<State> => {
  const r = await c.req(node, "GET", `auth/${mount}/state`);
  assert.is(r.status, 200, JSON.stringify(r.body));
  return r.body.data as State;
};

t("a write on one node reaches the same mount's instance on the other node, both ways, and no other", async ({ c }) => {
  assert.is((await c.req(0, "PUT", "auth/lc-a/kv/alpha", { body: { value: "1" } })).status, 204);
  await waitFor("node 1's lc-a instance to hear of alpha", 5_000, async () => (await state(c, 1, "lc-a")).invalidated.includes("alpha"));
  assert.is((await c.req(1, "GET", "auth/lc-a/kv/alpha")).body.data.value, "1");

  assert.is((await c.req(1, "PUT", "auth/lc-b/kv/beta", { body: { value: "2" } })).status, 204);
  await waitFor("node 0's lc-b instance to hear of beta", 5_000, async () => (await state(c, 0, "lc-b")).invalidated.includes("beta"));
  assert.is((await c.req(0, "GET", "auth/lc-b/kv/beta")).body.data.value, "2");

  // The other mount of the same plugin, and the writer itself, hear nothing of these keys.
  assert.not.ok((await state(c, 1, "lc-b")).invalidated.includes("alpha"));
  assert.not.ok((await state(c, 0, "lc-a")).invalidated.some((k) => k === "alpha" || k === "beta"));
  assert.not.ok((await state(c, 1, "lc-b")).invalidated.includes("beta"), "the writing node's own instance");
});

t("tune on one node: every node keeps its instance and is told", async ({ c }) => {
  const before = [await state(c, 0, "lc-b"), await state(c, 1, "lc-b")];
  assert.is((await c.req(1, "POST", "sys/auth/lc-b/tune", { body: { description: "tuned on node 1" } })).status, 204);
  for (const node of [0, 1]) {
    await waitFor(`node ${node}'s lc-b to be told of the tune`, 5_000, async () => (await state(c, node, "lc-b")).description === "tuned on node 1");
    assert.is((await state(c, node, "lc-b")).instance, before[node]!.instance, `node ${node} kept its instance`);
  }
});

t("a global reload gives every node a fresh instance and cleans the old ones up", async ({ c, log }) => {
  const before = [await state(c, 0, "lc-b"), await state(c, 1, "lc-b")];
  assert.is.not(before[0]!.instance, before[1]!.instance, "each node runs its own instance");
  const r = await c.req(0, "PUT", "sys/plugins/reload/backend", { body: { mounts: ["lc-b"], scope: "global" } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  for (const node of [0, 1]) {
    await waitFor(`node ${node} to run a fresh lc-b instance`, 5_000, async () => (await state(c, node, "lc-b")).instance !== before[node]!.instance);
  }
  await waitFor("both old instances' cleanup", 5_000, async () => {
    const cleaned = new Set(lifecycleEvents(log).filter((e) => e.event === "cleanup").map((e) => e.instance));
    return before.every((s) => cleaned.has(s.instance));
  });
});

t("unmount on one node cleans the mount's instance up on every node", async ({ c, log }) => {
  const running = [await state(c, 0, "lc-a"), await state(c, 1, "lc-a")];
  assert.is((await c.req(1, "DELETE", "sys/auth/lc-a")).status, 204);
  await waitFor("both nodes' lc-a instances to be cleaned up", 5_000, async () => {
    const cleaned = lifecycleEvents(log).filter((e) => e.event === "cleanup" && e.path === "auth/lc-a/");
    return running.every((s) => cleaned.some((e) => e.instance === s.instance));
  });
  const pids = new Set(lifecycleEvents(log).filter((e) => e.event === "cleanup" && e.path === "auth/lc-a/").map((e) => e.pid));
  assert.is(pids.size, 2, "one cleanup in each node's process");
  assert.ok((await state(c, 0, "lc-b")).instance, "the other mount still serves");
});

t.run();

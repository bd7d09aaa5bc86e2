// A mount whose plugin file fails its pin when the nodes boot, on a two-node cluster: every node lists
// it as failed and answers 503; a reload is per node as in Vault (the node that reloads recovers, the
// other stays failed), and a reload with scope=global brings every node back through the change feed
// (the stamped mount record), without a restart. Tokens the mount issued stay valid throughout.
import { join } from "node:path";
import { rmSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { pluginSha256 } from "../../src/sdk/testing/pin.js";
import { type PluginDir, issuingSource, pluginDir } from "../plugins/fixtures.js";
import { CONVERGE_MS, type Cluster, startCluster, waitFor } from "./cluster.js";

interface Ctx {
  c: Cluster;
  p: PluginDir;
  token: string;
}

const GOOD = issuingSource("issuer", "good");
const t = suite<Ctx>("cluster: a failed plugin mount recovers by reload");

const status = async (c: Cluster, node: number): Promise<string | undefined> => {
  const r = await c.req(node, "GET", "sys/auth");
  return (r.body as { data: Record<string, { plugin_status?: string }> }).data["rec/"]?.plugin_status;
};

t.before(async (ctx) => {
  ctx.p = pluginDir();
  ctx.p.put("issuer.js", GOOD);
  ctx.c = await startCluster(2, { pluginDirectory: ctx.p.dir });
  const { c, p } = ctx;
  const reg = await c.req(0, "PUT", "sys/plugins/catalog/auth/issuer", { body: { sha256: pluginSha256(join(p.dir, "issuer.js")), command: "issuer.js", version: "v1.0.0" } });
  assert.is(reg.status, 204, JSON.stringify(reg.body));
  assert.is((await c.req(0, "POST", "sys/auth/rec", { body: { type: "issuer" } })).status, 204);
  await waitFor("node 1 to serve rec", CONVERGE_MS, async () => (await c.req(1, "GET", "auth/rec/hello")).status === 200);
  const login = await c.req(1, "PUT", "auth/rec/login", { token: null, body: { name: "worker" } });
  assert.is(login.status, 200, JSON.stringify(login.body));
  ctx.token = (login.body as { auth: { client_token: string } }).auth.client_token;

  // Both nodes stop; the shared plugin file is replaced; both boot and find it off its pin.
  await Promise.all(c.nodes.map((n) => n.stop()));
  p.put("issuer.js", issuingSource("issuer", "tampered"));
  for (const n of c.nodes) n.start();
  await Promise.all(c.nodes.map((n) => n.waitUp()));
  await Promise.all(c.nodes.map((n) => waitFor(`${n.name} to unseal`, CONVERGE_MS, async () => (await n.request("GET", "sys/seal-status")).body?.sealed === false)));
});
t.after(async ({ c, p }) => {
  await c?.close();
  rmSync(p.dir, { recursive: true, force: true });
});

t("every node lists the mount as failed with the reason and answers 503; its token still looks up", async ({ c, token }) => {
  for (const node of [0, 1]) {
    assert.is(await status(c, node), "failed", `node ${node}`);
    const r = await c.req(node, "GET", "auth/rec/hello");
    assert.is(r.status, 503, `node ${node}: ${JSON.stringify(r.body)}`);
    assert.match(JSON.stringify(r.body), /plugin failed to load/);
    assert.match(JSON.stringify((await c.req(node, "GET", "sys/auth")).body), /sha256 mismatch/, `node ${node}: the reason in sys/auth`);
    assert.is((await c.req(node, "GET", "auth/token/lookup-self", { token })).status, 200, `node ${node}: token valid`);
  }
});

t("a reload without scope recovers only the node that ran it", async ({ c, p, token }) => {
  p.put("issuer.js", GOOD);
  const r = await c.req(0, "PUT", "sys/plugins/reload/backend", { body: { mounts: ["rec"] } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(await status(c, 0), "running");
  assert.is((await c.req(0, "GET", "auth/rec/hello")).status, 200);
  assert.is((await c.req(0, "PUT", "auth/token/renew-self", { token })).status, 200, "renewal answers again on node 0");
  // A local reload writes nothing to storage: node 1 has nothing to learn and still refuses.
  assert.is(await status(c, 1), "failed");
  assert.is((await c.req(1, "GET", "auth/rec/hello")).status, 503);
});

t("a reload with scope=global brings the other node back through the change feed", async ({ c, token }) => {
  const r = await c.req(0, "PUT", "sys/plugins/reload/backend", { body: { mounts: ["rec"], scope: "global" } });
  assert.is(r.status, 200, JSON.stringify(r.body));
  await waitFor("node 1 to serve rec again", CONVERGE_MS, async () => (await c.req(1, "GET", "auth/rec/hello")).status === 200);
  assert.is(await status(c, 1), "running");
  assert.is((await c.req(1, "PUT", "auth/token/renew-self", { token })).status, 200);
  assert.is((await c.req(1, "PUT", "auth/rec/login", { token: null, body: { name: "worker" } })).status, 200);
});

t.run();

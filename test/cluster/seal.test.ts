// Three nodes on one PostgreSQL database with a static seal: init on one unsealed all (the harness
// waits for it); a keyring rotation on one node is used by the others.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type Cluster, onEveryNode, startCluster } from "./cluster.js";

const t = suite<{ c: Cluster }>("cluster: static seal, rotate on one node, read on the others");

t.before(async (ctx) => {
  ctx.c = await startCluster(3);
});
t.after(async ({ c }) => c?.close());

t("every node unsealed itself; a value written with the new term on node 0 is read on nodes 1 and 2", async ({ c }) => {
  for (let i = 0; i < 3; i++) assert.equal((await c.req(i, "GET", "sys/seal-status")).body.sealed, false);
  assert.is((await c.req(1, "PUT", "sys/init", { body: {} })).status, 400, "init on any node initialises all");
  assert.is((await c.req(0, "PUT", "sys/rotate")).status, 204);
  assert.is((await c.req(0, "GET", "sys/key-status")).body.data.term, 2);
  const text = 'path "after-rotate/*" { capabilities = ["read"] }';
  assert.is((await c.req(0, "PUT", "sys/policies/acl/after-rotate", { body: { policy: text } })).status, 204);
  await onEveryNode(c, "the policy written with term 2", async (i) => (await c.req(i, "GET", "sys/policies/acl/after-rotate")).body?.data?.policy === text);
  await onEveryNode(c, "term 2", async (i) => (await c.req(i, "GET", "sys/key-status")).body?.data?.term === 2);
  // A token minted on node 2 (written with term 2 after its reload) is looked up on node 0.
  const tok = (await c.req(2, "POST", "auth/token/create", { body: { meta: { k: "v" } } })).body.auth.client_token as string;
  assert.is((await c.req(0, "GET", "auth/token/lookup-self", { token: tok })).body.data.meta.k, "v");
});

t.run();

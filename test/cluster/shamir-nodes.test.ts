// Two nodes on one PostgreSQL database with the default (Shamir) seal: init on one initialises both,
// but each node is unsealed by its own operator's shares (as Vault); sealing one leaves the other serving.
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { type TestServer, startTestServer } from "../../src/sdk/testing/server.js";
import { type ThrowawayDatabase, createThrowawayDatabase } from "../helpers/pg.js";
import { waitFor } from "../helpers/wait-for.js";

const t = suite<{ db: ThrowawayDatabase; a: TestServer; b: TestServer }>("cluster: Shamir seal on two nodes");

t.before(async (ctx) => {
  ctx.db = await createThrowawayDatabase();
  const node = () =>
    startTestServer({
      skipInit: true,
      configure: (c) => {
        c.storage = { type: "postgresql", connectionUrl: ctx.db.url, tablePrefix: "warden", maxConnections: 4, haEnabled: false };
      },
    });
  ctx.a = await node();
  ctx.b = await node();
});
t.after(async (ctx) => {
  await ctx.a?.close();
  await ctx.b?.close();
  await ctx.db?.drop();
});

const status = async (s: TestServer) => (await s.request("GET", "sys/seal-status", { token: null })).body as Record<string, unknown>;
const unseal = (s: TestServer, key: string) => s.request("PUT", "sys/unseal", { token: null, body: { key } });

t("init on node A: node B is initialised and sealed; each node unseals with the shares; sealing A leaves B serving", async ({ a, b }) => {
  assert.equal([(await status(b)).initialized, (await status(b)).sealed], [false, true]);
  const init = await a.request("PUT", "sys/init", { token: null, body: { secret_shares: 3, secret_threshold: 2 } });
  assert.is(init.status, 200, init.text);
  const keys = init.body.keys as string[];
  a.rootToken = b.rootToken = init.body.root_token;

  await waitFor("node B to see the init", 15_000, async () => (await status(b)).initialized === true);
  const sb = await status(b);
  assert.equal([sb.sealed, sb.t, sb.n, sb.progress], [true, 2, 3, 0]);
  assert.is((await b.request("PUT", "sys/init", { token: null, body: { secret_shares: 1, secret_threshold: 1 } })).status, 400, "init on any node initialises all");

  for (const k of keys.slice(0, 2)) assert.is((await unseal(a, k)).status, 200);
  assert.is((await status(a)).sealed, false);
  assert.is((await a.write("sys/policies/acl/shared", { policy: 'path "shared/*" { capabilities = ["read"] }' })).status, 204);
  assert.is((await status(b)).sealed, true, "unsealing A does not unseal B");
  assert.is((await b.request("GET", "sys/policies/acl/shared")).status, 503);

  // B's operator: another pair of shares, the progress counted on B alone.
  assert.is((await unseal(b, keys[2]!)).body.progress, 1);
  assert.is((await status(a)).progress, 0, "progress is per node");
  assert.is((await unseal(b, keys[0]!)).body.sealed, false);
  assert.is((await b.read("sys/policies/acl/shared")).body.data.policy, 'path "shared/*" { capabilities = ["read"] }');

  assert.is((await a.write("sys/seal", {})).status, 204);
  assert.is((await status(a)).sealed, true);
  assert.is((await b.read("sys/policies/acl/shared")).status, 200, "B keeps serving");
  assert.is((await a.request("GET", "sys/policies/acl/shared")).status, 503);
});

t.run();

import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

const t = suite<{ s: TestServer }>("smoke");
t.before(async (ctx) => {
  ctx.s = await startTestServer();
});
t.after(async (ctx) => ctx.s.close());

t("lookup-self with the root token answers Vault's envelope", async ({ s }) => {
  const r = await s.request("GET", "auth/token/lookup-self");
  assert.is(r.status, 200);
  assert.is(r.body.data.policies[0], "root");
  assert.is(r.body.auth, null);
  assert.is(r.headers.get("cache-control"), "no-store");
});

t("a child token works, then stops working once revoked", async ({ s }) => {
  await s.request("PUT", "sys/policies/acl/reader", { body: { policy: 'path "auth/token/lookup-self" { capabilities = ["read"] }' } });
  const created = await s.request("POST", "auth/token/create", { body: { policies: ["reader"], ttl: "1h" } });
  assert.is(created.status, 200, created.text);
  const child = created.body.auth.client_token as string;
  assert.match(child, /^hvs\.[A-Za-z0-9]{36}$/);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token: child })).status, 200);
  assert.is((await s.request("GET", "sys/auth", { token: child })).status, 403);
  assert.is((await s.request("POST", "auth/token/revoke-self", { token: child })).status, 204);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token: child })).status, 403);
});

t.run();

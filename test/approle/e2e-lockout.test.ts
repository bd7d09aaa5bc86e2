/**
 * Lockout of AppRole logins (the core counts the plugin's invalidCredentials failures per mount,
 * role_id and client address): threshold from the mount's user_lockout_config, refusal while locked
 * even with the right secret, sys/locked-users and unlock, expiry, and no lockout from callers that
 * fail the address allow-list.
 */
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

const t = suite<{ s: TestServer; accessor: string }>("approle lockout over HTTP");
const M = "auth/approle";
const login = (s: TestServer, role_id: string, secret_id: string) => s.request("POST", `${M}/login`, { token: null, body: { role_id, secret_id } });
const LOCKED = /locked/;

async function secret(s: TestServer, role: string): Promise<string> {
  return (await s.request("POST", `${M}/role/${role}/secret-id`, { body: {} })).body.data.secret_id;
}

t.before(async (ctx) => {
  ctx.s = await startTestServer();
  const { s } = ctx;
  assert.is((await s.request("POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
  ctx.accessor = (await s.request("GET", "sys/auth")).body.data["approle/"].accessor;
  await s.request("POST", `${M}/role/ci`, { body: { role_id: "ci-role-id" } });
});
t.after(async ({ s }) => s.close());

t("default threshold: 5 wrong secrets lock role_id + address; the right secret is then refused", async ({ s }) => {
  const good = await secret(s, "ci");
  for (let i = 0; i < 5; i++) {
    const r = await login(s, "ci-role-id", `wrong-${i}`);
    assert.equal([r.status, r.body.errors], [400, ["invalid role or secret ID"]]);
  }
  const locked = await login(s, "ci-role-id", good);
  assert.is(locked.status, 400);
  assert.match(locked.body.errors[0], LOCKED);
  const list = await s.request("GET", "sys/locked-users");
  assert.is(list.status, 200, list.text);
  assert.ok(JSON.stringify(list.body.data).includes("ci-role-id"));
});

t("unlock through sys/locked-users/:mount_accessor/unlock/:alias, and the secret works", async ({ s, accessor }) => {
  const r = await s.request("POST", `sys/locked-users/${accessor}/unlock/ci-role-id`, { body: {} });
  assert.is(r.status, 204, r.text);
  const ok = await login(s, "ci-role-id", await secret(s, "ci"));
  assert.is(ok.status, 200, ok.text);
});

t("tuned threshold and duration: 2 failures lock for 1m, then it expires; success resets the count", async ({ s }) => {
  const tune = await s.request("POST", "sys/auth/approle/tune", { body: { user_lockout_config: { lockout_threshold: 2, lockout_duration: "1m", lockout_counter_reset: "1m" } } });
  assert.is(tune.status, 204, tune.text);
  const good = await secret(s, "ci");
  assert.is((await login(s, "ci-role-id", "wrong")).status, 400);
  assert.is((await login(s, "ci-role-id", good)).status, 200, "one failure, then success: counter reset");
  assert.is((await login(s, "ci-role-id", "wrong")).status, 400);
  const notYet = await login(s, "ci-role-id", "wrong-again");
  assert.not.match(notYet.body.errors[0], LOCKED, "the reset counter needs two fresh failures");
  assert.match((await login(s, "ci-role-id", good)).body.errors[0], LOCKED);
  s.clock.advance(60_000);
  assert.is((await login(s, "ci-role-id", good)).status, 200, "lock expired");
});

t("callers off the role's allow-list cannot lock it out", async ({ s }) => {
  await s.request("POST", `${M}/role/fenced`, { body: { role_id: "fenced-id", secret_id_bound_cidrs: "10.0.0.0/8" } });
  for (let i = 0; i < 10; i++) {
    const r = await login(s, "fenced-id", `guess-${i}`);
    assert.equal([r.status, r.body.errors], [400, ["invalid role or secret ID"]]);
  }
  const list = await s.request("GET", "sys/locked-users");
  assert.not.ok(JSON.stringify(list.body ?? {}).includes("fenced-id"), "nothing counted against fenced-id");
});

t("malformed requests (missing secret_id) do not count", async ({ s }) => {
  for (let i = 0; i < 4; i++) {
    const r = await s.request("POST", `${M}/login`, { token: null, body: { role_id: "ci-role-id" } });
    assert.equal([r.status, r.body.errors], [400, ["missing secret_id"]]);
  }
  assert.is((await login(s, "ci-role-id", await secret(s, "ci"))).status, 200);
});

t.run();

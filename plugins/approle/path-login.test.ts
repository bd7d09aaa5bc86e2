import { test } from "warden/sdk/testing/suite";
import * as assert from "uvu/assert";
import type { AuthResult, RenewRequest } from "warden/sdk";
import { renewAppRole } from "./backend.js";
import { loginPath } from "./path-login.js";
import { assertRejects, harness, type Harness } from "./test-support.js";

async function setup(role: Record<string, unknown> = {}, secret: Record<string, unknown> = {}) {
  const h = harness();
  await h.call("write", "role/ci", { role_id: "ci-role-id", ...role });
  const s = role.bind_secret_id === false ? {} : await h.data("write", "role/ci/secret-id", secret);
  return { h, secretId: s.secret_id as string, accessor: s.secret_id_accessor as string };
}

const login = async (h: Harness, body: Record<string, unknown>): Promise<AuthResult> => {
  const r = await h.call("write", "login", body);
  assert.ok(r && r.auth, "an auth result");
  return r.auth;
};

const counted = (e: { countsAsFailedLogin: boolean }) => e.countsAsFailedLogin;

test("login: alias = role_id, metadata role_name + secret metadata, token from role, internal role_name", async () => {
  const { h, secretId } = await setup({ token_policies: "ci", token_ttl: 600, token_num_uses: 3 }, { metadata: { runner: "7", role_name: "spoof" } });
  const auth = await login(h, { role_id: " ci-role-id\n", secret_id: `${secretId}\n` });
  assert.equal(auth.alias, { name: "ci-role-id", metadata: { runner: "7", role_name: "ci" } });
  assert.equal(auth.metadata, { runner: "7", role_name: "ci" });
  assert.equal([auth.token.policies, auth.token.ttl, auth.token.numUses], [["ci"], 600, 3]);
  assert.is(auth.internal!.role_name, "ci");
  assert.not.ok(JSON.stringify(auth).includes(secretId));
});

test("wrong credentials are counted failures with one message; malformed input is not", async () => {
  const { h, secretId } = await setup();
  for (const body of [{ role_id: "unknown", secret_id: secretId }, { role_id: "ci-role-id", secret_id: "wrong" }]) {
    const e = await assertRejects(h.call("write", "login", body), 400, "invalid role or secret ID");
    assert.ok(counted(e));
  }
  assert.not.ok(counted(await assertRejects(h.call("write", "login", { secret_id: secretId }), 400, "missing role_id")));
  assert.not.ok(counted(await assertRejects(h.call("write", "login", { role_id: "ci-role-id" }), 400, "missing secret_id")));
  assert.not.ok(h.log.text().includes(secretId), "secret never logged");
});

test("resolveRole (role quotas): role_id -> role name, trimmed; unknown or missing -> none; no secret used, nothing logged", async () => {
  const { h, secretId } = await setup({ secret_id_num_uses: 1 });
  const logged = h.log.lines.length;
  assert.is(await h.resolveRole(loginPath, { role_id: " ci-role-id\n", secret_id: "wrong" }), "ci");
  assert.is(await h.resolveRole(loginPath, { role_id: "ci-role-id" }), "ci");
  assert.is(await h.resolveRole(loginPath, { role_id: "unknown", secret_id: secretId }), undefined);
  assert.is(await h.resolveRole(loginPath, { secret_id: secretId }), undefined);
  assert.is(await h.resolveRole(loginPath, {}), undefined);
  assert.is(h.log.lines.length, logged, "nothing logged");
  // The one-use secret is still there for the real login.
  await login(h, { role_id: "ci-role-id", secret_id: secretId });
});

test("num_uses: exactly k logins, then the entry and its accessor are gone", async () => {
  const { h, secretId } = await setup({ secret_id_num_uses: 2 });
  await login(h, { role_id: "ci-role-id", secret_id: secretId });
  await login(h, { role_id: "ci-role-id", secret_id: secretId });
  assert.ok(counted(await assertRejects(h.call("write", "login", { role_id: "ci-role-id", secret_id: secretId }), 400, "invalid role or secret ID")));
  assert.is(h.storage.counted.size, 0);
  assert.equal(await h.data("list", "role/ci/secret-id"), { keys: [] });
});

test("unlimited uses (0): logins take nothing (no write to the entry), and a destroyed secret stops them", async () => {
  const { h, secretId, accessor } = await setup({ secret_id_num_uses: 0 });
  let takes = 0;
  const take = h.storage.takeCounted.bind(h.storage);
  h.storage.takeCounted = ((key: string) => (takes++, take(key))) as typeof h.storage.takeCounted;
  for (let i = 0; i < 3; i++) await login(h, { role_id: "ci-role-id", secret_id: secretId });
  assert.is(takes, 0);
  assert.is((await h.data("write", "role/ci/secret-id-accessor/lookup", { secret_id_accessor: accessor })).secret_id_num_uses, 0);
  await h.call("write", "role/ci/secret-id-accessor/destroy", { secret_id_accessor: accessor });
  assert.ok(counted(await assertRejects(h.call("write", "login", { role_id: "ci-role-id", secret_id: secretId }), 400, "invalid role or secret ID")));
});

test("num_uses=1 under 50 concurrent logins gives exactly one auth", async () => {
  const { h, secretId } = await setup({}, { num_uses: 1 });
  const results = await Promise.allSettled(Array.from({ length: 50 }, () => h.call("write", "login", { role_id: "ci-role-id", secret_id: secretId })));
  assert.is(results.filter((r) => r.status === "fulfilled").length, 1);
});

test("secret_id_ttl: expired secret is a counted failure", async () => {
  const { h, secretId } = await setup({ secret_id_ttl: 5 });
  let now = Date.now();
  h.storage.now = () => now;
  await login(h, { role_id: "ci-role-id", secret_id: secretId });
  now += 6000;
  assert.ok(counted(await assertRejects(h.call("write", "login", { role_id: "ci-role-id", secret_id: secretId }), 400)));
});

test("address refusals: plain 400, same message, no use consumed", async () => {
  const cases: [Record<string, unknown>, Record<string, unknown>][] = [
    [{ secret_id_bound_cidrs: "10.0.0.0/8" }, {}],
    [{ secret_id_bound_cidrs: "0.0.0.0/0" }, { cidr_list: "10.0.0.0/8" }],
    [{ token_bound_cidrs: "10.0.0.0/8" }, {}],
    [{}, { token_bound_cidrs: "10.0.0.1" }],
  ];
  for (const [role, secret] of cases) {
    const { h, secretId } = await setup({ secret_id_num_uses: 1, ...role }, secret);
    const e = await assertRejects(h.call("write", "login", { role_id: "ci-role-id", secret_id: secretId }), 400, "invalid role or secret ID");
    assert.not.ok(counted(e), JSON.stringify([role, secret]));
    h.clientAddress = "10.0.0.1";
    await login(h, { role_id: "ci-role-id", secret_id: secretId });
    h.clientAddress = undefined;
  }
  const { h, secretId } = await setup({ secret_id_bound_cidrs: "127.0.0.0/8" });
  h.clientAddress = undefined;
  await assertRejects(h.call("write", "login", { role_id: "ci-role-id", secret_id: secretId }), 400);
});

test("the secret's token_bound_cidrs replace the role's in the token", async () => {
  const { h, secretId } = await setup({ token_bound_cidrs: "127.0.0.0/8" }, { token_bound_cidrs: "127.0.0.1" });
  const auth = await login(h, { role_id: "ci-role-id", secret_id: secretId });
  assert.equal(auth.token.boundCidrs, ["127.0.0.1/32"]);
});

test("bind_secret_id=false: role_id alone logs in from the bound CIDR only", async () => {
  const { h } = await setup({ bind_secret_id: false, secret_id_bound_cidrs: "127.0.0.0/8" });
  const auth = await login(h, { role_id: "ci-role-id" });
  assert.equal(auth.metadata, { role_name: "ci" });
  h.clientAddress = "192.0.2.1";
  await assertRejects(h.call("write", "login", { role_id: "ci-role-id" }), 400);
});

test("a destroyed secret or a deleted role no longer logs in", async () => {
  const { h, secretId, accessor } = await setup();
  await h.call("write", "role/ci/secret-id-accessor/destroy", { secret_id_accessor: accessor });
  await assertRejects(h.call("write", "login", { role_id: "ci-role-id", secret_id: secretId }), 400);
  const s2 = await h.data("write", "role/ci/secret-id");
  await h.call("delete", "role/ci");
  await assertRejects(h.call("write", "login", { role_id: "ci-role-id", secret_id: s2.secret_id }), 400);
});

test("renew re-reads the role; deleted or re-created role refuses", async () => {
  const { h, secretId } = await setup({ token_ttl: 60, token_max_ttl: 120, token_period: 0 });
  const auth = await login(h, { role_id: "ci-role-id", secret_id: secretId });
  const req: RenewRequest = { metadata: auth.metadata!, internal: auth.internal!, alias: auth.alias.name, policies: [], storage: h.storage, mount: { path: "auth/approle/", type: "approle", accessor: "a" }, clientAddress: "127.0.0.1", log: h.log };
  assert.equal(await renewAppRole(req), { ttl: 60, maxTtl: 120, period: 0 });
  await h.call("write", "role/ci/token-ttl", { token_ttl: 30 });
  assert.is((await renewAppRole(req)).ttl, 30);
  await h.call("delete", "role/ci");
  await assertRejects(renewAppRole(req), 403);
  await h.call("write", "role/ci", {});
  await assertRejects(renewAppRole(req), 403);
  await assertRejects(renewAppRole({ ...req, internal: {} }), 403);
});

test.run();

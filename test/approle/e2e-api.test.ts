/** AppRole over real HTTP: every API path, its status codes and Vault's response shapes. */
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

const t = suite<{ s: TestServer }>("approle API over HTTP");

t.before(async (ctx) => {
  ctx.s = await startTestServer();
  const r = await ctx.s.request("POST", "sys/auth/approle", { body: { type: "approle" } });
  assert.is(r.status, 204, r.text);
});
t.after(async ({ s }) => s.close());

t("role: create 204, read Vault's keys, list, update, 404 for missing", async ({ s }) => {
  assert.is((await s.request("POST", "auth/approle/role/My-Role", { body: { token_policies: "a", secret_id_ttl: "10m" } })).status, 204);
  const r = await s.request("GET", "auth/approle/role/my-role");
  assert.is(r.status, 200);
  assert.equal(Object.keys(r.body.data).sort(), ["bind_secret_id", "local_secret_ids", "secret_id_bound_cidrs", "secret_id_num_uses", "secret_id_ttl", "token_bound_cidrs", "token_explicit_max_ttl", "token_max_ttl", "token_no_default_policy", "token_num_uses", "token_period", "token_policies", "token_ttl", "token_type"]);
  assert.is(r.body.data.secret_id_ttl, 600);
  assert.equal((await s.request("GET", "auth/approle/role?list=true")).body.data.keys, ["my-role"]);
  assert.is((await s.request("PUT", "auth/approle/role/my-role", { body: { token_ttl: 30 } })).status, 204);
  assert.is((await s.request("GET", "auth/approle/role/my-role")).body.data.token_ttl, 30);
  assert.is((await s.request("GET", "auth/approle/role/nope")).status, 404);
  const bad = await s.request("POST", "auth/approle/role/open", { body: { bind_secret_id: false } });
  assert.is(bad.status, 400);
  assert.equal(bad.body.errors, ["at least one constraint should be enabled on the role"]);
});

t("role-id: read and custom update, unique in the mount", async ({ s }) => {
  const r = await s.request("GET", "auth/approle/role/my-role/role-id");
  assert.match(r.body.data.role_id, /^[0-9a-f-]{36}$/);
  assert.is((await s.request("POST", "auth/approle/role/my-role/role-id", { body: { role_id: "my-role-id" } })).status, 204);
  assert.is((await s.request("GET", "auth/approle/role/my-role/role-id")).body.data.role_id, "my-role-id");
  assert.is((await s.request("POST", "auth/approle/role/second", { body: { role_id: "my-role-id" } })).status, 400);
});

t("role-id: 10 roles created at once with one custom role_id -> exactly one gets it", async ({ s }) => {
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) => s.request("POST", `auth/approle/role/racer-${i}`, { body: { role_id: "contested-id" } })),
  );
  assert.is(results.filter((r) => r.status === 204).length, 1, results.map((r) => r.status).join(","));
  assert.ok(results.filter((r) => r.status !== 204).every((r) => r.status === 400 && /role_id already in use/.test(r.text)));
  const owners = [];
  for (let i = 0; i < 10; i++) {
    const r = await s.request("GET", `auth/approle/role/racer-${i}/role-id`);
    if (r.status === 200 && r.body.data.role_id === "contested-id") owners.push(i);
  }
  assert.is(owners.length, 1);
});

t("secret-id: generate, list accessors, lookup, destroy; accessor lookup/destroy", async ({ s }) => {
  const g = await s.request("POST", "auth/approle/role/my-role/secret-id", { body: { metadata: '{"host":"ci-1"}' } });
  assert.is(g.status, 200, g.text);
  assert.equal(Object.keys(g.body.data).sort(), ["secret_id", "secret_id_accessor", "secret_id_num_uses", "secret_id_ttl"]);
  const { secret_id, secret_id_accessor } = g.body.data;
  const list = await s.request("GET", "auth/approle/role/my-role/secret-id?list=true");
  assert.equal(list.body.data.keys, [secret_id_accessor]);
  const l = await s.request("POST", "auth/approle/role/my-role/secret-id/lookup", { body: { secret_id } });
  assert.is(l.status, 200);
  assert.equal([l.body.data.metadata, l.body.data.secret_id_ttl], [{ host: "ci-1" }, 600]);
  assert.not.ok(l.text.includes(secret_id));
  assert.is((await s.request("POST", "auth/approle/role/my-role/secret-id/lookup", { body: { secret_id: "unknown" } })).status, 204);
  const al = await s.request("POST", "auth/approle/role/my-role/secret-id-accessor/lookup", { body: { secret_id_accessor } });
  assert.is(al.body.data.secret_id_accessor, secret_id_accessor);
  assert.is((await s.request("POST", "auth/approle/role/my-role/secret-id/destroy", { body: { secret_id } })).status, 204);
  assert.is((await s.request("GET", "auth/approle/role/my-role/secret-id?list=true")).status, 404);
  const g2 = await s.request("POST", "auth/approle/role/my-role/secret-id", { body: {} });
  const acc2 = g2.body.data.secret_id_accessor;
  assert.is((await s.request("POST", "auth/approle/role/my-role/secret-id-accessor/destroy", { body: { secret_id_accessor: acc2 } })).status, 204);
  assert.is((await s.request("POST", "auth/approle/role/my-role/secret-id-accessor/lookup", { body: { secret_id_accessor: acc2 } })).status, 404);
  const g3 = await s.request("POST", "auth/approle/role/my-role/secret-id", { body: {} });
  const del = await s.request("DELETE", `auth/approle/role/my-role/secret-id-accessor/destroy?secret_id_accessor=${g3.body.data.secret_id_accessor}`);
  assert.is(del.status, 204);
});

t("accessor of one role cannot be used through another role's path (CVE-2023-24999)", async ({ s }) => {
  await s.request("POST", "auth/approle/role/victim", { body: {} });
  await s.request("POST", "auth/approle/role/attacker", { body: {} });
  const v = (await s.request("POST", "auth/approle/role/victim/secret-id", { body: {} })).body.data;
  for (const op of ["lookup", "destroy"]) {
    const r = await s.request("POST", `auth/approle/role/attacker/secret-id-accessor/${op}`, { body: { secret_id_accessor: v.secret_id_accessor } });
    assert.is(r.status, 404, `${op}: ${r.text}`);
  }
  assert.is((await s.request("POST", "auth/approle/role/attacker/secret-id/lookup", { body: { secret_id: v.secret_id } })).status, 204);
  assert.is((await s.request("POST", "auth/approle/role/victim/secret-id/lookup", { body: { secret_id: v.secret_id } })).status, 200, "victim's secret intact");
});

t("custom-secret-id registers an operator value once", async ({ s }) => {
  const r = await s.request("POST", "auth/approle/role/my-role/custom-secret-id", { body: { secret_id: "custom-secret-value-for-e2e-0001" } });
  assert.is(r.status, 200, r.text);
  assert.is(r.body.data.secret_id, "custom-secret-value-for-e2e-0001");
  assert.is((await s.request("POST", "auth/approle/role/my-role/custom-secret-id", { body: { secret_id: "custom-secret-value-for-e2e-0001" } })).status, 400);
});

t("per-field sub-paths: read, update, delete", async ({ s }) => {
  const base = "auth/approle/role/my-role";
  const cases: [string, Record<string, unknown>, string, unknown][] = [
    ["policies", { token_policies: "p1,p2" }, "token_policies", ["p1", "p2"]],
    ["secret-id-num-uses", { secret_id_num_uses: 4 }, "secret_id_num_uses", 4],
    ["secret-id-ttl", { secret_id_ttl: "20m" }, "secret_id_ttl", 1200],
    ["token-ttl", { token_ttl: "5m" }, "token_ttl", 300],
    ["token-max-ttl", { token_max_ttl: "1h" }, "token_max_ttl", 3600],
    ["bind-secret-id", { bind_secret_id: true }, "bind_secret_id", true],
    ["secret-id-bound-cidrs", { secret_id_bound_cidrs: "127.0.0.0/8" }, "secret_id_bound_cidrs", ["127.0.0.0/8"]],
    ["token-bound-cidrs", { token_bound_cidrs: "127.0.0.1" }, "token_bound_cidrs", ["127.0.0.1/32"]],
    ["period", { token_period: "2m" }, "token_period", 120],
    ["token-num-uses", { token_num_uses: 9 }, "token_num_uses", 9],
  ];
  for (const [sub, body, key, value] of cases) {
    assert.is((await s.request("POST", `${base}/${sub}`, { body })).status, 204, sub);
    const r = await s.request("GET", `${base}/${sub}`);
    assert.equal(r.body.data[key], value, sub);
    assert.equal((await s.request("GET", base)).body.data[key], value, `${sub} on the role`);
    assert.is((await s.request("DELETE", `${base}/${sub}`)).status, 204, `${sub} delete`);
  }
  assert.is((await s.request("GET", `${base}/local-secret-ids`)).body.data.local_secret_ids, false);
  assert.is((await s.request("GET", "auth/approle/role/nope/token-ttl")).status, 404);
});

t("tidy/secret-id answers with what it removed", async ({ s }) => {
  const r = await s.request("POST", "auth/approle/tidy/secret-id", { body: {} });
  assert.is(r.status, 200, r.text);
  assert.equal(Object.keys(r.body.data).sort(), ["accessors", "secret_ids"]);
});

t("role delete removes the role and its secret ids", async ({ s }) => {
  const g = (await s.request("POST", "auth/approle/role/victim/secret-id", { body: {} })).body.data;
  assert.is((await s.request("DELETE", "auth/approle/role/victim")).status, 204);
  assert.is((await s.request("GET", "auth/approle/role/victim")).status, 404);
  await s.request("POST", "auth/approle/role/victim", { body: {} });
  assert.is((await s.request("POST", "auth/approle/role/victim/secret-id/lookup", { body: { secret_id: g.secret_id } })).status, 204);
});

t("management paths need a token; login does not", async ({ s }) => {
  assert.is((await s.request("GET", "auth/approle/role/my-role", { token: null })).status, 403);
  assert.is((await s.request("POST", "auth/approle/role/my-role/secret-id", { token: null, body: {} })).status, 403);
  const r = await s.request("POST", "auth/approle/login", { token: null, body: { role_id: "nope", secret_id: "nope" } });
  assert.is(r.status, 400);
  assert.equal(r.body.errors, ["invalid role or secret ID"]);
});

t.run();

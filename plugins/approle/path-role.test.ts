import { test } from "warden/sdk/testing/suite";
import * as assert from "uvu/assert";
import { approlePlugin } from "./backend.js";
import { builtinPlugins } from "../index.js";
import { assertRejects, harness } from "./test-support.js";

test("registered, one unauthenticated path (login) with lockout on role_id, renewable", async () => {
  assert.ok(builtinPlugins.includes(approlePlugin));
  const mount = await harness().instance();
  const unauth = mount.paths.filter((p) => p.unauthenticated);
  assert.equal(unauth.map((p) => p.pattern), ["login"]);
  assert.equal(unauth[0]!.lockout, { aliasField: "role_id" });
  assert.ok(mount.renew);
});

test("role create/read/list/delete with Vault's defaults; names lower-cased", async () => {
  const h = harness();
  await h.call("write", "role/CI-Runner", { token_policies: "b,a", token_ttl: "1h" });
  const d = await h.data("read", "role/ci-runner");
  assert.equal(d, {
    bind_secret_id: true,
    local_secret_ids: false,
    secret_id_bound_cidrs: [],
    secret_id_num_uses: 0,
    secret_id_ttl: 0,
    token_bound_cidrs: [],
    token_explicit_max_ttl: 0,
    token_max_ttl: 0,
    token_no_default_policy: false,
    token_num_uses: 0,
    token_period: 0,
    token_policies: ["a", "b"],
    token_ttl: 3600,
    token_type: "default-service",
  });
  await h.call("write", "role/other", {});
  assert.equal(await h.data("list", "role"), { keys: ["ci-runner", "other"] });
  await h.call("delete", "role/CI-RUNNER");
  assert.is(await h.call("read", "role/ci-runner"), undefined);
  assert.equal(await h.data("list", "role"), { keys: ["other"] });
});

test("update keeps unspecified fields; role fields validated", async () => {
  const h = harness();
  await h.call("write", "role/r", { secret_id_num_uses: 3, secret_id_ttl: "10m", secret_id_bound_cidrs: "10.1.2.3, 10.0.0.0/8" });
  await h.call("write", "role/r", { token_num_uses: 2 });
  const d = await h.data("read", "role/r");
  assert.equal([d.secret_id_num_uses, d.secret_id_ttl, d.secret_id_bound_cidrs, d.token_num_uses], [3, 600, ["10.1.2.3/32", "10.0.0.0/8"], 2]);
  await assertRejects(h.call("write", "role/r", { secret_id_num_uses: -1 }), 400, "secret_id_num_uses cannot be negative");
  await assertRejects(h.call("write", "role/r", { secret_id_bound_cidrs: "not-a-cidr" }), 400);
  await assertRejects(h.call("write", "role/r", { token_ttl: 100, token_max_ttl: 50 }), 400);
  await assertRejects(h.call("write", "role/r", { local_secret_ids: true }), 400, "local_secret_ids can only be modified during role creation");
  await assertRejects(h.call("write", "role/bad%name", {}), 404);
  await assertRejects(h.call("update", "role/ghost", { token_ttl: 1 }), 400, 'role "ghost" does not exist');
});

test("at least one constraint: bind_secret_id=false needs a CIDR binding", async () => {
  const h = harness();
  await assertRejects(h.call("write", "role/open", { bind_secret_id: false }), 400, "at least one constraint should be enabled on the role");
  assert.is(await h.call("read", "role/open"), undefined);
  await h.call("write", "role/open", { bind_secret_id: false, token_bound_cidrs: "127.0.0.1" });
  await h.call("write", "role/open2", { bind_secret_id: "false", secret_id_bound_cidrs: "127.0.0.0/8" });
  await assertRejects(h.call("delete", "role/open/token-bound-cidrs"), 400, "at least one constraint should be enabled on the role");
  await assertRejects(h.call("write", "role/open2", { secret_id_bound_cidrs: "" }), 400);
});

test("legacy bound_cidr_list, policies and period are accepted and echoed", async () => {
  const h = harness();
  await h.call("write", "role/old", { bound_cidr_list: "192.168.0.0/16", policies: "p1", period: "30s" });
  const d = await h.data("read", "role/old");
  assert.equal([d.secret_id_bound_cidrs, d.bound_cidr_list, d.policies, d.token_policies, d.period, d.token_period], [["192.168.0.0/16"], ["192.168.0.0/16"], ["p1"], ["p1"], 30, 30]);
  await h.call("write", "role/old", { secret_id_bound_cidrs: "10.0.0.0/8" });
  assert.is((await h.data("read", "role/old")).bound_cidr_list, undefined);
});

test("role-id: random UUID by default, custom settable, unique in the mount", async () => {
  const h = harness();
  await h.call("write", "role/a", {});
  const id = (await h.data("read", "role/a/role-id")).role_id as string;
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  await h.call("write", "role/a/role-id", { role_id: "ci-runner-id" });
  assert.equal(await h.data("read", "role/a/role-id"), { role_id: "ci-runner-id" });
  await assertRejects(h.call("write", "role/b", { role_id: "ci-runner-id" }), 400, "role_id already in use");
  assert.is(await h.call("read", "role/b"), undefined, "nothing stored by the refused create");
  await h.call("write", "role/b", { role_id: id }, );
  assert.equal(await h.data("read", "role/b/role-id"), { role_id: id }, "the old id was released");
  await assertRejects(h.call("write", "role/a/role-id", {}), 400, "missing role_id");
  await assertRejects(h.call("write", "role/ghost/role-id", { role_id: "x" }), 400);
  assert.is(await h.call("read", "role/ghost/role-id"), undefined);
});

test("per-field sub-paths read, update and reset one setting", async () => {
  const h = harness();
  await h.call("write", "role/r", { token_policies: "a" });
  const cases: [string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>][] = [
    ["policies", { token_policies: "x,y" }, { token_policies: ["x", "y"], policies: ["x", "y"] }, { token_policies: [], policies: [] }],
    ["secret-id-num-uses", { secret_id_num_uses: 4 }, { secret_id_num_uses: 4 }, { secret_id_num_uses: 0 }],
    ["secret-id-ttl", { secret_id_ttl: "1m" }, { secret_id_ttl: 60 }, { secret_id_ttl: 0 }],
    ["token-ttl", { token_ttl: 30 }, { token_ttl: 30 }, { token_ttl: 0 }],
    ["token-max-ttl", { token_max_ttl: "2h" }, { token_max_ttl: 7200 }, { token_max_ttl: 0 }],
    ["token-num-uses", { token_num_uses: 7 }, { token_num_uses: 7 }, { token_num_uses: 0 }],
    ["period", { token_period: 90 }, { token_period: 90, period: 90 }, { token_period: 0, period: 0 }],
    ["secret-id-bound-cidrs", { secret_id_bound_cidrs: "10.0.0.0/8" }, { secret_id_bound_cidrs: ["10.0.0.0/8"] }, { secret_id_bound_cidrs: [] }],
    ["token-bound-cidrs", { token_bound_cidrs: "10.0.0.1" }, { token_bound_cidrs: ["10.0.0.1/32"] }, { token_bound_cidrs: [] }],
    ["bind-secret-id", { bind_secret_id: true }, { bind_secret_id: true }, { bind_secret_id: true }],
  ];
  for (const [suffix, write, afterWrite, afterDelete] of cases) {
    await h.call("write", `role/r/${suffix}`, write);
    assert.equal(await h.data("read", `role/r/${suffix}`), afterWrite, suffix);
    await h.call("delete", `role/r/${suffix}`);
    assert.equal(await h.data("read", `role/r/${suffix}`), afterDelete, `${suffix} after delete`);
  }
  assert.equal(await h.data("read", "role/r/local-secret-ids"), { local_secret_ids: false });
  await assertRejects(h.call("write", "role/r/token-ttl", {}), 400, "missing token_ttl");
  await assertRejects(h.call("write", "role/ghost/token-ttl", { token_ttl: 1 }), 400);
  assert.is(await h.call("read", "role/ghost/token-ttl"), undefined);
});

test("deleting a role deletes its secret ids, and a re-created role shares nothing", async () => {
  const h = harness();
  await h.call("write", "role/r", {});
  const s = await h.data("write", "role/r/secret-id");
  await h.call("delete", "role/r");
  assert.is(h.storage.counted.size, 0);
  assert.equal([...h.storage.data.keys()].filter((k) => !k.startsWith("role")), []);
  await h.call("write", "role/r", {});
  assert.is(await h.call("write", "role/r/secret-id/lookup", { secret_id: s.secret_id }), undefined);
});

test.run();

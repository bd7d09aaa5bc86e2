import { test } from "warden/sdk/testing";
import * as assert from "uvu/assert";
import type { HandlerResult } from "warden/sdk";
import { alicloudPlugin } from "./backend.js";
import { builtinPlugins } from "../index.js";
import { configPath } from "./path-config.js";
import { roleListPath, rolePath, rolesListPath } from "./path-role.js";
import { harness } from "./test-support.js";
import { assertRejects, handlerHarness } from "warden/sdk/testing";

const ARN = "acs:ram::1234567890123456:role/DevRole";
test("registry and plugin shape", async () => {
  assert.is(builtinPlugins[0], alicloudPlugin);
  assert.is(alicloudPlugin.type, "alicloud");
  const mount = await handlerHarness({ type: "alicloud", plugin: alicloudPlugin }).instance();
  const login = mount.paths.find((p) => p.pattern === "login")!;
  assert.ok(login.unauthenticated);
  assert.equal(mount.paths.filter((p) => p.unauthenticated).length, 1);
  assert.ok(mount.renew);
});

test("role create/read/list/delete, names lower-cased, existence check", async () => {
  const h = harness();
  assert.is(await h.exists(rolePath, { role: "Dev" }), false);
  await h.call(rolePath, "create", { role: "Dev", arn: ARN, token_policies: "B, a", token_ttl: "1h", token_max_ttl: 7200, token_bound_cidrs: "10.0.0.0/8" });
  assert.is(await h.exists(rolePath, { role: "DEV" }), true);
  const read = (await h.call(rolePath, "read", { role: "dEv" })) as HandlerResult;
  assert.equal(read.data, {
    arn: ARN,
    token_bound_cidrs: ["10.0.0.0/8"],
    token_explicit_max_ttl: 0,
    token_max_ttl: 7200,
    token_no_default_policy: false,
    token_num_uses: 0,
    token_period: 0,
    token_policies: ["a", "b"],
    token_ttl: 3600,
    token_type: "default-service",
  });
  await h.call(rolePath, "create", { role: "ops", arn: "acs:ram::1234567890123456:role/ops" });
  assert.equal(((await h.call(roleListPath, "list", {})) as HandlerResult).data, { keys: ["dev", "ops"] });
  assert.equal(((await h.call(rolesListPath, "list", {})) as HandlerResult).data, { keys: ["dev", "ops"] });
  await h.call(rolePath, "delete", { role: "DEV" });
  assert.is(await h.call(rolePath, "read", { role: "dev" }), undefined);
  assert.equal(((await h.call(roleListPath, "list", {})) as HandlerResult).data, { keys: ["ops"] });
});

test("update keeps unspecified fields; update of a missing role is a 400", async () => {
  const h = harness();
  await h.call(rolePath, "create", { role: "dev", arn: ARN, token_policies: "a" });
  await h.call(rolePath, "update", { role: "dev", token_ttl: 60 });
  const data = ((await h.call(rolePath, "read", { role: "dev" })) as HandlerResult).data!;
  assert.equal([data.arn, data.token_policies, data.token_ttl], [ARN, ["a"], 60]);
  await assertRejects(h.call(rolePath, "update", { role: "ghost", arn: ARN }), 400, "no role found to update for ghost");
});

test("arn is required on create and must be a 16-digit-account role ARN", async () => {
  const h = harness();
  await assertRejects(h.call(rolePath, "create", { role: "dev" }), 400, "the arn is required to create a role");
  for (const arn of ["acs:ram::1234567890123456:user/bob", "acs:ram::1234567890123456:assumed-role/r/s", "acs:ram::123:role/r", "arn:aws:iam::123456789012:role/r", "acs:ram::1234567890123456:role/*", ""]) {
    await assertRejects(h.call(rolePath, "create", { role: "dev", arn }), 400);
  }
  assert.is(await h.exists(rolePath, { role: "dev" }), false);
  await assertRejects(h.call(rolePath, "create", { role: "bad/name", arn: ARN }), 400);
});

test("legacy policies/ttl/max_ttl/period/bound_cidrs are upgraded and echoed", async () => {
  const h = harness();
  await h.call(rolePath, "create", { role: "old", arn: ARN, policies: "p1,p2", ttl: "10m", max_ttl: "1h", period: 30, bound_cidrs: "192.168.0.0/16" });
  let d = ((await h.call(rolePath, "read", { role: "old" })) as HandlerResult).data!;
  assert.equal([d.token_policies, d.policies, d.token_ttl, d.ttl, d.token_max_ttl, d.max_ttl, d.token_period, d.period, d.token_bound_cidrs, d.bound_cidrs],
    [["p1", "p2"], ["p1", "p2"], 600, 600, 3600, 3600, 30, 30, ["192.168.0.0/16"], ["192.168.0.0/16"]]);
  await h.call(rolePath, "update", { role: "old", token_policies: "p3" });
  d = ((await h.call(rolePath, "read", { role: "old" })) as HandlerResult).data!;
  assert.equal(d.token_policies, ["p3"]);
  assert.is(d.policies, undefined);
  await assertRejects(h.call(rolePath, "update", { role: "old", token_ttl: 7200 }), 400);
  await assertRejects(h.call(rolePath, "update", { role: "old", token_type: "batch" }), 400);
});

test("config: sts_endpoint must be a bare http(s) origin", async () => {
  const h = harness();
  assert.equal(((await h.call(configPath, "read", {})) as HandlerResult).data, { sts_endpoint: "" });
  await h.call(configPath, "update", { sts_endpoint: "http://127.0.0.1:9001" });
  assert.equal(((await h.call(configPath, "read", {})) as HandlerResult).data, { sts_endpoint: "http://127.0.0.1:9001" });
  await h.call(configPath, "update", { sts_endpoint: "https://sts.internal.example/" });
  assert.equal(((await h.call(configPath, "read", {})) as HandlerResult).data, { sts_endpoint: "https://sts.internal.example" });
  for (const bad of ["ftp://x", "http://u:p@x", "http://x/path", "http://x/?a=1", "http://x/#f", "not a url"]) {
    await assertRejects(h.call(configPath, "update", { sts_endpoint: bad }), 400);
  }
  await h.call(configPath, "delete", {});
  assert.equal(((await h.call(configPath, "read", {})) as HandlerResult).data, { sts_endpoint: "" });
});

test.run();

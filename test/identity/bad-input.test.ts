// Bad input to the identity API and the lockout tuning: a 400 every time, and nothing written.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

const t = suite<{ s: TestServer; entityId: string; accessor: string }>("identity bad input");
t.before(async (ctx) => {
  ctx.s = await startTestServer();
  await ctx.s.enableAuth("approle", "approle");
  ctx.accessor = (await ctx.s.read("sys/auth")).body.data["approle/"].accessor;
  ctx.entityId = (await ctx.s.write("identity/entity", { name: "kept" })).body.data.id;
});
t.after(async ({ s }) => s.close());

const snapshot = async (s: TestServer) => ({
  entities: (await s.read("identity/entity/id?list=true")).body?.data.keys ?? [],
  aliases: (await s.read("identity/entity-alias/id?list=true")).body?.data?.keys ?? [],
  groups: (await s.read("identity/group/id?list=true")).body?.data?.keys ?? [],
});

t("entities, aliases and groups: each malformed write is a 400 and changes nothing", async ({ s, entityId, accessor }) => {
  const before = await snapshot(s);
  const tokenAccessor = (await s.read("sys/auth")).body.data["token/"].accessor;
  const bad: Array<[string, Record<string, unknown>]> = [
    ["identity/entity", { name: "has space" }],
    ["identity/entity", { name: "x", policies: ["root"] }],
    ["identity/entity", { name: "kept" }],
    ["identity/entity-alias", { name: "a", canonical_id: "no-such-entity", mount_accessor: accessor }],
    ["identity/entity-alias", { name: "a", canonical_id: entityId, mount_accessor: "auth_nope_00000000" }],
    ["identity/entity-alias", { name: "a", canonical_id: entityId, mount_accessor: tokenAccessor }],
    ["identity/entity-alias", { canonical_id: entityId, mount_accessor: accessor }],
    ["identity/group", { name: "g", member_entity_ids: ["no-such-entity"] }],
    ["identity/group", { name: "g", policies: "root" }],
    ["identity/group", { name: "g", type: "external" }],
  ];
  for (const [path, body] of bad) {
    const r = await s.write(path, body);
    assert.is(r.status, 400, `${path} ${JSON.stringify(body)}: ${r.text}`);
  }
  assert.equal(await snapshot(s), before);
});

t("user_lockout_config: bad values are a 400 and the mount keeps its config", async ({ s }) => {
  const before = (await s.read("sys/auth/approle/tune")).body.data;
  for (const cfg of [{ lockout_threshold: 0 }, { lockout_threshold: "many" }, { lockout_duration: "soon" }, { unknown_key: 1 }, "not a map"]) {
    const r = await s.write("sys/auth/approle/tune", { user_lockout_config: cfg });
    assert.is(r.status, 400, `${JSON.stringify(cfg)}: ${r.text}`);
  }
  assert.equal((await s.read("sys/auth/approle/tune")).body.data, before);
});

t.run();

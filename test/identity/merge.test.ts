import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

// identity/entity/merge and identity/lookup/entity over HTTP: aliases, group memberships and policies move to the target, the
// merged entities and their tokens go, a conflict on one mount is a 400 that changes nothing unless
// conflicting_alias_ids_to_keep settles it, and a later login lands on the merged entity.

interface Ctx {
  s: TestServer;
  accessor: string;
}
const t = suite<Ctx>("identity entity merge");

const approleLogin = async (s: TestServer, role: string): Promise<any> => {
  const roleId = (await s.request("GET", `auth/approle/role/${role}/role-id`)).body.data.role_id as string;
  const secret = (await s.request("PUT", `auth/approle/role/${role}/secret-id`)).body.data.secret_id as string;
  const r = await s.request("PUT", "auth/approle/login", { token: null, body: { role_id: roleId, secret_id: secret } });
  assert.is(r.status, 200, r.text);
  return { ...r.body.auth, roleId };
};

t.before(async (ctx) => {
  ctx.s = await startTestServer();
  const { s } = ctx;
  assert.is((await s.request("POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
  for (const role of ["runner", "other"]) assert.is((await s.request("PUT", `auth/approle/role/${role}`, { body: { token_ttl: "1h" } })).status, 204);
  ctx.accessor = (await s.request("GET", "sys/auth")).body.data["approle/"].accessor;
});
t.after((ctx) => ctx.s.close());

t("bad input is a 400 and changes nothing", async ({ s }) => {
  const target = (await s.request("POST", "identity/entity", { body: { name: "bad-input-target" } })).body.data.id as string;
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ from_entity_ids: target }, /missing to_entity_id/],
    [{ to_entity_id: target }, /missing from_entity_ids/],
    [{ to_entity_id: target, from_entity_ids: target }, /should not be present/],
    [{ to_entity_id: "nope", from_entity_ids: "x" }, /merge to is invalid/],
    [{ to_entity_id: target, from_entity_ids: "no-such-entity" }, /merge from is invalid/],
  ];
  for (const [body, message] of cases) {
    const r = await s.request("POST", "identity/entity/merge", { body });
    assert.is(r.status, 400, JSON.stringify(body));
    assert.match(r.body.errors[0], message);
  }
  assert.is((await s.request("GET", `identity/entity/id/${target}`)).status, 200);
});

t("the entity a first login made is merged into the operator's: aliases, groups, policies move", async ({ s }) => {
  const first = await approleLogin(s, "runner");
  const made = first.entity_id as string;
  assert.is((await s.request("POST", `identity/entity/id/${made}`, { body: { policies: "from-policy" } })).status, 200);
  const group = (await s.request("POST", "identity/group", { body: { name: "runners", member_entity_ids: made } })).body.data.id as string;
  const target = (await s.request("POST", "identity/entity", { body: { name: "ci-runner", policies: "to-policy" } })).body.data.id as string;

  // The late alias is refused: the principal already belongs to the entity its login made.
  const late = await s.request("POST", "identity/entity-alias", { body: { name: first.roleId, canonical_id: target, mount_accessor: (await s.request("GET", "sys/auth")).body.data["approle/"].accessor } });
  assert.is(late.status, 400);

  const merged = await s.request("POST", "identity/entity/merge", { body: { from_entity_ids: [made], to_entity_id: target, force: true } });
  assert.is(merged.status, 204, merged.text);
  assert.is((await s.request("GET", `identity/entity/id/${made}`)).status, 404);
  const after = (await s.request("GET", `identity/entity/id/${target}`)).body.data;
  assert.equal(after.policies, ["from-policy", "to-policy"]);
  assert.equal(after.aliases.map((a: any) => a.name), [first.roleId]);
  assert.equal((await s.request("GET", `identity/group/id/${group}`)).body.data.member_entity_ids, [target]);
  // The merged entity's tokens ended with it; the next login is the merged entity, with its policies.
  assert.is((await s.request("GET", "auth/token/lookup-self", { token: first.client_token })).status, 403);
  const again = await approleLogin(s, "runner");
  assert.is(again.entity_id, target);
  assert.ok(again.identity_policies.includes("from-policy"), JSON.stringify(again.identity_policies));
});

t("identity/lookup/entity finds the entity behind a principal; nothing found is a 204; one criterion only", async (ctx) => {
  const { s } = ctx;
  const who = await approleLogin(s, "runner");
  const found = await s.request("POST", "identity/lookup/entity", { body: { alias_name: who.roleId, alias_mount_accessor: ctx.accessor } });
  assert.is(found.status, 200, found.text);
  assert.is(found.body.data.id, who.entity_id);
  const byName = await s.request("POST", "identity/lookup/entity", { body: { name: found.body.data.name } });
  assert.is(byName.body.data.id, who.entity_id);
  assert.is((await s.request("POST", "identity/lookup/entity", { body: { alias_name: "nobody", alias_mount_accessor: ctx.accessor } })).status, 204);
  for (const body of [{}, { id: who.entity_id, name: "x" }, { alias_name: who.roleId }]) {
    assert.is((await s.request("POST", "identity/lookup/entity", { body })).status, 400, JSON.stringify(body));
  }
});

t("two aliases on one mount: 400 naming them, nothing changed; conflicting_alias_ids_to_keep settles it", async (ctx) => {
  const { s } = ctx;
  const a = await approleLogin(s, "other");
  const b = (await s.request("POST", "identity/entity", { body: { name: "conflict-target" } })).body.data.id as string;
  const bAlias = (await s.request("POST", "identity/entity-alias", { body: { name: "someone-else", canonical_id: b, mount_accessor: ctx.accessor } })).body.data.id as string;
  const aAlias = (await s.request("GET", `identity/entity/id/${a.entity_id}`)).body.data.aliases[0].id as string;

  const refused = await s.request("POST", "identity/entity/merge", { body: { from_entity_ids: a.entity_id, to_entity_id: b } });
  assert.is(refused.status, 400);
  assert.ok(refused.body.errors[0].includes(aAlias) && refused.body.errors[0].includes(bAlias), refused.text);
  assert.is((await s.request("GET", `identity/entity/id/${a.entity_id}`)).status, 200);
  assert.is((await s.request("GET", `identity/entity-alias/id/${bAlias}`)).body.data.canonical_id, b);

  const kept = await s.request("POST", "identity/entity/merge", { body: { from_entity_ids: a.entity_id, to_entity_id: b, conflicting_alias_ids_to_keep: aAlias } });
  assert.is(kept.status, 204, kept.text);
  assert.is((await s.request("GET", `identity/entity-alias/id/${aAlias}`)).body.data.canonical_id, b);
  assert.is((await s.request("GET", `identity/entity-alias/id/${bAlias}`)).status, 404);
  assert.is((await approleLogin(s, "other")).entity_id, b);
});

t.run();

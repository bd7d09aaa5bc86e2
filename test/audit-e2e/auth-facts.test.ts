// Typed from the mint to the edge (issue 12 §2), over real HTTP with a file audit device: the audit
// entries' auth blocks are derived from the token record itself, so they say exactly what
// auth/token/lookup says about that token (display name, policies, identity policies, metadata,
// entity, accessor, TTL, issue time, uses), for the login that minted it and for a request made with it.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { auditEntryFor, auditHash, enableFileAudit } from "../helpers/audit-log.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

interface Ctx {
  s: TestServer;
  file: string;
  token: string;
  roleId: string;
}

const t = suite<Ctx>("audit auth facts equal the token's lookup");
t.before(async (ctx) => {
  ctx.s = await startTestServer();
  const { s } = ctx;
  ctx.file = await enableFileAudit(s);
  await s.enableAuth("approle", "approle");
  const role = await s.write("auth/approle/role/web", { token_policies: "web-pol", token_ttl: "1h", token_num_uses: 7 });
  assert.is(role.status, 204, role.text);
  ctx.roleId = (await s.read("auth/approle/role/web/role-id")).body.data.role_id;
  // An entity with policies of its own, bound to the role's principal before the first login.
  const accessor = (await s.read("sys/auth")).body.data["approle/"].accessor;
  const entity = await s.write("identity/entity", { name: "web-entity", policies: ["id-pol"] });
  assert.is(entity.status, 200, entity.text);
  const alias = await s.write("identity/entity-alias", { name: ctx.roleId, canonical_id: entity.body.data.id, mount_accessor: accessor });
  assert.is(alias.status, 200, alias.text);
});
t.after(async ({ s }) => s.close());

/** What the audit auth block must say, from a lookup's data. */
async function expectedFrom(s: TestServer, lookup: Record<string, any>, clientToken: string) {
  const identity: string[] = lookup.identity_policies ?? [];
  return {
    client_token: await auditHash(s, "file", clientToken),
    accessor: await auditHash(s, "file", lookup.accessor),
    display_name: lookup.display_name,
    policies: [...new Set([...lookup.policies, ...identity])].sort(),
    token_policies: lookup.policies,
    ...(identity.length > 0 ? { identity_policies: identity } : {}),
    metadata: lookup.meta,
    entity_id: lookup.entity_id,
    remaining_uses: lookup.num_uses,
    token_type: "service",
    token_ttl: lookup.creation_ttl,
    token_issue_time: lookup.issue_time,
  };
}

t("the login's response entry: its auth is the minted token as lookup shows it", async (ctx) => {
  const { s } = ctx;
  const secret = (await s.write("auth/approle/role/web/secret-id")).body.data.secret_id;
  const login = await s.request("PUT", "auth/approle/login", { token: null, body: { role_id: ctx.roleId, secret_id: secret } });
  assert.is(login.status, 200, login.text);
  ctx.token = login.body.auth.client_token;
  const lookup = await s.write("auth/token/lookup", { token: ctx.token });
  assert.is(lookup.status, 200, lookup.text);
  const d = lookup.body.data;
  assert.ok(d.display_name.length > 0 && d.entity_id.length > 0, "the facts compared are not empty");
  assert.equal(d.identity_policies, ["id-pol"]);
  assert.is(d.num_uses, 7);

  const entry = await auditEntryFor(ctx.file, "response", "auth/approle/login");
  assert.equal(entry.response.auth, await expectedFrom(s, d, ctx.token));
  assert.is(entry.auth, undefined, "a login request carries no caller");
});

t("a request made with the token: the request entry's auth is the caller as lookup-self shows it", async (ctx) => {
  const { s } = ctx;
  // lookup-self is allowed by the default policy; this use is the token's second of seven.
  const self = await s.read("auth/token/lookup-self", ctx.token);
  assert.is(self.status, 200, self.text);
  assert.is(self.body.data.num_uses, 6);
  const entry = await auditEntryFor(ctx.file, "request", "auth/token/lookup-self");
  assert.equal(entry.auth, await expectedFrom(s, self.body.data, ctx.token));
  const response = await auditEntryFor(ctx.file, "response", "auth/token/lookup-self");
  assert.equal(response.auth, entry.auth, "the response entry repeats the caller");
});

t.run();

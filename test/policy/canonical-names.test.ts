// The ACL decides on the name the handler acts on (issue 11 §3), over real HTTP with a non-root
// token: names the handlers treat case-insensitively (policy names, role names) are folded by the
// router before the ACL runs, so an upper-case spelling cannot slip past a deny written for the
// lower-case name, and the audit log records the canonical path.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { auditEntries, enableFileAudit } from "../helpers/audit-log.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

interface Ctx {
  s: TestServer;
  ops: string;
  file: string;
}

const OPS_POLICY = `
path "sys/policies/acl/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "sys/policies/acl/default" { capabilities = ["deny"] }
path "auth/approle/role/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "auth/approle/role/admin" { capabilities = ["deny"] }
path "auth/approle/role/admin/*" { capabilities = ["deny"] }
`;

const t = suite<Ctx>("ACL and handler agree on one canonical name");
t.before(async (ctx) => {
  ctx.s = await startTestServer();
  const { s } = ctx;
  ctx.file = await enableFileAudit(s);
  await s.enableAuth("approle", "approle");
  assert.is((await s.write("sys/policies/acl/ops", { policy: OPS_POLICY })).status, 204);
  assert.is((await s.write("auth/approle/role/admin", { token_policies: "root-ish" })).status, 204);
  const created = await s.write("auth/token/create", { policies: ["ops"] });
  assert.is(created.status, 200, created.text);
  ctx.ops = created.body.auth.client_token;
});
t.after(async ({ s }) => s.close());

t("PUT sys/policies/acl/DEFAULT cannot pass a deny on sys/policies/acl/default", async ({ s, ops }) => {
  const before = (await s.read("sys/policies/acl/default")).body.data.policy;
  const evil = 'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }';
  for (const spelling of ["DEFAULT", "Default", "default"]) {
    const r = await s.write(`sys/policies/acl/${spelling}`, { policy: evil }, ops);
    assert.is(r.status, 403, `${spelling}: ${r.text}`);
    assert.is((await s.request("DELETE", `sys/policies/acl/${spelling}`, { token: ops })).status, 403);
  }
  assert.is((await s.read("sys/policies/acl/default")).body.data.policy, before, "the default policy is unchanged");
});

t("auth/approle/role/ADMIN/secret-id cannot pass a deny on auth/approle/role/admin/*", async ({ s, ops }) => {
  const roleId = (await s.read("auth/approle/role/admin/role-id")).body.data.role_id;
  for (const spelling of ["ADMIN", "Admin"]) {
    assert.is((await s.write(`auth/approle/role/${spelling}/secret-id`, {}, ops)).status, 403, `${spelling}/secret-id`);
    assert.is((await s.write(`auth/approle/role/${spelling}/custom-secret-id`, { secret_id: "chosen-by-the-attacker-0123" }, ops)).status, 403);
    assert.is((await s.write(`auth/approle/role/${spelling}/role-id`, { role_id: "attacker-role-id" }, ops)).status, 403);
    assert.is((await s.write(`auth/approle/role/${spelling}`, { token_policies: "ops" }, ops)).status, 403);
    assert.is((await s.request("DELETE", `auth/approle/role/${spelling}`, { token: ops })).status, 403);
  }
  assert.is((await s.list("auth/approle/role/admin/secret-id")).status, 404, "no secret id was issued for admin");
  assert.is((await s.read("auth/approle/role/admin/role-id")).body.data.role_id, roleId, "its role_id is unchanged");
  assert.equal((await s.read("auth/approle/role/admin")).body.data.token_policies, ["root-ish"], "its policies are unchanged");
});

t("allowed names are folded the same way: the handler acts on the canonical name", async ({ s, ops }) => {
  assert.is((await s.write("sys/policies/acl/MyPolicy", { policy: 'path "x" { capabilities = ["read"] }' }, ops)).status, 204);
  assert.is((await s.read("sys/policies/acl/mypolicy", ops)).status, 200);
  assert.ok((await s.list("sys/policies/acl", ops)).body.data.keys.includes("mypolicy"));
  assert.is((await s.write("auth/approle/role/WebApp", { token_policies: "web" }, ops)).status, 204);
  assert.is((await s.read("auth/approle/role/webapp", ops)).status, 200);
  assert.is((await s.read("auth/approle/role/WEBAPP", ops)).status, 200, "role names are case-insensitive, as in Vault");
  assert.equal((await s.list("auth/approle/role", ops)).body.data.keys, ["admin", "webapp"]);
});

t("the audit log records the canonical path of every request, denied or not", async ({ file }) => {
  const paths = auditEntries(file).map((e) => e.request?.path as string);
  for (const p of ["sys/policies/acl/default", "auth/approle/role/admin/secret-id", "auth/approle/role/admin/role-id", "auth/approle/role/webapp"]) {
    assert.ok(paths.includes(p), `${p} is in the log`);
  }
  assert.equal(paths.filter((p) => /ADMIN|Admin|DEFAULT|Default|WebApp|MyPolicy/.test(p)), [], "no request is logged under a spelling the ACL did not check");
});

t.run();

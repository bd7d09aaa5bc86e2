/**
 * Response wrapping over real HTTP, the API around the trusted-orchestrator flow: the header's
 * bounds and errors, sys/wrapping/wrap, what the `default` policy allows, wrapped logins and lists,
 * what is never wrapped, the fixed response-wrapping policy, and a refused operand using no token.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

const INVALID = "wrapping token is not valid or does not exist";
const wrapped = (ttl: string) => ({ "X-Vault-Wrap-TTL": ttl });

const t = suite<{ s: TestServer }>("response wrapping: API");
t.before(async (ctx) => {
  ctx.s = await startTestServer();
  assert.is((await ctx.s.request("POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
  assert.is((await ctx.s.request("POST", "auth/approle/role/app", { body: { role_id: "app-role-id", token_ttl: "10m" } })).status, 204);
});
t.after(async ({ s }) => s.close());

async function token(s: TestServer, body: Record<string, unknown>): Promise<string> {
  const r = await s.request("POST", "auth/token/create", { body });
  assert.is(r.status, 200, r.text);
  return r.body.auth.client_token;
}

t("X-Vault-Wrap-TTL: seconds or a duration; negative, garbage, sub-second and above the max lease TTL are 400", async ({ s }) => {
  for (const [value, ttl] of [["90", 90], ["2m", 120], ["1m30s", 90]] as const) {
    const r = await s.request("GET", "auth/approle/role/app/role-id", { headers: wrapped(value) });
    assert.equal([r.status, r.body.wrap_info?.ttl], [200, ttl], `${value}: ${r.text}`);
  }
  const refusals: Array<[string, string]> = [
    ["-5s", "error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative"],
    ["soon", 'error parsing X-Vault-Wrap-TTL header: wrap ttl: invalid duration "soon"'],
    ["500ms", "error parsing X-Vault-Wrap-TTL header: requested wrap ttl must be at least one second"],
    ["10000h", "error parsing X-Vault-Wrap-TTL header: requested wrap ttl exceeds the max lease TTL of 2764800s"],
  ];
  for (const [value, error] of refusals) {
    const r = await s.request("GET", "auth/approle/role/app/role-id", { headers: wrapped(value) });
    assert.equal([r.status, r.body.errors], [400, [error]], value);
  }
  const plain = await s.request("GET", "auth/approle/role/app/role-id", { headers: wrapped("0") });
  assert.equal([plain.status, plain.body.wrap_info, plain.body.data.role_id], [200, null, "app-role-id"], "zero means no wrapping");
});

t("sys/wrapping/wrap needs the header, and gives back exactly what was written", async ({ s }) => {
  const missing = await s.request("POST", "sys/wrapping/wrap", { body: { a: "b" } });
  assert.equal([missing.status, missing.body.errors], [400, ["endpoint requires response wrapping to be used"]]);
  const payload = { api_key: "k-123", nested: { n: 1, list: ["x", "y"] }, flag: true };
  const r = await s.request("POST", "sys/wrapping/wrap", { body: payload, headers: wrapped("5m") });
  assert.is(r.status, 200, r.text);
  assert.equal([r.body.wrap_info.creation_path, r.body.wrap_info.ttl, r.body.wrap_info.wrapped_accessor], ["sys/wrapping/wrap", 300, undefined]);
  const opened = await s.request("POST", "sys/wrapping/unwrap", { token: r.body.wrap_info.token });
  assert.is(opened.status, 200, opened.text);
  assert.equal(opened.body.data, payload);
  assert.is(opened.body.warnings, null, "arbitrary keys are data, not 'unrecognized parameters'");
});

t("the default policy: wrap, look up and unwrap a token in the body; not rewrap", async ({ s }) => {
  const plain = await token(s, { policies: ["default"], ttl: "10m" });
  const w = await s.request("POST", "sys/wrapping/wrap", { token: plain, body: { v: "1" }, headers: wrapped("60s") });
  assert.is(w.status, 200, w.text);
  const wt = w.body.wrap_info.token as string;
  assert.is((await s.request("POST", "sys/wrapping/lookup", { token: plain, body: { token: wt } })).status, 200);
  assert.is((await s.request("POST", "sys/wrapping/rewrap", { token: plain, body: { token: wt } })).status, 403);
  const opened = await s.request("POST", "sys/wrapping/unwrap", { token: plain, body: { token: wt } });
  assert.equal([opened.status, opened.body.data], [200, { v: "1" }], opened.text);
});

t("a wrapped login: the token's accessor is wrapped_accessor, the unwrapped token works", async ({ s }) => {
  const secret = (await s.request("POST", "auth/approle/role/app/secret-id", { body: {} })).body.data.secret_id;
  const r = await s.request("POST", "auth/approle/login", { token: null, body: { role_id: "app-role-id", secret_id: secret }, headers: wrapped("60") });
  assert.is(r.status, 200, r.text);
  assert.equal([r.body.auth, r.body.wrap_info.creation_path], [null, "auth/approle/login"]);
  const opened = await s.request("POST", "sys/wrapping/unwrap", { token: r.body.wrap_info.token });
  assert.is(opened.status, 200, opened.text);
  assert.is(opened.body.auth.accessor, r.body.wrap_info.wrapped_accessor);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token: opened.body.auth.client_token })).status, 200);
});

t("lists wrap; errors, 404s and 204s are never wrapped", async ({ s }) => {
  const list = await s.request("GET", "auth/approle/role?list=true", { headers: wrapped("60") });
  assert.is(list.status, 200, list.text);
  const opened = await s.request("POST", "sys/wrapping/unwrap", { token: list.body.wrap_info.token });
  assert.equal(opened.body.data, { keys: ["app"] });
  assert.is((await s.request("GET", "auth/approle/role/none", { headers: wrapped("60") })).status, 404);
  assert.is((await s.request("PUT", "sys/policies/acl/w", { body: { policy: 'path "x" { capabilities = ["read"] }' }, headers: wrapped("60") })).status, 204);
  const denied = await s.request("GET", "sys/auth", { token: await token(s, { policies: ["default"] }), headers: wrapped("60") });
  assert.equal([denied.status, denied.body.wrap_info], [403, undefined]);
});

t("the response-wrapping policy is fixed: readable, never written, deleted, listed or assigned", async ({ s }) => {
  const read = await s.request("GET", "sys/policies/acl/response-wrapping");
  assert.is(read.status, 200, read.text);
  assert.match(read.body.data.policy, /path "sys\/wrapping\/unwrap"/);
  const write = await s.request("PUT", "sys/policies/acl/Response-Wrapping", { body: { policy: 'path "*" { capabilities = ["sudo", "read"] }' } });
  assert.equal([write.status, write.body.errors], [400, ['cannot update "response-wrapping" policy']]);
  const del = await s.request("DELETE", "sys/policies/acl/response-wrapping");
  assert.equal([del.status, del.body.errors], [400, ['cannot delete "response-wrapping" policy']]);
  assert.not.ok((await s.request("GET", "sys/policies/acl?list=true")).body.data.keys.includes("response-wrapping"));
  const create = await s.request("POST", "auth/token/create", { body: { policies: ["response-wrapping"], no_default_policy: true } });
  assert.equal([create.status, create.body.errors], [400, ['cannot assign policy "response-wrapping"']]);
  assert.is((await s.request("POST", "auth/approle/role/sneaky", { body: { role_id: "sneaky-id", token_policies: "response-wrapping" } })).status, 204);
  const secret_id = (await s.request("POST", "auth/approle/role/sneaky/secret-id", { body: {} })).body.data.secret_id;
  const login = await s.request("POST", "auth/approle/login", { token: null, body: { role_id: "sneaky-id", secret_id } });
  assert.equal([login.status, login.body.errors], [400, ['cannot assign policy "response-wrapping"']]);
});

t("a wrapping token does nothing but unwrap; a refused operand uses no token", async ({ s }) => {
  const w = await s.request("POST", "sys/wrapping/wrap", { body: { v: "2" }, headers: wrapped("60") });
  const wt = w.body.wrap_info.token as string;
  assert.is((await s.request("GET", "auth/approle/role/app/role-id", { token: wt })).status, 403);
  // Like any limited-use token, the denied request took its only use (Vault does the same).
  assert.equal((await s.request("POST", "sys/wrapping/unwrap", { token: wt })).body.errors, [INVALID]);

  const once = await token(s, { policies: ["default"], num_uses: 1 });
  const refused = await s.request("POST", "sys/wrapping/unwrap", { token: once });
  assert.equal([refused.status, refused.body.errors], [400, [INVALID]], "a token that is not a wrapping token");
  assert.is((await s.request("GET", "auth/token/lookup-self", { token: once })).status, 200, "its only use is still there");
  for (const body of [{ token: "" }, { token: 5 }]) {
    const r = await s.request("POST", "sys/wrapping/unwrap", { body });
    assert.is(r.status, 403, r.text);
    assert.match(r.body.errors[0], /^error validating wrapping token: /);
  }
  const none = await s.request("POST", "sys/wrapping/unwrap", { token: null });
  assert.equal([none.status, none.body.errors], [403, ["error validating wrapping token: token is empty"]]);
});

t.run();

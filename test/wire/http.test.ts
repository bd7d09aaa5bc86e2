import { request as httpRequest } from "node:http";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { rawRequest } from "../helpers/raw-http.js";
import { type TestServer, startTestServer } from "../helpers/server.js";


const ENVELOPE_KEYS = ["auth", "data", "lease_duration", "lease_id", "renewable", "request_id", "warnings", "wrap_info"];

const t = suite<{ s: TestServer; reader: string }>("wire");
t.before(async (ctx) => {
  ctx.s = await startTestServer();
  await ctx.s.request("PUT", "sys/policies/acl/reader", { body: { policy: 'path "auth/token/lookup-self" { capabilities = ["read"] }' } });
  const r = await ctx.s.request("POST", "auth/token/create", { body: { policies: ["reader"], ttl: "1h" } });
  ctx.reader = r.body.auth.client_token;
});
t.after(async (ctx) => ctx.s.close());

t("the success envelope has exactly Vault's fields", async ({ s }) => {
  const r = await s.request("GET", "auth/token/lookup-self");
  assert.is(r.status, 200);
  assert.equal(Object.keys(r.body).sort(), ENVELOPE_KEYS);
  assert.match(r.body.request_id, /^[0-9a-f-]{36}$/);
  assert.is(r.body.lease_id, "");
  assert.is(r.body.renewable, false);
  assert.is(r.body.lease_duration, 0);
  assert.is(r.body.wrap_info, null);
  assert.is(r.body.warnings, null);
  assert.is(r.body.auth, null);
  assert.is(r.headers.get("content-type"), "application/json");
  assert.is(r.headers.get("cache-control"), "no-store");
  const other = await s.request("GET", "auth/token/lookup-self");
  assert.is.not(other.body.request_id, r.body.request_id);
});

t("a write with nothing to say is 204 with an empty body", async ({ s }) => {
  const r = await s.request("PUT", "sys/policies/acl/empty-write", { body: { policy: 'path "x" { capabilities = ["read"] }' } });
  assert.is(r.status, 204);
  assert.is(r.text, "");
  assert.is(r.headers.get("cache-control"), "no-store");
});

t("empty read and empty list are 404 with errors []", async ({ s }) => {
  const read = await s.request("GET", "sys/policies/acl/no-such-policy");
  assert.is(read.status, 404);
  assert.equal(read.body, { errors: [] });
  const list = await s.request("GET", "auth/token/accessors?list=true");
  assert.is(list.status, 200, "accessors exist");
  // A list with no keys: sys/policies/acl is never empty, so use the audit table of a fresh server via the legacy path.
  const none = await s.request("GET", "sys/policies/acl/no-such/?list=true");
  assert.is(none.status, 404);
});

t("other methods are 405 {errors:[]}", async ({ s }) => {
  const r = await s.request("PATCH", "auth/token/lookup-self");
  assert.is(r.status, 405);
  assert.equal(r.body, { errors: [] });
});

t("?list= accepts Go's booleans and refuses anything else", async ({ s }) => {
  for (const v of ["true", "1", "t", "TRUE", "True"]) {
    const r = await s.request("GET", `sys/policies/acl?list=${v}`);
    assert.is(r.status, 200, `list=${v}`);
    assert.ok(r.body.data.keys.includes("default"));
  }
  const off = await s.request("GET", "auth/token/lookup-self?list=false");
  assert.is(off.status, 200);
  assert.is(off.body.data.policies[0], "root");
  const bad = await s.request("GET", "sys/policies/acl?list=x");
  assert.is(bad.status, 400);
  assert.match(bad.body.errors[0], /list/);
});

t("X-Vault-Token wins over Authorization: Bearer; Bearer alone works", async ({ s, reader }) => {
  const both = await s.request("GET", "auth/token/lookup-self", { token: reader, headers: { authorization: `Bearer ${s.rootToken}` } });
  assert.is(both.status, 200);
  assert.equal(both.body.data.policies, ["default", "reader"]);
  const bearer = await s.request("GET", "auth/token/lookup-self", { token: null, headers: { authorization: `Bearer ${s.rootToken}` } });
  assert.is(bearer.status, 200);
  assert.equal(bearer.body.data.policies, ["root"]);
  const notBearer = await s.request("GET", "auth/token/lookup-self", { token: null, headers: { authorization: `Basic ${s.rootToken}` } });
  assert.is(notBearer.status, 403);
});

t("a duplicated token header is 400, never one of the copies", async ({ s, reader }) => {
  const send = (headers: Record<string, string[]>) => rawRequest(s, "GET", "/v1/auth/token/lookup-self", headers);
  const twice = await send({ "X-Vault-Token": [reader, s.rootToken] });
  assert.is(twice.status, 400);
  assert.match(twice.text, /multiple X-Vault-Token/);
  const bearerTwice = await send({ Authorization: [`Bearer ${reader}`, `Bearer ${s.rootToken}`] });
  assert.is(bearerTwice.status, 400);
  assert.match(bearerTwice.text, /multiple Authorization/);
});

t("missing, unknown, malformed and expired tokens are 403", async ({ s }) => {
  assert.is((await s.request("GET", "auth/token/lookup-self", { token: null })).status, 403);
  const unknown = await s.request("GET", "auth/token/lookup-self", { token: "hvs.AAAAAAAAAAAAAAAAAAAAAAAA" });
  assert.is(unknown.status, 403);
  assert.ok(unknown.body.errors.some((e: string) => /permission denied/.test(e)));
  assert.is((await s.request("GET", "auth/token/lookup-self", { token: "bad token!" })).status, 403);
  const short = await s.request("POST", "auth/token/create", { body: { ttl: "1s", policies: ["reader"] } });
  assert.is(short.status, 200);
  s.clock.advance(1_300);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token: short.body.auth.client_token })).status, 403);
});

t("paths outside /v1 are 404 {errors:[]}", async ({ s }) => {
  const r = await fetch(`${s.url}/nope`);
  assert.is(r.status, 404);
  assert.equal(await r.json(), { errors: [] });
  const r2 = await fetch(`${s.url}/v2/sys/auth`, { headers: { "x-vault-token": s.rootToken } });
  assert.is(r2.status, 404);
});

t("a JSON body without a content type is read as JSON", async ({ s }) => {
  const r = await fetch(`${s.url}/v1/auth/token/create`, { method: "POST", headers: { "x-vault-token": s.rootToken, "content-type": "text/plain" }, body: JSON.stringify({ display_name: "plain", ttl: "1h" }) });
  assert.is(r.status, 200);
  const body = (await r.json()) as any;
  const look = await s.request("GET", "auth/token/lookup-self", { token: body.auth.client_token });
  assert.is(look.body.data.display_name, "token-plain");
  const none = await rawRequest(s, "POST", "/v1/auth/token/create", { "x-vault-token": s.rootToken }, JSON.stringify({ display_name: "nocontent", ttl: "1h" }));
  assert.is(none.status, 200, none.text);
});

t("form bodies are read when declared; JSON-looking forms are still JSON", async ({ s }) => {
  const form = await s.request("POST", "auth/token/create", { raw: "display_name=formed&ttl=1h&policies=reader", headers: { "content-type": "application/x-www-form-urlencoded" } });
  assert.is(form.status, 200, form.text);
  assert.equal(form.body.auth.policies, ["default", "reader"]);
  assert.is(form.body.auth.lease_duration, 3600);
  const jsonish = await s.request("POST", "auth/token/create", { raw: '{"display_name":"j","ttl":"2h"}', headers: { "content-type": "application/x-www-form-urlencoded" } });
  assert.is(jsonish.status, 200);
  assert.is(jsonish.body.auth.lease_duration, 7200);
});

t("invalid JSON, non-object JSON and deeply nested JSON are 400", async ({ s }) => {
  const bad = await s.request("POST", "auth/token/create", { raw: "{not json", headers: { "content-type": "application/json" } });
  assert.is(bad.status, 400);
  assert.match(bad.body.errors[0], /failed to decode JSON/);
  const arr = await s.request("POST", "auth/token/create", { raw: "[1,2]" });
  assert.is(arr.status, 400);
  const deep = `{"meta":${"[".repeat(99)}1${"]".repeat(99)}}`;
  const nested = await s.request("POST", "auth/token/create", { raw: deep });
  assert.is(nested.status, 400);
  assert.match(nested.body.errors[0], /nested/);
});

t("a body of more than 5000 JSON values is 400, flat or nested; 4999 flat values are read", async ({ s }) => {
  const flat = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"])));
  const tooMany = await s.request("POST", "auth/token/create", { raw: flat(5000) });
  assert.is(tooMany.status, 400, tooMany.text);
  assert.match(tooMany.body.errors[0], /too many values/);
  const nestedMany = await s.request("POST", "auth/token/create", { raw: `{"meta":${flat(5000)}}` });
  assert.is(nestedMany.status, 400, nestedMany.text);
  assert.match(nestedMany.body.errors[0], /too many values/);
  // 4999 values and the root: at the bound. Unknown fields are ignored, so the token is created.
  const atBound = await s.request("POST", "auth/token/create", { raw: flat(4999) });
  assert.is(atBound.status, 200, atBound.text);
});

t("a 2 MiB body is 413, with or without a content length", async ({ s }) => {
  const big = `{"meta":{"k":"${"a".repeat(2 * 1024 * 1024)}"}}`;
  const r = await s.request("POST", "auth/token/create", { raw: big });
  assert.is(r.status, 413);
  assert.match(r.body.errors[0], /too large/);
  // Chunked (no Content-Length): the limit is enforced while streaming.
  const url = new URL(s.url);
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: "POST", path: "/v1/auth/token/create", headers: { "x-vault-token": s.rootToken, "transfer-encoding": "chunked" }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (e) => (/EPIPE|ECONNRESET/.test(String(e)) ? undefined : reject(e)));
    for (let i = 0; i < 32; i++) req.write("a".repeat(64 * 1024));
    req.end();
  });
  assert.is(status, 413);
  // The server still answers afterwards.
  assert.is((await s.request("GET", "auth/token/lookup-self")).status, 200);
});

t("path traversal never bypasses authentication", async ({ s, reader }) => {
  const cases = ["/v1/auth/token/../../sys/auth", "/v1/auth/token/%2e%2e/%2e%2e/sys/auth", "/v1/auth/token/..%2F..%2Fsys/auth", "/v1/sys%2Fauth", "//v1/sys/auth", "/v1//sys/auth", "/v1/sys//auth", "/v1/auth/token/lookup-self/../../../sys/auth"];
  for (const p of cases) {
    for (const headers of [{}, { "x-vault-token": reader }] as Record<string, string>[]) {
      const r = await rawRequest(s, "GET", p, headers);
      assert.ok([400, 403, 404].includes(r.status), `${p} ${JSON.stringify(headers)} -> ${r.status} ${r.text}`);
      assert.not.match(r.text, /"token\/"/, `${p} leaked the auth table`);
    }
  }
  // The normalised route itself still works for root: the check above is not vacuous.
  const ok = await rawRequest(s, "GET", "/v1/auth/token/../../sys/auth", { "x-vault-token": s.rootToken });
  assert.ok(ok.status === 200 || ok.status === 400, `root via .. -> ${ok.status}`);
});

t("writes read the body only (never the query), and refuse a trailing slash", async ({ s }) => {
  const r = await s.request("POST", "auth/token/create?ttl=5s&policies=evil", { body: { ttl: "1h" } });
  assert.is(r.status, 200);
  assert.is(r.body.auth.lease_duration, 3600);
  assert.equal(r.body.auth.policies, ["root"]);
  const slash = await s.request("POST", "sys/policies/acl/x/", { body: { policy: 'path "x" { capabilities = ["read"] }' } });
  assert.is(slash.status, 400);
  assert.match(slash.body.errors[0], /ending in '\/'/);
});

t("unrecognized parameters produce Vault's warning", async ({ s }) => {
  const r = await s.request("POST", "auth/token/create", { body: { ttl: "1h", bogus: 1, other: "x" } });
  assert.is(r.status, 200);
  assert.ok(Array.isArray(r.body.warnings));
  assert.ok(
    r.body.warnings.some((w: string) => /^Endpoint ignored these unrecognized parameters: \[(bogus other|other bogus)\]$/.test(w)),
    JSON.stringify(r.body.warnings),
  );
});

t("sys/health: 200, query codes, bad code 400, HEAD has no body", async ({ s }) => {
  const r = await fetch(`${s.url}/v1/sys/health`);
  assert.is(r.status, 200);
  const body = (await r.json()) as any;
  for (const k of ["initialized", "sealed", "standby", "performance_standby", "replication_performance_mode", "replication_dr_mode", "server_time_utc", "version", "cluster_name", "cluster_id"]) {
    assert.ok(k in body, k);
  }
  assert.is(body.initialized, true);
  assert.is(body.sealed, false);
  assert.is((await fetch(`${s.url}/v1/sys/health?activecode=204`)).status, 204);
  assert.is((await fetch(`${s.url}/v1/sys/health?activecode=abc`)).status, 400);
  const head = await fetch(`${s.url}/v1/sys/health`, { method: "HEAD" });
  assert.is(head.status, 200);
  assert.is(await head.text(), "");
  assert.is((await fetch(`${s.url}/v1/sys/health`, { method: "POST" })).status, 405);
});

t("seal-status has what `vault status` reads; leader answers", async ({ s }) => {
  const r = await fetch(`${s.url}/v1/sys/seal-status`);
  assert.is(r.status, 200);
  const b = (await r.json()) as any;
  for (const k of ["type", "initialized", "sealed", "t", "n", "progress", "nonce", "version", "build_date", "migration", "cluster_name", "cluster_id", "recovery_seal", "storage_type"]) assert.ok(k in b, k);
  assert.is(b.type, "shamir");
  assert.is(b.sealed, false);
  assert.is(b.initialized, true);
  assert.type(b.t, "number");
  const l = (await (await fetch(`${s.url}/v1/sys/leader`)).json()) as any;
  assert.is(l.ha_enabled, false);
  assert.type(l.leader_address, "string");
});

t.run();

const init = suite<{ s: TestServer }>("wire: sys/init");
init.before(async (ctx) => {
  ctx.s = await startTestServer({ skipInit: true });
});
init.after(async (ctx) => ctx.s.close());

init("an uninitialised server says so, initialises once, then refuses", async ({ s }) => {
  assert.is((await fetch(`${s.url}/v1/sys/health`)).status, 501);
  assert.is((await fetch(`${s.url}/v1/sys/health?uninitcode=200`)).status, 200);
  assert.equal(await (await fetch(`${s.url}/v1/sys/init`)).json(), { initialized: false });
  assert.is(((await (await fetch(`${s.url}/v1/sys/seal-status`)).json()) as any).initialized, false);
  const first = await fetch(`${s.url}/v1/sys/init`, { method: "PUT", body: JSON.stringify({ secret_shares: 1, secret_threshold: 1 }) });
  assert.is(first.status, 200);
  const answer = (await first.json()) as any;
  const root = answer.root_token as string;
  assert.match(root, /^hvs\./);
  assert.is(answer.keys.length, 1);
  assert.is(Buffer.from(answer.keys[0], "hex").length, 32);
  const second = await fetch(`${s.url}/v1/sys/init`, { method: "PUT", body: "{}" });
  assert.is(second.status, 400);
  assert.match(((await second.json()) as any).errors[0], /already initialized/);
  s.rootToken = root;
  // As Vault: initialised means sealed, until the key is given.
  assert.is((await fetch(`${s.url}/v1/sys/health`)).status, 503);
  assert.is((await s.request("GET", "auth/token/lookup-self")).status, 503);
  const unseal = await fetch(`${s.url}/v1/sys/unseal`, { method: "PUT", body: JSON.stringify({ key: answer.keys_base64[0] }) });
  assert.is(unseal.status, 200);
  assert.is(((await unseal.json()) as any).sealed, false);
  const look = await s.request("GET", "auth/token/lookup-self");
  assert.is(look.status, 200);
  assert.equal(look.body.data.policies, ["root"]);
  assert.is((await fetch(`${s.url}/v1/sys/health`)).status, 200);
});

init.run();

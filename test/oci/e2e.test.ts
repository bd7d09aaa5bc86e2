// The oci auth method end to end over real HTTP: a real warden (SQLite) and the OCI emulator, with
// login signatures made by the official oci-common signer. Both modes, both date forms, every
// bad-input case of issue 4 (each refused without any request reaching OCI), the Infisical PR #8215
// attack, token_* fields, and renewal re-checking the role.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type OciEmulator, startOciEmulator } from "../../src/emulators/oci/server.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { ociLoginData } from "../../plugins/oci/cli.js";
import {
  alice, bob, builder, carol, DYN_GROUP, getUserLogin, GROUP, IDENTITY_HOST, OTHER_GROUP, officialSign, rawCall, REGION, service,
  TENANCY, tenancySpec, vaultLogin,
} from "./fixtures.js";

interface Ctx {
  s: TestServer;
  oci: OciEmulator;
  /** Every signature sent, for the leak scan. */
  signatures: string[];
}

const t = suite<Ctx>("oci end to end");

const sigOf = (headers: Record<string, string>): string => /signature="([^"]+)"/.exec(headers.authorization ?? "")?.[1] ?? "";

async function login(ctx: Ctx, path: string, body: { request_headers: Record<string, string> } & Record<string, unknown>) {
  ctx.signatures.push(sigOf(body.request_headers));
  return ctx.s.request("PUT", path, { token: null, body });
}

/** Sends the login and asserts a 4xx with Vault's error body, no token, and no request to OCI. */
async function refusedLocally(ctx: Ctx, path: string, body: any, status: 400 | 403, why: string) {
  const before = ctx.oci.requests.length;
  const r = await ctx.s.request("PUT", path, { token: null, body });
  assert.is(r.status, status, `${why}: ${r.text}`);
  assert.ok(Array.isArray(r.body?.errors), `${why}: errors array`);
  assert.is(r.body.auth, undefined, `${why}: no auth`);
  assert.is(ctx.oci.requests.length, before, `${why}: no outbound request`);
  return r;
}

t.before(async (ctx) => {
  ctx.signatures = [];
  ctx.oci = await startOciEmulator(tenancySpec());
  ctx.s = await startTestServer();
  const { s } = ctx;
  for (const [path, type] of [["oci", "oci"], ["ociuser", "oci"]]) {
    assert.is((await s.request("POST", `sys/auth/${path}`, { body: { type } })).status, 204);
  }
  const cfg = await s.request("PUT", "auth/oci/config", {
    body: { home_tenancy_id: TENANCY, auth_endpoint: ctx.oci.url, service_key_id: service.keyId, service_private_key: service.privateKey },
  });
  assert.is(cfg.status, 204, cfg.text);
  const cfg2 = await s.request("PUT", "auth/ociuser/config", { body: { home_tenancy_id: TENANCY, mode: "get_user", region: REGION, identity_endpoint: ctx.oci.url } });
  assert.is(cfg2.status, 204, cfg2.text);
  const policy = 'path "auth/token/lookup-self" { capabilities = ["read"] }\npath "auth/token/renew-self" { capabilities = ["update"] }';
  assert.is((await s.request("PUT", "sys/policies/acl/ci-read", { body: { policy } })).status, 204);
  const dev = await s.request("PUT", "auth/oci/role/Dev", { body: { ocid_list: `${GROUP},${DYN_GROUP}`, token_policies: "ci-read", token_ttl: "1h", token_max_ttl: "2h" } });
  assert.is(dev.status, 204, dev.text);
  const once = await s.request("PUT", "auth/oci/role/once", { body: { ocid_list: GROUP, token_policies: "ci-read", token_num_uses: 1, token_ttl: "10m" } });
  assert.is(once.status, 204, once.text);
  const ao = await s.request("PUT", "auth/ociuser/role/alice-only", { body: { allowed_usernames: "alice", token_policies: "ci-read", token_ttl: "30m" } });
  assert.is(ao.status, 204, ao.text);
});
t.after(async (ctx) => {
  await ctx.s.close();
  await ctx.oci.close();
});

t("config reads back without the private key; bad values are 400", async ({ s }) => {
  const r = await s.request("GET", "auth/oci/config");
  assert.is(r.status, 200);
  assert.is(r.body.data.home_tenancy_id, TENANCY);
  assert.is(r.body.data.mode, "authenticate_client");
  assert.is(r.body.data.service_private_key_set, true);
  assert.not.match(r.text, /PRIVATE KEY/);
  for (const body of [{ home_tenancy_id: "ocid1.user.oc1..aaaa" }, { mode: "nope" }, { auth_endpoint: "http://x/y?z" }, { region: "US East" }, { service_private_key: "junk" }]) {
    const bad = await s.request("PUT", "auth/oci/config", { body });
    assert.is(bad.status, 400, JSON.stringify(body));
  }
});

t("roles: names lower-cased, ocid_list required and capped, list", async ({ s }) => {
  const r = await s.request("GET", "auth/oci/role/dev");
  assert.is(r.status, 200);
  assert.equal(r.body.data.ocid_list, [GROUP, DYN_GROUP]);
  assert.is(r.body.data.token_ttl, 3600);
  assert.is((await s.request("PUT", "auth/oci/role/empty", { body: { ocid_list: "" } })).status, 400);
  const many = Array.from({ length: 101 }, (_, i) => `ocid1.group.oc1..aaaa${i}`).join(",");
  assert.is((await s.request("PUT", "auth/oci/role/many", { body: { ocid_list: many } })).status, 400);
  assert.is((await s.request("PUT", "auth/oci/role/bad", { body: { ocid_list: alice.id } })).status, 400);
  const list = await s.request("GET", "auth/oci/role?list=true");
  assert.equal(list.body.data.keys, ["dev", "once"]);
});

t("authenticate_client, x-date (TS SDK form): token with the role's settings and the principal as alias", async (ctx) => {
  const before = ctx.oci.requests.length;
  const r = await login(ctx, "auth/oci/login/dev", await vaultLogin(alice, ctx.s.url));
  assert.is(r.status, 200, r.text);
  const auth = r.body.auth;
  assert.equal(auth.token_policies, ["ci-read", "default"]);
  assert.is(auth.lease_duration, 3600);
  assert.is(auth.renewable, true);
  assert.equal(auth.metadata, { role_name: "dev", tenancy_id: TENANCY, principal_type: "user", principal_id: alice.id });
  const calls = ctx.oci.requests.slice(before).map((q) => `${q.method} ${q.path} ${q.status}`);
  assert.equal(calls, ["POST /v1/authentication/authenticateClient 200", "POST /v1/filterGroupMembership 200"]);
  const self = await ctx.s.request("GET", "auth/token/lookup-self", { token: auth.client_token });
  assert.is(self.status, 200);
  assert.is(self.body.data.path, "auth/oci/login/dev");
  assert.is(self.body.data.display_name, `oci-${alice.id}`);
  assert.is((await ctx.s.request("GET", "sys/auth", { token: auth.client_token })).status, 403);
});

t("authenticate_client, date (Go SDK / Vault CLI form) signed by the official signer", async (ctx) => {
  const body = await vaultLogin(alice, ctx.s.url, "oci/login/dev", { dateForm: "date" });
  assert.match(body.request_headers.authorization!, /headers="date \(request-target\) host"/);
  const r = await login(ctx, "auth/oci/login/dev", body);
  assert.is(r.status, 200, r.text);
});

t("authenticate_client, the CLI's own payload (warden login -method=oci)", async (ctx) => {
  const req = ociLoginData({ address: ctx.s.url, mount: "oci", role: "DEV", keyId: alice.keyId, privateKeyPem: alice.privateKey, now: new Date(Date.now() - 260_000) });
  assert.is(req.path, "auth/oci/login/dev");
  const flat = Object.fromEntries(Object.entries(req.body.request_headers).map(([k, v]) => [k, v[0]!]));
  const r = await login(ctx, req.path, { request_headers: flat });
  assert.is(r.status, 200, r.text);
  // And as the Vault CLI sends it: string arrays.
  const again = ociLoginData({ address: ctx.s.url, mount: "oci", role: "dev", keyId: alice.keyId, privateKeyPem: alice.privateKey, now: new Date(Date.now() - 250_000) });
  assert.is((await ctx.s.request("PUT", again.path, { token: null, body: again.body })).status, 200);
});

t("authenticate_client: an instance in a dynamic group logs in as an instance", async (ctx) => {
  const r = await login(ctx, "auth/oci/login/dev", await vaultLogin(builder, ctx.s.url));
  assert.is(r.status, 200, r.text);
  assert.is(r.body.auth.metadata.principal_type, "instance");
  assert.is(r.body.auth.metadata.principal_id, builder.id);
});

t("authenticate_client: a principal OCI knows but outside the role's groups is refused (403)", async (ctx) => {
  const before = ctx.oci.requests.length;
  const r = await login(ctx, "auth/oci/login/dev", await vaultLogin(bob, ctx.s.url));
  assert.is(r.status, 403, r.text);
  assert.is(ctx.oci.requests.length, before + 2, "authenticateClient and filterGroupMembership were asked");
});

t("authenticate_client: a forged signature is refused by OCI and so by warden", async (ctx) => {
  const body = await vaultLogin(alice, ctx.s.url);
  const other = await vaultLogin(bob, ctx.s.url);
  // alice's keyId with bob's signature bytes: well-formed, wrong.
  body.request_headers.authorization = body.request_headers.authorization!.replace(/signature="[^"]+"/, `signature="${sigOf(other.request_headers)}"`);
  const r = await login(ctx, "auth/oci/login/dev", body);
  assert.is(r.status, 403, r.text);
  assert.is(ctx.oci.requests.at(-1)!.path, "/v1/authentication/authenticateClient");
});

t("token_num_uses is honoured", async (ctx) => {
  const r = await login(ctx, "auth/oci/login/once", await vaultLogin(alice, ctx.s.url, "oci/login/once"));
  assert.is(r.status, 200, r.text);
  assert.is(r.body.auth.lease_duration, 600);
  const token = r.body.auth.client_token;
  assert.is((await ctx.s.request("GET", "auth/token/lookup-self", { token })).status, 200);
  assert.is((await ctx.s.request("GET", "auth/token/lookup-self", { token })).status, 403);
});

t("renew re-checks the role: works while bound, refused once the group leaves ocid_list or the role goes", async (ctx) => {
  const { s } = ctx;
  await s.request("PUT", "auth/oci/role/renewer", { body: { ocid_list: GROUP, token_policies: "ci-read", token_ttl: "1h", token_max_ttl: "3h" } });
  const r = await login(ctx, "auth/oci/login/renewer", await vaultLogin(alice, s.url, "oci/login/renewer"));
  assert.is(r.status, 200, r.text);
  const token = r.body.auth.client_token;
  const calls = ctx.oci.requests.length;
  const ok = await s.request("PUT", "auth/token/renew-self", { token, body: { increment: "30m" } });
  assert.is(ok.status, 200, ok.text);
  assert.is(ok.body.auth.lease_duration, 1800);
  assert.is(ctx.oci.requests.length, calls, "renewal makes no outbound call");
  await s.request("PUT", "auth/oci/role/renewer", { body: { ocid_list: OTHER_GROUP } });
  assert.is((await s.request("PUT", "auth/token/renew-self", { token, body: {} })).status, 403);
  await s.request("PUT", "auth/oci/role/renewer", { body: { ocid_list: GROUP } });
  assert.is((await s.request("PUT", "auth/token/renew-self", { token, body: {} })).status, 200);
  await s.request("DELETE", "auth/oci/role/renewer");
  assert.is((await s.request("PUT", "auth/token/renew-self", { token, body: {} })).status, 403);
});

t("bad input in authenticate_client mode: a 4xx, no token, and no request to OCI", async (ctx) => {
  const url = ctx.s.url;
  const good = async () => vaultLogin(alice, url);
  const mutate = async (f: (h: Record<string, any>) => void) => {
    const b = await good();
    f(b.request_headers);
    return b;
  };
  const P = "auth/oci/login/dev";
  await refusedLocally(ctx, P, {}, 400, "missing request_headers");
  await refusedLocally(ctx, P, await mutate((h) => delete h.authorization), 400, "missing authorization");
  await refusedLocally(ctx, P, await mutate((h) => (h.authorization = "Bearer abc")), 400, "not a Signature");
  await refusedLocally(ctx, P, await mutate((h) => (h.authorization = h.authorization.replace('version="1",', 'version="1",version="1",'))), 400, "duplicate parameter");
  await refusedLocally(ctx, P, await mutate((h) => (h.authorization = h.authorization.replace("keyId=", "notKeyId=\"x/y/z\",keyId="))), 400, "decoy parameter");
  await refusedLocally(ctx, P, await mutate((h) => (h.authorization = h.authorization.replace('algorithm="rsa-sha256"', 'algorithm="hmac-sha256"'))), 400, "algorithm");
  await refusedLocally(ctx, P, await mutate((h) => (h.authorization = h.authorization.replace(/keyId="[^"]+"/, `keyId="${TENANCY}/${alice.id}"`))), 400, "two-part keyId");
  await refusedLocally(ctx, P, await mutate((h) => (h.authorization = h.authorization.replace(/keyId="[^"]+"/, 'keyId="ST$eyJhbGciOi.x.y"'))), 400, "ST$ keyId");
  await refusedLocally(ctx, P, await mutate((h) => (h.authorization = h.authorization.replace(/signature="/, 'signature="!!'))), 400, "signature not base64");
  await refusedLocally(ctx, P, await mutate((h) => (h.authorization = h.authorization.replace(/headers="[^"]+"/, 'headers="x-date host"'))), 400, "target not signed");
  await refusedLocally(ctx, P, await mutate((h) => (h.authorization = [h.authorization, h.authorization])), 400, "two authorization values");
  await refusedLocally(ctx, P, await mutate((h) => delete h["(request-target)"]), 400, "missing (request-target)");
  await refusedLocally(ctx, P, await mutate((h) => delete h["x-date"]), 400, "signed x-date missing");
  await refusedLocally(ctx, P, await mutate((h) => { h.Authorization = h.authorization; }), 400, "case-variant duplicate header");
  await refusedLocally(ctx, P, await vaultLogin(carol, url), 403, "keyId of another tenancy");
  await refusedLocally(ctx, P, await vaultLogin(alice, url, "other/login/dev"), 403, "another mount in the request target");
  const wrongRole = await vaultLogin(alice, url, "oci/login/once");
  await refusedLocally(ctx, P, wrongRole, 403, "another role in the request target");
  await refusedLocally(ctx, P, await mutate((h) => (h["(request-target)"] = "post /v1/auth/oci/login/dev")), 403, "method in the target");
  await refusedLocally(ctx, P, await vaultLogin(alice, url, "oci/login/dev", { host: "vault.example.com:8200" }), 403, "host not warden's");
  const stale = new Date(Date.now() - 6 * 60_000);
  await refusedLocally(ctx, P, await vaultLogin(alice, url, "oci/login/dev", { at: stale }), 403, "stale x-date");
  await refusedLocally(ctx, P, await vaultLogin(alice, url, "oci/login/dev", { at: stale, dateForm: "date" }), 403, "stale date");
  await refusedLocally(ctx, P, await vaultLogin(alice, url, "oci/login/dev", { at: new Date(Date.now() + 6 * 60_000) }), 403, "future x-date");
  await refusedLocally(ctx, "auth/oci/login/nosuchrole", await vaultLogin(alice, url, "oci/login/nosuchrole"), 403, "unknown role");
});

t("x-date wins when both are signed-for headers are present: a fresh date cannot rescue a stale x-date", async (ctx) => {
  const body = await vaultLogin(alice, ctx.s.url, "oci/login/dev", { at: new Date(Date.now() - 10 * 60_000) });
  body.request_headers.date = new Date().toUTCString();
  await refusedLocally(ctx, "auth/oci/login/dev", body, 403, "stale x-date, fresh unsigned date");
});

t("a replayed signature is refused without an outbound call, also under concurrency", async (ctx) => {
  const body = await vaultLogin(alice, ctx.s.url);
  assert.is((await login(ctx, "auth/oci/login/dev", body)).status, 200);
  await refusedLocally(ctx, "auth/oci/login/dev", body, 403, "replay");
  const fresh = await vaultLogin(alice, ctx.s.url, "oci/login/dev", { at: new Date(Date.now() - 270_000) });
  const before = ctx.oci.requests.length;
  const results = await Promise.all(Array.from({ length: 8 }, () => ctx.s.request("PUT", "auth/oci/login/dev", { token: null, body: fresh })));
  assert.equal(results.map((r) => r.status).sort(), [200, 403, 403, 403, 403, 403, 403, 403]);
  assert.is(ctx.oci.requests.length, before + 2, "only one login reached OCI");
});

t("get_user mode: alice logs in with x-date and date forms; alias and metadata carry her OCID and name", async (ctx) => {
  for (const dateForm of ["x-date", "date"] as const) {
    const before = ctx.oci.requests.length;
    const r = await login(ctx, "auth/ociuser/login/alice-only", await getUserLogin(alice, alice.id, { dateForm }));
    assert.is(r.status, 200, `${dateForm}: ${r.text}`);
    assert.equal(r.body.auth.metadata, { role_name: "alice-only", tenancy_id: TENANCY, principal_type: "user", principal_id: alice.id, user_name: "alice" });
    assert.is(r.body.auth.lease_duration, 1800);
    const sent = ctx.oci.requests.slice(before);
    assert.is(sent.length, 1);
    assert.is(sent[0]!.path, `/20160918/users/${alice.id}`);
    assert.is(sent[0]!.headers.host, IDENTITY_HOST, "the signed Host survives the replay");
  }
});

t("PR #8215: bob may read alice at OCI, but his signature cannot log him in as alice", async (ctx) => {
  const attack = await getUserLogin(bob, alice.id);
  // The attack is real at OCI: bob's signed GetUser for alice is answered with alice's record.
  const direct = await rawCall(ctx.oci.url, "GET", `/20160918/users/${alice.id}`, attack.request_headers);
  assert.is(direct.status, 200);
  assert.is(JSON.parse(direct.body).name, "alice");
  const replayable = await getUserLogin(bob, alice.id);
  await refusedLocally(ctx, "auth/ociuser/login/alice-only", replayable, 403, "signer is not user_ocid");
  // Claiming to be bob while having signed the read of alice: warden sends GetUser for bob, whose
  // target bob did not sign, so OCI refuses it (401) and so does warden.
  const before = ctx.oci.requests.length;
  const r = await ctx.s.request("PUT", "auth/ociuser/login/alice-only", { token: null, body: { ...replayable, user_ocid: bob.id } });
  assert.is(r.status, 403, r.text);
  assert.equal(ctx.oci.requests.slice(before).map((q) => `${q.path} ${q.status}`), [`/20160918/users/${bob.id} 401`]);
});

t("bad input in get_user mode: a 4xx, no token, and no request to OCI", async (ctx) => {
  const P = "auth/ociuser/login/alice-only";
  const ok = await getUserLogin(alice, alice.id);
  await refusedLocally(ctx, P, { request_headers: ok.request_headers }, 400, "missing user_ocid");
  await refusedLocally(ctx, P, { ...ok, user_ocid: "alice" }, 400, "user_ocid not an OCID");
  await refusedLocally(ctx, P, await getUserLogin(alice, alice.id, { region: "eu-frankfurt-1" }), 403, "signed for another region's host");
  await refusedLocally(ctx, P, await getUserLogin(alice, alice.id, { host: "objectstorage.us-ashburn-1.oraclecloud.com" }), 403, "signed for another host");
  await refusedLocally(ctx, P, await getUserLogin(carol, carol.id), 403, "another tenancy");
  await refusedLocally(ctx, P, await getUserLogin(alice, alice.id, { at: new Date(Date.now() - 6 * 60_000) }), 403, "stale");
  await refusedLocally(ctx, "auth/ociuser/login/ghost", await getUserLogin(alice, alice.id), 403, "unknown role");
  const used = await getUserLogin(alice, alice.id);
  assert.is((await login(ctx, P, used)).status, 200);
  await refusedLocally(ctx, P, used, 403, "replay");
});

t("get_user mode: a user OCI vouches for but outside the allow-list is refused after one call", async (ctx) => {
  const before = ctx.oci.requests.length;
  const r = await login(ctx, "auth/ociuser/login/alice-only", await getUserLogin(bob, bob.id));
  assert.is(r.status, 403, r.text);
  assert.is(ctx.oci.requests.length, before + 1);
});

t("no signature, key or token text reaches the server's logs", async (ctx) => {
  const text = ctx.s.logs.join("\n");
  for (const sig of ctx.signatures.filter(Boolean)) assert.not.ok(text.includes(sig), "a signature leaked into the logs");
  assert.not.ok(text.includes("PRIVATE KEY"));
  assert.not.ok(text.includes(service.privateKey.split("\n")[1]!));
});

t.run();

// warden as an OIDC identity-token issuer, over real HTTP: every identity/oidc path, the claims and
// header switches decoded by hand, signatures verified against the JWKS fetched from warden, key
// rotation with pre-published next keys, and no private key material in any answer, log or audit line.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalJWKSet, jwtVerify } from "jose";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { OIDC_NAMESPACE } from "../../src/core/identity/oidc/records.js";
import { type StsEmulator, startStsEmulator } from "../../src/emulators/sts/server.js";
import { type TestResponse, type TestServer, startTestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait-for.js";
import { alicloudLogin, decodeJwt, runner, setupAlicloud } from "./helpers.js";

interface Ctx {
  s: TestServer;
  sts: StsEmulator;
  dir: string;
  auditFile: string;
  token: string;
  entityId: string;
  /** Every answer this suite saw, scanned for private key material at the end. */
  seen: string[];
}

const t = suite<Ctx>("oidc issuer");

const ISSUER_SUFFIX = "/v1/identity/oidc";

async function req(ctx: Ctx, method: string, path: string, opts: Parameters<TestServer["request"]>[2] = {}): Promise<TestResponse> {
  const r = await ctx.s.request(method, path, opts);
  ctx.seen.push(r.text);
  return r;
}

async function jwks(ctx: Ctx): Promise<{ keys: Array<Record<string, string>> }> {
  const r = await req(ctx, "GET", "identity/oidc/.well-known/keys", { token: null });
  assert.is(r.status, 200, r.text);
  return r.body;
}

async function verifies(ctx: Ctx, token: string): Promise<boolean> {
  try {
    await jwtVerify(token, createLocalJWKSet(await jwks(ctx)), { issuer: `${ctx.s.url}${ISSUER_SUFFIX}` });
    return true;
  } catch {
    return false;
  }
}

async function mint(ctx: Ctx, role: string): Promise<TestResponse> {
  return req(ctx, "GET", `identity/oidc/token/${role}`, { token: ctx.token });
}

t.before(async (ctx) => {
  ctx.seen = [];
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-oidc-"));
  ctx.auditFile = join(ctx.dir, "audit.log");
  ctx.sts = await startStsEmulator({ identities: [runner] });
  ctx.s = await startTestServer();
  const { s } = ctx;
  assert.is((await s.request("PUT", "sys/audit/file", { body: { type: "file", options: { file_path: ctx.auditFile } } })).status, 204);
  await setupAlicloud(s, ctx.sts.url);
  const login = await alicloudLogin(s, runner);
  ctx.token = login.token;
  ctx.entityId = login.entityId;
  assert.is((await s.request("POST", `identity/entity/id/${ctx.entityId}`, { body: { name: "runner", metadata: { team: "infra", tier: "prod" } } })).status, 200);
  assert.is((await s.request("POST", "identity/group", { body: { name: "deployers", member_entity_ids: [ctx.entityId] } })).status, 200);
  assert.is((await s.request("POST", "identity/group", { body: { name: "auditors", member_entity_ids: [ctx.entityId] } })).status, 200);
});
t.after(async (ctx) => {
  await ctx.s.close();
  await ctx.sts.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

t("config: the default issuer is the server's address; a bare origin can be set; anything else is refused", async (ctx) => {
  const read = await req(ctx, "GET", "identity/oidc/config");
  assert.is(read.status, 200);
  assert.is(read.body.data.issuer, "");
  const disc = await req(ctx, "GET", "identity/oidc/.well-known/openid-configuration", { token: null });
  assert.is(disc.body.issuer, `${ctx.s.url}${ISSUER_SUFFIX}`);
  for (const bad of ["ftp://x.example", "https://x.example/path", "https://x.example?q=1", "https://user@x.example", "not a url"]) {
    const r = await req(ctx, "POST", "identity/oidc/config", { body: { issuer: bad } });
    assert.is(r.status, 400, `${bad}: ${r.text}`);
  }
  assert.is((await req(ctx, "POST", "identity/oidc/config", { body: { issuer: "https://warden.example.com:8200" } })).status, 204);
  assert.is((await req(ctx, "GET", "identity/oidc/config")).body.data.issuer, "https://warden.example.com:8200");
  const moved = await req(ctx, "GET", "identity/oidc/.well-known/openid-configuration", { token: null });
  assert.is(moved.body.issuer, `https://warden.example.com:8200${ISSUER_SUFFIX}`);
  assert.is(moved.body.jwks_uri, `https://warden.example.com:8200${ISSUER_SUFFIX}/.well-known/keys`);
  assert.is((await req(ctx, "POST", "identity/oidc/config", { body: { issuer: "" } })).status, 204);
});

t("discovery is raw JSON with Vault's fields and Cache-Control, unauthenticated", async (ctx) => {
  const r = await req(ctx, "GET", "identity/oidc/.well-known/openid-configuration", { token: null });
  assert.is(r.status, 200);
  assert.match(r.headers.get("content-type") ?? "", /application\/json/);
  assert.is(r.headers.get("cache-control"), "max-age=3600");
  assert.equal(Object.keys(r.body).sort(), ["id_token_signing_alg_values_supported", "issuer", "jwks_uri", "response_types_supported", "subject_types_supported"]);
  assert.is(r.body.jwks_uri, `${ctx.s.url}${ISSUER_SUFFIX}/.well-known/keys`);
  assert.equal(r.body.subject_types_supported, ["public"]);
  assert.equal(r.body.id_token_signing_alg_values_supported, ["RS256", "ES256", "EdDSA"]);
  assert.not.ok("request_id" in r.body);
});

t("keys: create with defaults, read, list, validation as Vault", async (ctx) => {
  assert.is((await req(ctx, "POST", "identity/oidc/key/main", { body: { allowed_client_ids: "*" } })).status, 204);
  const read = await req(ctx, "GET", "identity/oidc/key/main");
  assert.equal(read.body.data, { algorithm: "RS256", allowed_client_ids: ["*"], rotation_period: 86400, verification_ttl: 86400 });
  assert.is((await req(ctx, "POST", "identity/oidc/key/ec", { body: { algorithm: "ES256", allowed_client_ids: "*", rotation_period: "1h", verification_ttl: "2h" } })).status, 204);
  assert.is((await req(ctx, "POST", "identity/oidc/key/ed", { body: { algorithm: "EdDSA", allowed_client_ids: "*" } })).status, 204);
  const list = await req(ctx, "GET", "identity/oidc/key?list=true");
  assert.equal(list.body.data.keys, ["ec", "ed", "main"]);

  const bad = async (body: Record<string, unknown>, message: RegExp) => {
    const r = await req(ctx, "POST", "identity/oidc/key/bad", { body });
    assert.is(r.status, 400, r.text);
    assert.match(r.body.errors[0], message);
  };
  await bad({ algorithm: "HS256" }, /invalid algorithm "HS256", must be one of/);
  await bad({ rotation_period: 30 }, /rotation_period must be at least one minute/);
  await bad({ rotation_period: "1h", verification_ttl: "11h" }, /verification_ttl cannot be longer than 10x rotation_period/);
  assert.is((await req(ctx, "GET", "identity/oidc/key/bad")).status, 404);
});

t("JWKS publishes current and next key of every named key, public members only", async (ctx) => {
  const { keys } = await jwks(ctx);
  assert.is(keys.length, 6, "3 named keys x (current + next)");
  const r = await req(ctx, "GET", "identity/oidc/.well-known/keys", { token: null });
  assert.not.ok("data" in r.body);
  for (const k of keys) {
    for (const secret of ["d", "p", "q", "dp", "dq", "qi", "k"]) assert.not.ok(secret in k, `${k.kty} key publishes "${secret}"`);
    assert.is(k.use, "sig");
    assert.ok(k.kid);
  }
  const algs = keys.map((k) => `${k.alg}/${k.kty}/${k.crv ?? ""}`).sort();
  assert.equal(algs, ["ES256/EC/P-256", "ES256/EC/P-256", "EdDSA/OKP/Ed25519", "EdDSA/OKP/Ed25519", "RS256/RSA/", "RS256/RSA/"]);
  // Vault: cache until the next rotation, never longer than the shortest rotation_period / verification_ttl (ec: 1h).
  const cc = r.headers.get("cache-control") ?? "";
  const m = /^max-age=(\d+)$/.exec(cc);
  assert.ok(m, cc);
  assert.ok(Number(m![1]) > 3500 && Number(m![1]) <= 3600, cc);
});

t("roles: write/read/list; ttl above the key's verification_ttl and bad templates are refused at write time", async (ctx) => {
  const template = JSON.stringify({ name: "{{identity.entity.name}}", team: "{{identity.entity.metadata.team}}", groups: "{{identity.entity.groups.names}}", missing: "{{identity.entity.metadata.nope}}" })
    .replace(/"(\{\{[^}]+\}\})"/g, "$1");
  const w = await req(ctx, "POST", "identity/oidc/role/plain", { body: { key: "main", ttl: "10m", template } });
  assert.is(w.status, 204, w.text);
  const read = await req(ctx, "GET", "identity/oidc/role/plain");
  assert.is(read.body.data.key, "main");
  assert.is(read.body.data.ttl, 600);
  assert.is(read.body.data.audience_as_array, false);
  assert.is(read.body.data.jwt_type_header, false);
  assert.match(read.body.data.client_id, /^[0-9A-Za-z]{26}$/);
  assert.is(read.body.data.template, template);

  const b64 = Buffer.from('{"team": {{identity.entity.metadata.team}}}').toString("base64");
  assert.is((await req(ctx, "POST", "identity/oidc/role/alibaba", { body: { key: "main", ttl: "15m", template: b64, audience_as_array: true, jwt_type_header: true, client_id: "sts.aliyuncs.com" } })).status, 204);
  assert.is((await req(ctx, "GET", "identity/oidc/role/alibaba")).body.data.client_id, "sts.aliyuncs.com");
  assert.is((await req(ctx, "POST", "identity/oidc/role/ec", { body: { key: "ec", ttl: "1h" } })).status, 204);
  assert.is((await req(ctx, "POST", "identity/oidc/role/ed", { body: { key: "ed", ttl: "1h" } })).status, 204);
  assert.equal((await req(ctx, "GET", "identity/oidc/role?list=true")).body.data.keys, ["alibaba", "ec", "ed", "plain"]);

  const bad = async (body: Record<string, unknown>, message: RegExp) => {
    const r = await req(ctx, "POST", "identity/oidc/role/bad", { body });
    assert.is(r.status, 400, r.text);
    assert.match(r.body.errors[0], message);
  };
  await bad({ key: "ec", ttl: "3h" }, /a role's token ttl cannot be longer than the verification_ttl of the key it references/);
  await bad({ key: "nope" }, /key "nope" does not exist/);
  await bad({ ttl: "1h" }, /the key parameter is required/);
  await bad({ key: "main", template: '{"sub": "x"}' }, /top level key "sub" in template is reserved/);
  await bad({ key: "main", template: '{"a": {{identity.entity.bogus}}}' }, /unsupported template element/);
  await bad({ key: "main", template: "[1,2]" }, /template must be a JSON object/);
  assert.is((await req(ctx, "GET", "identity/oidc/role/bad")).status, 404);

  // A key cannot drop below a role's ttl, nor be deleted while a role uses it.
  const shrink = await req(ctx, "POST", "identity/oidc/key/ec", { body: { verification_ttl: "30m" } });
  assert.is(shrink.status, 400);
  assert.match(shrink.body.errors[0], /referenced by one or more roles with a token ttl greater than 1800 seconds/);
  const del = await req(ctx, "DELETE", "identity/oidc/key/ec");
  assert.is(del.status, 400);
  assert.match(del.body.errors[0], /referenced by these roles: ec/);
});

t("token: Vault's claims for the caller's entity, aud as a string and no typ by default", async (ctx) => {
  const r = await mint(ctx, "plain");
  assert.is(r.status, 200, r.text);
  assert.equal(Object.keys(r.body.data).sort(), ["client_id", "token", "ttl"]);
  assert.is(r.body.data.ttl, 600);
  const { header, payload } = decodeJwt(r.body.data.token);
  assert.is(header.alg, "RS256");
  assert.not.ok("typ" in header);
  assert.is(payload.iss, `${ctx.s.url}${ISSUER_SUFFIX}`);
  assert.is(payload.sub, ctx.entityId);
  assert.is(payload.aud, r.body.data.client_id);
  assert.is(payload.exp - payload.iat, 600);
  assert.is(payload.nbf, payload.iat);
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 5);
  assert.match(payload.jti, /^[0-9a-f-]{36}$/);
  assert.is(payload.namespace, "root");
  assert.is(payload.name, "runner");
  assert.is(payload.team, "infra");
  assert.equal(payload.groups, ["auditors", "deployers"]);
  assert.not.ok("missing" in payload, "a template value that does not exist is left out");
  assert.ok(await verifies(ctx, r.body.data.token));
  const again = decodeJwt((await mint(ctx, "plain")).body.data.token).payload;
  assert.is.not(again.jti, payload.jti);
});

t("token: audience_as_array and jwt_type_header shape the token for Alibaba", async (ctx) => {
  const r = await mint(ctx, "alibaba");
  assert.is(r.status, 200, r.text);
  const { header, payload } = decodeJwt(r.body.data.token);
  assert.is(header.typ, "JWT");
  assert.equal(payload.aud, ["sts.aliyuncs.com"]);
  assert.is(payload.team, "infra");
  assert.ok(await verifies(ctx, r.body.data.token));
});

t("token: ES256 and EdDSA keys sign verifiable tokens", async (ctx) => {
  for (const [role, alg] of [["ec", "ES256"], ["ed", "EdDSA"]] as const) {
    const r = await mint(ctx, role);
    assert.is(r.status, 200, r.text);
    assert.is(decodeJwt(r.body.data.token).header.alg, alg);
    assert.ok(await verifies(ctx, r.body.data.token), role);
  }
});

t("token: refused without an entity, without the ACL, for unknown roles and disallowed client ids", async (ctx) => {
  const root = await req(ctx, "GET", "identity/oidc/token/plain");
  assert.is(root.status, 400);
  assert.match(root.body.errors[0], /no entity associated with the request's token/);
  const unknown = await mint(ctx, "nope");
  assert.is(unknown.status, 400);
  assert.match(unknown.body.errors[0], /role "nope" not found/);
  // A token whose policies do not grant the path gets 403 like any path.
  const child = await req(ctx, "POST", "auth/token/create", { body: { policies: ["default"] } });
  assert.is(child.status, 200, child.text);
  assert.is((await req(ctx, "GET", "identity/oidc/token/plain", { token: child.body.auth.client_token })).status, 403);
  assert.is((await req(ctx, "GET", "identity/oidc/token/plain", { token: null })).status, 403);
  assert.is((await req(ctx, "POST", "identity/oidc/key/strict", { body: { allowed_client_ids: "someone-else" } })).status, 204);
  assert.is((await req(ctx, "POST", "identity/oidc/role/strict", { body: { key: "strict", ttl: "1h" } })).status, 204);
  const strict = await mint(ctx, "strict");
  assert.is(strict.status, 400);
  assert.match(strict.body.errors[0], /does not list the client ID of the role "strict" as an allowed client ID/);
});

t("introspect: raw {active}; tampering, a wrong client_id and a disabled entity make it inactive", async (ctx) => {
  const minted = await mint(ctx, "plain");
  const token = minted.body.data.token as string;
  const ok = await req(ctx, "POST", "identity/oidc/introspect", { token: ctx.token, body: { token } });
  assert.is(ok.status, 200, ok.text);
  assert.equal(ok.body, { active: true });
  assert.is(ok.headers.get("cache-control"), "no-store");
  assert.equal((await req(ctx, "POST", "identity/oidc/introspect", { token: ctx.token, body: { token, client_id: minted.body.data.client_id } })).body, { active: true });
  assert.is((await req(ctx, "POST", "identity/oidc/introspect", { token: ctx.token, body: { token, client_id: "other" } })).body.active, false);
  const [h, p, sig] = token.split(".");
  const forged = Buffer.from(p!, "base64url").toString().replace(ctx.entityId, "00000000-0000-0000-0000-000000000000");
  const tampered = `${h}.${Buffer.from(forged).toString("base64url")}.${sig}`;
  assert.is((await req(ctx, "POST", "identity/oidc/introspect", { token: ctx.token, body: { token: tampered } })).body.active, false);
  assert.is((await req(ctx, "POST", "identity/oidc/introspect", { token: ctx.token, body: { token: "a.b.c" } })).body.active, false);
  assert.is((await req(ctx, "POST", "identity/oidc/introspect", { token: null, body: { token } })).status, 403);
  // Disabled entity: the JWT still verifies, introspection says no (Vault checks the entity).
  assert.is((await req(ctx, "POST", `identity/entity/id/${ctx.entityId}`, { body: { disabled: true } })).status, 200);
  const off = await req(ctx, "POST", "identity/oidc/introspect", { body: { token } });
  assert.equal(off.body, { active: false, error: "entity is disabled" });
  assert.is((await req(ctx, "POST", `identity/entity/id/${ctx.entityId}`, { body: { disabled: false } })).status, 200);
});

t("rotation: the next key is published before it signs; a rotated key verifies until verification_ttl, then not", async (ctx) => {
  const before = await mint(ctx, "plain");
  const oldToken = before.body.data.token as string;
  const oldKid = decodeJwt(oldToken).header.kid as string;
  const publishedBefore = (await jwks(ctx)).keys.map((k) => k.kid);

  assert.is((await req(ctx, "POST", "identity/oidc/key/main/rotate", { body: { verification_ttl: 2 } })).status, 204);
  const afterToken = (await mint(ctx, "plain")).body.data.token as string;
  const newKid = decodeJwt(afterToken).header.kid as string;
  assert.is.not(newKid, oldKid);
  assert.ok(publishedBefore.includes(newKid), "the key signing now was already in the JWKS before the rotation");
  const publishedAfter = (await jwks(ctx)).keys.map((k) => k.kid);
  assert.ok(publishedAfter.includes(oldKid), "the rotated key stays published");
  assert.is(publishedAfter.length, publishedBefore.length + 1, "old + current + a fresh next");
  assert.ok(await verifies(ctx, oldToken), "a token signed before the rotation still verifies");
  assert.ok(await verifies(ctx, afterToken));

  await waitFor("the rotated key to leave the JWKS", 6000, async () => !(await jwks(ctx)).keys.some((k) => k.kid === oldKid), 100);
  assert.not.ok(await verifies(ctx, oldToken), "after verification_ttl the old token no longer verifies");
  assert.is((await req(ctx, "POST", "identity/oidc/introspect", { token: ctx.token, body: { token: oldToken } })).body.active, false);
  assert.ok(await verifies(ctx, afterToken));
  // The retired key's private half was deleted at rotation time.
  const kv = ctx.s.server.core.storage.kv;
  assert.is(await kv.get(OIDC_NAMESPACE, `private/${oldKid}`), undefined);
});

t("periodic job: rotates a due key once even when several runs race, and prunes expired keys", async (ctx) => {
  const admin = ctx.s.server.core.oidc.admin;
  const key = (await admin.store.key("ed"))!;
  const due = key.nextRotation + 1;
  const dueKeys = (await admin.store.allKeys()).filter((k) => k.nextRotation <= due).length;
  const runs = await Promise.all([admin.periodic(due), admin.periodic(due), admin.periodic(due), admin.periodic(due)]);
  assert.is(runs.reduce((n, r) => n + r.rotated, 0), dueKeys, `each due key rotated once in total: ${JSON.stringify(runs)}`);
  const after = (await admin.store.key("ed"))!;
  assert.is(after.signingKid, key.nextKid);
  assert.is(after.ring.length, 3);
  assert.is(after.ring.find((e) => e.kid === key.signingKid)!.expireAt, due + key.verificationTtl * 1000);
  // Far enough ahead that the retired key has expired: pruned from the ring and from storage.
  const later = due + key.verificationTtl * 1000 + 1;
  const prunes = await Promise.all([admin.periodic(later), admin.periodic(later)]);
  assert.ok(prunes.reduce((n, r) => n + r.pruned, 0) >= 1);
  const kv = ctx.s.server.core.storage.kv;
  assert.is(await kv.get(OIDC_NAMESPACE, `public/${key.signingKid}`), undefined);
  assert.not.ok((await admin.store.key("ed"))!.ring.some((e) => e.kid === key.signingKid));
});

t("periodic job: the server's background timer rotates a key whose time has come", async (ctx) => {
  const kv = ctx.s.server.core.storage.kv;
  const key = (await ctx.s.server.core.oidc.admin.store.key("main"))!;
  // Pretend the rotation period ran out (a 1-minute minimum keeps real waits out of the test).
  await kv.put(OIDC_NAMESPACE, "key/main", { ...key, nextRotation: Date.now() - 1000 });
  await waitFor("the background job to rotate key main", 8000, async () => (await ctx.s.server.core.oidc.admin.store.key("main"))!.signingKid === key.nextKid, 100);
  const token = (await mint(ctx, "plain")).body.data.token as string;
  assert.is(decodeJwt(token).header.kid, key.nextKid);
  assert.ok(await verifies(ctx, token));
});

t("key: changing the algorithm re-keys at once; delete removes the key and its JWKS entries", async (ctx) => {
  const old = (await ctx.s.server.core.oidc.admin.store.key("ed"))!;
  assert.is((await req(ctx, "POST", "identity/oidc/key/ed", { body: { algorithm: "ES256" } })).status, 204);
  const r = await mint(ctx, "ed");
  assert.is(decodeJwt(r.body.data.token).header.alg, "ES256");
  const kids = (await jwks(ctx)).keys.map((k) => k.kid);
  assert.ok(kids.includes(old.signingKid), "the old signing key stays for verification");
  assert.not.ok(kids.includes(old.nextKid), "the never-used next key of the old algorithm is gone");

  assert.is((await req(ctx, "DELETE", "identity/oidc/role/strict")).status, 204);
  const strict = (await ctx.s.server.core.oidc.admin.store.key("strict"))!;
  assert.is((await req(ctx, "DELETE", "identity/oidc/key/strict")).status, 204);
  assert.is((await req(ctx, "GET", "identity/oidc/key/strict")).status, 404);
  const after = (await jwks(ctx)).keys.map((k) => k.kid);
  assert.not.ok(after.includes(strict.signingKid));
  // The name can be reused at once.
  assert.is((await req(ctx, "POST", "identity/oidc/key/strict", { body: {} })).status, 204);
  assert.is((await req(ctx, "DELETE", "identity/oidc/key/strict")).status, 204);
});

t("no private key member appears in any answer, the server log or the audit log", async (ctx) => {
  const kv = ctx.s.server.core.storage.kv;
  const privateKeys = await kv.listKeys(OIDC_NAMESPACE, "private/");
  assert.ok(privateKeys.length >= 4, `private keys stored: ${privateKeys.length}`);
  const secrets: string[] = [];
  for (const k of privateKeys) {
    const rec = (await kv.get(OIDC_NAMESPACE, k)) as { jwk: Record<string, string> };
    for (const m of ["d", "p", "q", "dp", "dq", "qi"]) if (rec.jwk[m]) secrets.push(rec.jwk[m]!);
  }
  assert.ok(secrets.length >= 4);
  const audit = readFileSync(ctx.auditFile, "utf8");
  assert.ok(audit.includes("identity/oidc/token/plain"), "the audit log saw the token requests");
  const haystacks = { answers: ctx.seen.join("\n"), logs: ctx.s.logs.join("\n"), audit };
  for (const [where, text] of Object.entries(haystacks)) {
    for (const secret of secrets) assert.not.ok(text.includes(secret), `a private key member appears in ${where}`);
  }
});

t.run();

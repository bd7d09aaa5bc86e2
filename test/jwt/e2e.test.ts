// The jwt method end to end over real HTTP: a real warden server, and a tiny OIDC provider on
// 127.0.0.1 (discovery + JWKS with rotatable keys) that warden fetches from like from GitHub or a
// Kubernetes API server.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { builtinPlugins } from "../../plugins/index.js";
import { createJwtPlugin } from "../../plugins/jwt/backend.js";
import { startProvider, type TestProvider } from "../../plugins/jwt/test-provider.js";
import { algNoneToken, claimsFor, hs256WithPublicKey, makeKey, nowSec, sign, type TestKey } from "../../plugins/jwt/test-support.js";
import { freshHome, runCli } from "../cli/harness.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

interface Ctx {
  s: TestServer;
  p: TestProvider;
  k1: TestKey;
}

// The refetch cooldown is long, so a burst on a slow machine never outlasts it; the tests move the
// server's clock (which the mounts' key caches read) past it where they need a refetch to be allowed
// again, instead of sleeping.
const COOLDOWN_MS = 60_000;
const pastCooldown = (s: TestServer): void => s.clock.advance(COOLDOWN_MS + 1);
const t = suite<Ctx>("jwt end to end");

const ghClaims = (iss: string, extra: Record<string, unknown> = {}) =>
  claimsFor(iss, {
    aud: "https://github.com/acme",
    sub: "repo:acme/app:ref:refs/heads/main",
    repository: "acme/app",
    ref: "refs/heads/main",
    job: { environment: "prod", runner: { labels: ["linux", "x64"] } },
    teams: ["red", "blue"],
    ...extra,
  });

t.before(async (ctx) => {
  ctx.k1 = await makeKey("RS256", "gh-1");
  ctx.p = await startProvider([ctx.k1]);
  const jwt = createJwtPlugin({ keys: { refetchCooldownMs: COOLDOWN_MS } });
  ctx.s = await startTestServer({ plugins: [...builtinPlugins.filter((p) => p.type !== "jwt"), jwt] });
  const { s, p } = ctx;
  assert.is((await s.request("POST", "sys/auth/jwt", { body: { type: "jwt" } })).status, 204);
  const cfg = await s.request("PUT", "auth/jwt/config", { body: { oidc_discovery_url: p.url, default_role: "deploy" } });
  assert.is(cfg.status, 204, cfg.text);
  const policy = 'path "auth/token/lookup-self" { capabilities = ["read"] }';
  assert.is((await s.request("PUT", "sys/policies/acl/ci-read", { body: { policy } })).status, 204);
  const role = await s.request("PUT", "auth/jwt/role/deploy", {
    body: {
      role_type: "jwt",
      bound_audiences: ["https://github.com/acme"],
      bound_claims: { repository: "acme/app" },
      user_claim: "sub",
      groups_claim: "teams",
      claim_mappings: { repository: "repository", "/job/environment": "environment" },
      token_policies: ["ci-read"],
      token_ttl: "15m",
      token_max_ttl: "1h",
    },
  });
  assert.is(role.status, 204, role.text);
});
t.after(async ({ s, p }) => {
  await s.close();
  await p.close();
});

const login = (s: TestServer, jwt: string, role?: string) =>
  s.request("PUT", "auth/jwt/login", { token: null, body: role === undefined ? { jwt } : { role, jwt } });

t("config and role read back as Vault's", async ({ s, p }) => {
  const cfg = await s.request("GET", "auth/jwt/config");
  assert.is(cfg.body.data.oidc_discovery_url, p.url);
  assert.equal(cfg.body.data.jwt_supported_algs, ["RS256"]);
  const role = await s.request("GET", "auth/jwt/role/deploy");
  assert.equal(role.body.data.bound_audiences, ["https://github.com/acme"]);
  assert.is(role.body.data.token_ttl, 900);
  assert.equal((await s.request("GET", "auth/jwt/role?list=true")).body.data.keys, ["deploy"]);
});

t("a provider token logs in: policies, TTL, metadata, alias and groups as configured", async ({ s, p, k1 }) => {
  const r = await login(s, await sign(k1, ghClaims(p.url)));
  assert.is(r.status, 200, r.text);
  const auth = r.body.auth;
  assert.equal(auth.token_policies, ["ci-read", "default"]);
  assert.is(auth.lease_duration, 900);
  assert.equal(auth.metadata, { environment: "prod", repository: "acme/app", role: "deploy" });
  const self = await s.request("GET", "auth/token/lookup-self", { token: auth.client_token });
  assert.is(self.status, 200);
  assert.is(self.body.data.path, "auth/jwt/login");
  assert.is(self.body.data.display_name, "jwt-repo:acme/app:ref:refs/heads/main");
  const entity = await s.request("GET", `identity/entity/id/${auth.entity_id}`);
  assert.is(entity.status, 200, entity.text);
  const alias = entity.body.data.aliases[0];
  assert.is(alias.name, "repo:acme/app:ref:refs/heads/main");
  assert.is(alias.mount_type, "jwt");
  assert.equal(alias.metadata, { environment: "prod", groups: "red,blue", repository: "acme/app" });
  // The token renews while the role exists (Vault's renew re-check), and not after it is gone.
  assert.is((await s.request("PUT", "auth/token/renew-self", { token: auth.client_token })).status, 200);
  const saved = (await s.request("GET", "auth/jwt/role/deploy")).body.data;
  assert.is((await s.request("DELETE", "auth/jwt/role/deploy")).status, 204);
  const refused = await s.request("PUT", "auth/token/renew-self", { token: auth.client_token });
  assert.is(refused.status, 403, refused.text);
  assert.is((await s.request("PUT", "auth/jwt/role/deploy", { body: saved })).status, 204);
  assert.is((await s.request("PUT", "auth/token/renew-self", { token: auth.client_token })).status, 200);
});

t("every bad token of the issue is a 400 with Vault's message and no token", async ({ s, p, k1 }) => {
  const now = nowSec();
  const stranger = await makeKey("RS256", "gh-1"); // same kid, other key: a forgery
  const cases: Array<[string, string | Promise<string>, RegExp]> = [
    ["expired", sign(k1, ghClaims(p.url, { exp: now - 600, iat: now - 900, nbf: now - 900 })), /^error validating token: invalid expiration time \(exp\) claim: token is expired$/],
    ["not yet valid", sign(k1, ghClaims(p.url, { nbf: now + 900, exp: now + 1200 })), /token not yet valid/],
    ["wrong issuer", sign(k1, ghClaims("https://token.actions.githubusercontent.com")), /^error validating token: invalid issuer \(iss\) claim$/],
    ["wrong audience", sign(k1, ghClaims(p.url, { aud: "sts.amazonaws.com" })), /^aud claim does not match any bound audience$/],
    ["alg none", algNoneToken(ghClaims(p.url), "gh-1"), /unsupported signing algorithm "none"/],
    ["HS256 with the PEM", hs256WithPublicKey(k1.publicPem, ghClaims(p.url), "gh-1"), /unsupported signing algorithm "HS256"/],
    ["HS256 with the JWK", hs256WithPublicKey(JSON.stringify(k1.publicJwk), ghClaims(p.url), "gh-1"), /unsupported signing algorithm "HS256"/],
    ["forged with another key", sign(stranger, ghClaims(p.url)), /^error validating token: failed to verify signature$/],
    ["no exp", sign(k1, { ...ghClaims(p.url), exp: undefined }), /exp is required/],
    ["oversized", `${"a".repeat(17000)}.b.c`, /larger than 16384 bytes/],
    ["malformed", "not.a-jwt", /malformed token/],
    ["garbage header", "eyJhbGciOi.eyJzdWIiOiJ4In0.c2ln", /malformed token/],
    ["bound claim mismatch", sign(k1, ghClaims(p.url, { repository: "acme/evil" })), /^error validating claims: claim "repository" does not match any associated bound claim values$/],
  ];
  for (const [name, jwt, re] of cases) {
    const r = await login(s, await jwt);
    assert.is(r.status, 400, `${name}: ${r.text}`);
    assert.match(r.body.errors[0], re, name);
    assert.is(r.body.auth, undefined, name);
  }
  const noBoundAud = await s.request("PUT", "auth/jwt/role/noaud", { body: { bound_subject: "repo:acme/app:ref:refs/heads/main" } });
  assert.is(noBoundAud.status, 204);
  const r = await login(s, await sign(k1, ghClaims(p.url)), "noaud");
  assert.is(r.status, 400);
  assert.is(r.body.errors[0], "audience claim found in JWT but no audiences bound to the role");
  const unknownRole = await login(s, await sign(k1, ghClaims(p.url)), "ghost");
  assert.is(unknownRole.status, 400);
  assert.is(unknownRole.body.errors[0], 'role "ghost" could not be found');
});

t("unknown kid: one refetch, then refused; a burst of made-up kids costs no more fetches", async ({ s, p }) => {
  pastCooldown(s);
  const before = p.hits.jwks;
  const unpublished = await makeKey("RS256", "not-published");
  const r = await login(s, await sign(unpublished, ghClaims(p.url)));
  assert.is(r.status, 400, r.text);
  assert.is(r.body.errors[0], 'error validating token: no key found for kid "not-published"');
  assert.is(p.hits.jwks, before + 1, "exactly one refetch");
  const burst = await Promise.all(Array.from({ length: 30 }, async (_, i) => login(s, await sign(unpublished, ghClaims(p.url), { kid: `made-up-${i}` }))));
  assert.ok(burst.every((b) => b.status === 400));
  assert.is(p.hits.jwks, before + 1, "rate limited");
});

t("key rotation at the provider: the new kid is picked up by one refetch; the retired key stops working", async ({ s, p, k1 }) => {
  const k2 = await makeKey("RS256", "gh-2");
  p.published = [k2];
  pastCooldown(s);
  const before = p.hits.jwks;
  const r = await login(s, await sign(k2, ghClaims(p.url)));
  assert.is(r.status, 200, r.text);
  assert.is(p.hits.jwks, before + 1);
  const again = await login(s, await sign(k2, ghClaims(p.url)));
  assert.is(again.status, 200);
  assert.is(p.hits.jwks, before + 1, "served from the cache");
  const old = await login(s, await sign(k1, ghClaims(p.url)));
  assert.is(old.status, 400, "k1 is no longer in the provider's JWKS");
  p.published = [k1, k2];
  pastCooldown(s);
});

t("bound_claims: string, glob, list (any element) and JSON pointer keys", async ({ s, p, k1 }) => {
  const put = (name: string, body: Record<string, unknown>) => s.request("PUT", `auth/jwt/role/${name}`, { body: { bound_audiences: "https://github.com/acme", ...body } });
  assert.is((await put("glob", { bound_claims_type: "glob", bound_claims: { sub: "repo:acme/*:ref:refs/heads/*" } })).status, 204);
  assert.is((await put("list", { bound_claims: { ref: ["refs/heads/main", "refs/heads/release"] } })).status, 204);
  assert.is((await put("pointer", { bound_claims: { "/job/environment": "prod", "/job/runner/labels": "x64" } })).status, 204);
  assert.is((await put("exact", { bound_claims: { sub: "repo:acme/*:ref:refs/heads/*" } })).status, 204);
  const tok = (extra: Record<string, unknown> = {}) => sign(k1, ghClaims(p.url, extra));
  assert.is((await login(s, await tok(), "glob")).status, 200);
  assert.is((await login(s, await tok({ sub: "repo:other/app:ref:refs/heads/main" }), "glob")).status, 400);
  assert.is((await login(s, await tok(), "exact")).status, 400, "string type: * is literal");
  assert.is((await login(s, await tok({ ref: "refs/heads/release" }), "list")).status, 200);
  assert.is((await login(s, await tok({ ref: "refs/heads/dev" }), "list")).status, 400);
  assert.is((await login(s, await tok(), "pointer")).status, 200, "list claim (labels) matches any element");
  const r = await login(s, await tok({ job: { environment: "staging", runner: { labels: ["x64"] } } }), "pointer");
  assert.is(r.status, 400);
  assert.is(r.body.errors[0], 'error validating claims: claim "/job/environment" does not match any associated bound claim values');
});

t("default_role applies when the login names none", async ({ s, p, k1 }) => {
  const r = await login(s, await sign(k1, ghClaims(p.url)));
  assert.is(r.status, 200, r.text);
  assert.is(r.body.auth.metadata.role, "deploy");
});

t("CLI: warden login -method=jwt role=... jwt=@file logs in against the real server", async ({ s, p, k1 }) => {
  const home = freshHome();
  const file = join(home, "token");
  writeFileSync(file, `${await sign(k1, ghClaims(p.url))}\n`);
  const r = await runCli(["login", "-method=jwt", "role=deploy", `jwt=@${file}`], { env: { WARDEN_ADDR: s.url }, home });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /token_policies\s+\["ci-read" "default"\]|ci-read/);
  const bad = await runCli(["login", "-method=jwt", "role=deploy", "jwt=not.a-jwt"], { env: { WARDEN_ADDR: s.url }, home: freshHome() });
  assert.ok(bad.code !== 0, bad.stderr);
  assert.match(bad.stderr, /malformed token/);
  const usage = await runCli(["login", "-method=jwt", "role=deploy"], { env: { WARDEN_ADDR: s.url } });
  assert.match(usage.stderr, /jwt is required/);
});

t("no token, signature or key material appears in the server's logs", async ({ s, p, k1 }) => {
  const jwt = await sign(k1, ghClaims(p.url, { exp: nowSec() - 1000 }));
  await login(s, jwt);
  const logs = s.logs.join("\n");
  assert.not.ok(logs.includes(jwt.split(".")[2]!), "no signature in logs");
  assert.not.ok(logs.includes(jwt), "no token in logs");
});

t.run();

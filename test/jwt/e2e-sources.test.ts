// The jwt method's key sources over real HTTP: jwks_url and jwt_validation_pubkeys mounts, and the
// outbound-fetch rules (redirects refused, a slow JWKS bounded by the timeout, at config time and
// during a login's refetch).
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { fetchLimits } from "../../plugins/jwt/key-source.js";
import { builtinPlugins } from "../../plugins/index.js";
import { createJwtPlugin } from "../../plugins/jwt/backend.js";
import { startProvider, type TestProvider } from "../../plugins/jwt/test-provider.js";
import { claimsFor, makeKey, sign, type TestKey } from "../../plugins/jwt/test-support.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

interface Ctx {
  s: TestServer;
  p: TestProvider;
  rsa: TestKey;
  ec: TestKey;
  ed: TestKey;
}

const ISS = "https://kubernetes.default.svc.cluster.local";
const t = suite<Ctx>("jwt key sources end to end");
// The mounts' key caches read the server's clock: the tests move it past the (long) refetch cooldown
// instead of sleeping through it.
const COOLDOWN_MS = 60_000;
const pastCooldown = (s: TestServer): void => s.clock.advance(COOLDOWN_MS + 1);
// A slow provider answers far later than the fetch timeout: a request cut by the timeout ends long before.
const SLOW_PROVIDER_MS = 30_000;
const CUT_BEFORE_MS = 20_000;

const saSub = "system:serviceaccount:ci:builder";
const k8sClaims = (extra: Record<string, unknown> = {}) =>
  claimsFor(ISS, { sub: saSub, aud: ["https://kubernetes.default.svc"], "kubernetes.io": { namespace: "ci", serviceaccount: { name: "builder" } }, ...extra });

t.before(async (ctx) => {
  fetchLimits.timeoutMs = 1200;
  ctx.rsa = await makeKey("RS256", "sa-1");
  ctx.ec = await makeKey("ES256");
  ctx.ed = await makeKey("EdDSA");
  ctx.p = await startProvider([ctx.rsa]);
  ctx.s = await startTestServer({ plugins: [...builtinPlugins.filter((p) => p.type !== "jwt"), createJwtPlugin({ keys: { refetchCooldownMs: COOLDOWN_MS } })] });
  for (const path of ["k8s", "pem", "disc"]) {
    assert.is((await ctx.s.request("POST", `sys/auth/${path}`, { body: { type: "jwt" } })).status, 204);
  }
});
t.after(async ({ s, p }) => {
  await s.close();
  await p.close();
});

const role = {
  bound_audiences: "https://kubernetes.default.svc",
  bound_claims: { "/kubernetes.io/namespace": "ci" },
  claim_mappings: { "/kubernetes.io/serviceaccount/name": "service_account_name" },
  token_policies: "builder",
  token_ttl: 120,
};

t("jwks_url with bound_issuer: Kubernetes service-account style tokens log in", async ({ s, p, rsa }) => {
  const cfg = await s.request("PUT", "auth/k8s/config", { body: { jwks_url: p.jwksUrl, bound_issuer: ISS } });
  assert.is(cfg.status, 204, cfg.text);
  assert.is((await s.request("PUT", "auth/k8s/role/builder", { body: role })).status, 204);
  const r = await s.request("PUT", "auth/k8s/login", { token: null, body: { role: "builder", jwt: await sign(rsa, k8sClaims()) } });
  assert.is(r.status, 200, r.text);
  assert.is(r.body.auth.lease_duration, 120);
  assert.equal(r.body.auth.metadata, { role: "builder", service_account_name: "builder" });
  const other = await s.request("PUT", "auth/k8s/login", { token: null, body: { role: "builder", jwt: await sign(rsa, k8sClaims({ "kubernetes.io": { namespace: "kube-system" } })) } });
  assert.is(other.status, 400);
  assert.match(other.body.errors[0], /claim "\/kubernetes.io\/namespace" does not match/);
});

t("jwt_validation_pubkeys: ES256 and EdDSA keys from PEMs; a token by a key not listed is refused", async ({ s, rsa, ec, ed }) => {
  const cfg = await s.request("PUT", "auth/pem/config", { body: { jwt_validation_pubkeys: [ec.publicPem, ed.publicPem], jwt_supported_algs: ["ES256", "EdDSA"], bound_issuer: ISS } });
  assert.is(cfg.status, 204, cfg.text);
  assert.is((await s.request("PUT", "auth/pem/role/builder", { body: role })).status, 204);
  for (const key of [ec, ed]) {
    const r = await s.request("PUT", "auth/pem/login", { token: null, body: { role: "builder", jwt: await sign(key, k8sClaims()) } });
    assert.is(r.status, 200, `${key.alg}: ${r.text}`);
  }
  const rs = await s.request("PUT", "auth/pem/login", { token: null, body: { role: "builder", jwt: await sign(rsa, k8sClaims()) } });
  assert.is(rs.status, 400);
  assert.match(rs.body.errors[0], /unsupported signing algorithm "RS256"/);
  const read = await s.request("GET", "auth/pem/config");
  assert.equal(read.body.data.jwt_validation_pubkeys, [ec.publicPem, ed.publicPem]);
});

t("jwks_url over https with a private CA (jwks_ca_pem): the certificate is verified against it", async ({ s, rsa }) => {
  const tls = await startProvider([rsa], { tls: true });
  try {
    assert.is((await s.request("POST", "sys/auth/k8s-tls", { body: { type: "jwt" } })).status, 204);
    const untrusted = await s.request("PUT", "auth/k8s-tls/config", { body: { jwks_url: tls.jwksUrl, bound_issuer: ISS } });
    assert.is(untrusted.status, 400);
    assert.match(untrusted.body.errors[0], /fetching the JWKS failed: network: DEPTH_ZERO_SELF_SIGNED_CERT/);
    const cfg = await s.request("PUT", "auth/k8s-tls/config", { body: { jwks_url: tls.jwksUrl, jwks_ca_pem: tls.ca, bound_issuer: ISS } });
    assert.is(cfg.status, 204, cfg.text);
    assert.is((await s.request("PUT", "auth/k8s-tls/role/builder", { body: role })).status, 204);
    const r = await s.request("PUT", "auth/k8s-tls/login", { token: null, body: { role: "builder", jwt: await sign(rsa, k8sClaims()) } });
    assert.is(r.status, 200, r.text);
    assert.ok(tls.hits.jwks >= 1);
  } finally {
    await tls.close();
  }
});

t("a discovery document that redirects is refused at config time; nothing is stored", async ({ s, p }) => {
  p.faults = { discoveryRedirect: "http://169.254.169.254/latest/meta-data" };
  const r = await s.request("PUT", "auth/disc/config", { body: { oidc_discovery_url: p.url } });
  p.faults = {};
  assert.is(r.status, 400);
  assert.match(r.body.errors[0], /^error checking oidc discovery URL: .*redirects are not followed \(status 302\)/);
  assert.is((await s.request("GET", "auth/disc/config")).status, 404);
});

t("a slow JWKS times out within the bound at config time", async ({ s, p }) => {
  p.faults = { jwksDelayMs: SLOW_PROVIDER_MS };
  const started = Date.now();
  const r = await s.request("PUT", "auth/disc/config", { body: { oidc_discovery_url: p.url } });
  const took = Date.now() - started;
  p.faults = {};
  assert.is(r.status, 400, r.text);
  assert.match(r.body.errors[0], /fetching the JWKS failed: timeout/);
  assert.ok(took < CUT_BEFORE_MS, `took ${took} ms`);
});

t("a slow JWKS during a login's refetch is bounded too; cached keys keep working", async ({ s, p, rsa }) => {
  assert.is((await s.request("PUT", "auth/disc/config", { body: { oidc_discovery_url: p.url } })).status, 204);
  assert.is((await s.request("PUT", "auth/disc/role/builder", { body: role })).status, 204);
  pastCooldown(s);
  p.faults = { jwksDelayMs: SLOW_PROVIDER_MS };
  const unknown = await makeKey("RS256", "sa-rotated");
  const started = Date.now();
  const r = await s.request("PUT", "auth/disc/login", { token: null, body: { role: "builder", jwt: await sign(unknown, k8sClaims({ iss: p.url })) } });
  const took = Date.now() - started;
  assert.is(r.status, 400, r.text);
  assert.match(r.body.errors[0], /no key found for kid "sa-rotated"/);
  assert.ok(took < CUT_BEFORE_MS, `took ${took} ms`);
  const ok = await s.request("PUT", "auth/disc/login", { token: null, body: { role: "builder", jwt: await sign(rsa, k8sClaims({ iss: p.url })) } });
  assert.is(ok.status, 200, ok.text);
  p.faults = {};
});

t.run();

import { generateKeyPairSync } from "node:crypto";
import { suite } from "warden/sdk/testing";
import * as assert from "uvu/assert";
import type { HandlerResult } from "warden/sdk";
import { fetchLimits } from "./key-source.js";
import { configuredEndpoints } from "./path-config.js";
import { harness, makeKey, type TestKey } from "./test-support.js";
import { startProvider, type TestProvider } from "./test-provider.js";
import { assertRejects } from "warden/sdk/testing";

interface Ctx {
  p: TestProvider;
  key: TestKey;
}

const t = suite<Ctx>("jwt config");

t.before(async (ctx) => {
  ctx.key = await makeKey("RS256");
  ctx.p = await startProvider([ctx.key]);
});
t.after(async ({ p }) => p.close());
t.before.each(({ p }) => {
  p.faults = {};
});

t("exactly one key source", async ({ p, key }) => {
  const h = harness();
  const msg = /^exactly one of 'oidc_discovery_url', 'jwks_url', or 'jwt_validation_pubkeys' must be set$/;
  await assertRejects(h.call(h.configPath, "update", {}), 400, msg);
  await assertRejects(h.call(h.configPath, "update", { bound_issuer: "x" }), 400, msg);
  await assertRejects(h.call(h.configPath, "update", { oidc_discovery_url: p.url, jwks_url: p.jwksUrl }), 400, msg);
  await assertRejects(h.call(h.configPath, "update", { jwks_url: p.jwksUrl, jwt_validation_pubkeys: [key.publicPem] }), 400, msg);
  assert.is(await h.storage.get("config"), undefined, "nothing stored");
});

t("algorithms: RS256 by default; none and HS* refused with a clear message; unknown refused", async ({ key }) => {
  const h = harness();
  await h.call(h.configPath, "update", { jwt_validation_pubkeys: key.publicPem });
  const read = (await h.call(h.configPath, "read", {})) as HandlerResult;
  assert.equal(read.data!.jwt_supported_algs, ["RS256"]);
  await assertRejects(h.call(h.configPath, "update", { jwt_validation_pubkeys: key.publicPem, jwt_supported_algs: "RS256,none" }), 400, /"none" is not allowed/);
  await assertRejects(h.call(h.configPath, "update", { jwt_validation_pubkeys: key.publicPem, jwt_supported_algs: ["HS256"] }), 400, /HS256 is not allowed: HMAC/);
  await assertRejects(h.call(h.configPath, "update", { jwt_validation_pubkeys: key.publicPem, jwt_supported_algs: "RS1" }), 400, /unsupported algorithm "RS1"/);
  await h.call(h.configPath, "update", { jwt_validation_pubkeys: key.publicPem, jwt_supported_algs: "ES256, EdDSA, ES256" });
  assert.equal(((await h.call(h.configPath, "read", {})) as HandlerResult).data!.jwt_supported_algs, ["ES256", "EdDSA"]);
});

t("jwt_validation_pubkeys: PEM public keys and certificates only; a private key is refused and not stored", async ({ key }) => {
  const h = harness();
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  await assertRejects(h.call(h.configPath, "update", { jwt_validation_pubkeys: [pkcs8] }), 400, /is a private key/);
  await assertRejects(h.call(h.configPath, "update", { jwt_validation_pubkeys: ["-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"] }), 400, /error parsing public key/);
  assert.is(await h.storage.get("config"), undefined);
  const { publicKey } = generateKeyPairSync("x25519");
  await assertRejects(h.call(h.configPath, "update", { jwt_validation_pubkeys: [publicKey.export({ type: "spki", format: "pem" }).toString()] }), 400, /unsupported key type/);
  await h.call(h.configPath, "update", { jwt_validation_pubkeys: [key.publicPem], bound_issuer: "https://iss", default_role: "Dev" });
  const read = ((await h.call(h.configPath, "read", {})) as HandlerResult).data!;
  assert.equal(read.jwt_validation_pubkeys, [key.publicPem]);
  assert.is(read.bound_issuer, "https://iss");
  assert.is(read.default_role, "dev");
  assert.is(read.jwks_url, "");
});

t("private CAs: jwks_ca_pem / oidc_discovery_ca_pem trust a provider the system store does not", async ({ key, p }) => {
  const tls = await startProvider([key], { tls: true });
  try {
    const h = harness();
    // Without the CA the certificate is not trusted: verification is never skipped.
    await assertRejects(h.call(h.configPath, "update", { jwks_url: tls.jwksUrl }), 400, /^error checking jwks URL: fetching the JWKS failed: network: DEPTH_ZERO_SELF_SIGNED_CERT$/);
    await h.call(h.configPath, "update", { jwks_url: tls.jwksUrl, jwks_ca_pem: tls.ca });
    const read = ((await h.call(h.configPath, "read", {})) as HandlerResult).data!;
    assert.is(read.jwks_ca_pem, tls.ca);
    await assertRejects(h.call(h.configPath, "update", { oidc_discovery_url: tls.url }), 400, /fetching the discovery document failed/);
    await h.call(h.configPath, "update", { oidc_discovery_url: tls.url, oidc_discovery_ca_pem: tls.ca });
    assert.is(h.keys.fetches, 1, "discovery and its JWKS fetched with the discovery CA");
    // Another provider's certificate does not vouch for this one.
    const other = await startProvider([key], { tls: true });
    await assertRejects(h.call(h.configPath, "update", { jwks_url: tls.jwksUrl, jwks_ca_pem: other.ca }), 400, /fetching the JWKS failed: network: /);
    await other.close();
  } finally {
    await tls.close();
  }
  const h = harness();
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  await assertRejects(h.call(h.configPath, "update", { jwks_url: p.jwksUrl, jwks_ca_pem: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----" }), 400, /jwks_ca_pem holds a certificate that cannot be parsed/);
  await assertRejects(h.call(h.configPath, "update", { jwks_url: p.jwksUrl, jwks_ca_pem: "hello" }), 400, /jwks_ca_pem is not a PEM certificate/);
  await assertRejects(h.call(h.configPath, "update", { jwks_url: p.jwksUrl, jwks_ca_pem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() }), 400, /certificates only/);
  await assertRejects(h.call(h.configPath, "update", { oidc_discovery_url: p.url, jwks_ca_pem: "x" }), 400, /jwks_ca_pem can only be set with jwks_url/);
  await assertRejects(h.call(h.configPath, "update", { jwks_url: p.jwksUrl, oidc_discovery_ca_pem: "x" }), 400, /oidc_discovery_ca_pem can only be set with oidc_discovery_url/);
});

t("discovery: fetched once at write; issuer must match; redirects, errors and bad JSON are 400s", async ({ p }) => {
  const h = harness();
  await h.call(h.configPath, "update", { oidc_discovery_url: `${p.url}/` });
  assert.is(h.keys.fetches, 1, "keys fetched (and cached) at write time");
  const hits = { ...p.hits };
  p.faults.discoveryIssuer = "https://someone-else.example";
  await assertRejects(h.call(h.configPath, "update", { oidc_discovery_url: p.url }), 400, /^error checking oidc discovery URL: issuer did not match/);
  p.faults = { discoveryRedirect: `${p.url}/.well-known/openid-configuration` };
  await assertRejects(h.call(h.configPath, "update", { oidc_discovery_url: p.url }), 400, /redirects are not followed \(status 302\)/);
  p.faults = { jwksStatus: 500 };
  await assertRejects(h.call(h.configPath, "update", { oidc_discovery_url: p.url }), 400, /fetching the JWKS failed: status 500/);
  p.faults = { jwksBody: "not json" };
  await assertRejects(h.call(h.configPath, "update", { oidc_discovery_url: p.url }), 400, /the JWKS is not valid JSON/);
  p.faults = { jwksBody: JSON.stringify({ keys: "nope" }) };
  await assertRejects(h.call(h.configPath, "update", { oidc_discovery_url: p.url }), 400, /has no "keys" list/);
  assert.is(p.hits.discovery, hits.discovery + 5);
  await assertRejects(h.call(h.configPath, "update", { oidc_discovery_url: "ftp://x" }), 400, /must be an http\(s\) URL/);
  await assertRejects(h.call(h.configPath, "update", { oidc_discovery_url: "http://u:p@127.0.0.1:1" }), 400, /credentials/);
  await assertRejects(h.call(h.configPath, "update", { oidc_discovery_url: "http://127.0.0.1:1" }), 400, /error checking oidc discovery URL: fetching the discovery document failed/);
});

t("jwks_url: a redirect, an oversized body and a slow answer are refused within the timeout", async ({ p }) => {
  const h = harness();
  p.faults = { jwksRedirect: "http://169.254.169.254/latest" };
  await assertRejects(h.call(h.configPath, "update", { jwks_url: p.jwksUrl }), 400, /^error checking jwks URL: .*redirects are not followed/);
  p.faults = { jwksBody: JSON.stringify({ keys: [], pad: "x".repeat(300 * 1024) }) };
  await assertRejects(h.call(h.configPath, "update", { jwks_url: p.jwksUrl }), 400, /fetching the JWKS failed: response too large/);
  const saved = fetchLimits.timeoutMs;
  fetchLimits.timeoutMs = 300;
  p.faults = { jwksDelayMs: 3000 };
  const started = Date.now();
  try {
    await assertRejects(h.call(h.configPath, "update", { jwks_url: p.jwksUrl }), 400, /fetching the JWKS failed: timeout/);
  } finally {
    fetchLimits.timeoutMs = saved;
  }
  assert.ok(Date.now() - started < 1500, "bounded by the timeout");
  p.faults = {};
  await h.call(h.configPath, "update", { jwks_url: p.jwksUrl });
  assert.is(((await h.call(h.configPath, "read", {})) as HandlerResult).data!.jwks_url, p.jwksUrl);
});

t("a JWKS keeps only public signing members: oct keys, enc keys and private parts are dropped", async ({ p, key }) => {
  const h = harness();
  p.faults = {
    jwksBody: JSON.stringify({
      keys: [
        { kty: "oct", k: "c2VjcmV0", kid: "hmac" },
        { ...key.publicJwk, kid: "enc", use: "enc" },
        { ...key.publicJwk, kid: "leaky", d: "private-exponent", p: "x", q: "y" },
      ],
    }),
  };
  await h.call(h.configPath, "update", { jwks_url: p.jwksUrl });
  // Only "leaky" survives, stripped; nothing private reaches storage (keys are never stored anyway).
  assert.not.match(JSON.stringify([...h.storage.data.values()]), /private-exponent/);
});

t("under a per-mount allow-list of the config's endpoints: the write validates, logins refetch, nothing else is reachable", async ({ key }) => {
  // The discovery document points at a JWKS on another origin (as Google's does): allowed because
  // the discovery announced it; the pending entry is gone after the write.
  const keysHost = await startProvider([key]);
  const idp = await startProvider([]);
  const refused: string[] = [];
  const h = harness({
    allowOrigin: async (origin, storage) => {
      const ok = (await configuredEndpoints(storage)).some((u) => new URL(u).origin === origin);
      if (!ok) refused.push(origin);
      return ok;
    },
  });
  try {
    const realJwks = idp.jwksUrl;
    idp.jwksUrl = keysHost.jwksUrl; // announced in idp's discovery document
    await h.call(h.configPath, "update", { oidc_discovery_url: idp.url });
    assert.equal(refused, []);
    assert.is(await h.storage.get("config-pending"), undefined);
    const stored = (await h.storage.get<Record<string, string>>("config"))!;
    assert.is(stored.discovered_jwks_uri, keysHost.jwksUrl);
    assert.is(stored.discovered_issuer, idp.url);
    assert.equal(await configuredEndpoints(h.storage), [idp.url, keysHost.jwksUrl]);
    // A fresh cache (restart, another node) needs no discovery fetch: the stored jwks_uri is used.
    h.keys.forget();
    const before = idp.hits.discovery;
    const found = await h.keys.candidates(h.http, h.log, stored, { alg: "RS256", kid: key.kid });
    assert.is(found.keys.length, 1);
    assert.is(found.discoveredIssuer, idp.url);
    assert.is(idp.hits.discovery, before);
    // A failed write leaves neither a pending entry nor a changed config.
    await assertRejects(h.call(h.configPath, "update", { jwks_url: "http://127.0.0.1:1/keys" }), 400, /error checking jwks URL/);
    assert.is(await h.storage.get("config-pending"), undefined);
    assert.is((await h.storage.get<Record<string, string>>("config"))!.oidc_discovery_url, idp.url);
    idp.jwksUrl = realJwks;
  } finally {
    await keysHost.close();
    await idp.close();
  }
});

t.run();

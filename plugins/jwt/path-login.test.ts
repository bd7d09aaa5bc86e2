import { suite } from "warden/sdk/testing";
import * as assert from "uvu/assert";
import type { HandlerResult } from "warden/sdk";
import { renewJwt } from "./backend.js";
import { rolePath } from "./path-role.js";
import { algNoneToken, claimsFor, harness, hs256WithPublicKey, makeKey, nowSec, sign, type Harness, type TestKey } from "./test-support.js";
import { assertRejects } from "warden/sdk/testing";

const ISS = "https://token.actions.githubusercontent.com";

interface Ctx {
  h: Harness;
  rsa: TestKey;
  ec: TestKey;
  ed: TestKey;
  stranger: TestKey;
}

const t = suite<Ctx>("jwt login (handler level, static keys)");

t.before(async (ctx) => {
  ctx.rsa = await makeKey("RS256");
  ctx.ec = await makeKey("ES256");
  ctx.ed = await makeKey("EdDSA");
  ctx.stranger = await makeKey("RS256");
});

t.before.each(async (ctx) => {
  ctx.h = harness();
  await ctx.h.call(ctx.h.configPath, "update", {
    jwt_validation_pubkeys: [ctx.rsa.publicPem, ctx.ec.publicPem, ctx.ed.publicPem],
    jwt_supported_algs: "RS256,ES256,EdDSA",
    bound_issuer: ISS,
  });
  await ctx.h.call(rolePath, "create", {
    role: "ci",
    bound_audiences: "warden",
    bound_claims: { repository: "acme/app" },
    claim_mappings: { repository: "repo", "/job/workflow": "workflow" },
    groups_claim: "teams",
    token_policies: "deploy",
    token_ttl: "10m",
  });
});

const ghClaims = (extra: Record<string, unknown> = {}) =>
  claimsFor(ISS, { repository: "acme/app", job: { workflow: "release" }, teams: ["red", "blue"], ...extra });

const login = (h: Harness, jwt: string, role: string | null = "ci") => h.call(h.loginPath, "update", role === null ? { jwt } : { role, jwt });

t("RS256, ES256 and EdDSA tokens log in; alias, metadata, groups and token params come back", async ({ h, rsa, ec, ed }) => {
  for (const key of [rsa, ec, ed]) {
    const r = (await login(h, await sign(key, ghClaims(), { kid: null }))) as HandlerResult;
    assert.is(r.auth!.alias.name, "repo:acme/app:ref:refs/heads/main", key.alg);
    assert.equal(r.auth!.alias.metadata, { repo: "acme/app", workflow: "release", groups: "red,blue" });
    assert.equal(r.auth!.metadata, { repo: "acme/app", workflow: "release", role: "ci" });
    assert.equal(r.auth!.token.policies, ["deploy"]);
    assert.is(r.auth!.token.ttl, 600);
    assert.equal(r.auth!.internal, { role: "ci" });
  }
});

t("a token signed by a key that is not configured is refused", async ({ h, stranger }) => {
  await assertRejects(login(h, await sign(stranger, ghClaims())), 400, /^error validating token: failed to verify signature$/);
});

t("alg none and HS256 keyed with the public key are refused before any key is tried", async ({ h, rsa }) => {
  await assertRejects(login(h, algNoneToken(ghClaims())), 400, /unsupported signing algorithm "none"/);
  await assertRejects(login(h, hs256WithPublicKey(rsa.publicPem, ghClaims())), 400, /unsupported signing algorithm "HS256"/);
});

t("an allowed alg on a key of another type does not verify (ES256 header, only RSA fits nothing)", async ({ h, rsa }) => {
  // A token claiming ES256 but signed by the RSA key cannot be produced by jose; forge the header instead.
  const good = await sign(rsa, ghClaims());
  const [, payload, sig] = good.split(".");
  const forged = `${Buffer.from(JSON.stringify({ alg: "ES256" })).toString("base64url")}.${payload}.${sig}`;
  await assertRejects(login(h, forged), 400, /failed to verify signature/);
});

t("time claims: expired, not yet valid, issued in the future, exp missing; leeways honoured", async ({ h, rsa }) => {
  const now = nowSec();
  await assertRejects(login(h, await sign(rsa, ghClaims({ exp: now - 211 }))), 400, /token is expired/);
  assert.ok(await login(h, await sign(rsa, ghClaims({ exp: now - 200 }))), "150s expiration leeway + 60s skew");
  await assertRejects(login(h, await sign(rsa, ghClaims({ nbf: now + 300 }))), 400, /token not yet valid/);
  assert.ok(await login(h, await sign(rsa, ghClaims({ nbf: now + 200 }))), "150s nbf leeway + 60s skew");
  await assertRejects(login(h, await sign(rsa, ghClaims({ iat: now + 120 }))), 400, /issued in the future/);
  const noExp = ghClaims();
  delete noExp.exp;
  await assertRejects(login(h, await sign(rsa, noExp)), 400, /exp is required/);
  await assertRejects(login(h, await sign(rsa, ghClaims({ exp: "tomorrow" }))), 400, /invalid exp claim: not a number/);
  // -1 disables every leeway: a token one second past exp is refused.
  await h.call(rolePath, "update", { role: "ci", clock_skew_leeway: -1, expiration_leeway: "-1", not_before_leeway: -1 });
  await assertRejects(login(h, await sign(rsa, ghClaims({ exp: now - 2 }))), 400, /token is expired/);
});

t("max_jwt_lifetime bounds how far in the future exp may be", async ({ h, rsa }) => {
  assert.ok(await login(h, await sign(rsa, ghClaims({ exp: nowSec() + 86400 * 365 }))), "no bound by default (Vault)");
  await h.call(rolePath, "update", { role: "ci", max_jwt_lifetime: "1h" });
  await assertRejects(login(h, await sign(rsa, ghClaims({ exp: nowSec() + 7200 }))), 400, /max_jwt_lifetime/);
  assert.ok(await login(h, await sign(rsa, ghClaims({ exp: nowSec() + 3000 }))));
});

t("issuer, audience and subject rules (Vault's messages)", async ({ h, rsa }) => {
  await assertRejects(login(h, await sign(rsa, ghClaims({ iss: "https://evil.example" }))), 400, /^error validating token: invalid issuer \(iss\) claim$/);
  await assertRejects(login(h, await sign(rsa, ghClaims({ aud: "someone-else" }))), 400, /^aud claim does not match any bound audience$/);
  const noAud = ghClaims();
  delete noAud.aud;
  await assertRejects(login(h, await sign(rsa, noAud)), 400, /aud claim does not match any bound audience/);
  assert.ok(await login(h, await sign(rsa, ghClaims({ aud: ["x", "warden"] }))), "any bound audience in an aud list");

  await h.call(rolePath, "create", { role: "noaud", bound_subject: "svc", user_claim: "sub" });
  await assertRejects(login(h, await sign(rsa, ghClaims({ sub: "svc" })), "noaud"), 400, /^audience claim found in JWT but no audiences bound to the role$/);
  assert.ok(await login(h, await sign(rsa, { ...noAud, sub: "svc" }), "noaud"));
  await assertRejects(login(h, await sign(rsa, { ...noAud, sub: "other" }), "noaud"), 400, /invalid subject \(sub\) claim/);
});

t("bound claims, user claim and groups claim failures are 400s with Vault's messages", async ({ h, rsa }) => {
  await assertRejects(login(h, await sign(rsa, ghClaims({ repository: "acme/other" }))), 400, /^error validating claims: claim "repository" does not match/);
  const noRepo = ghClaims();
  delete noRepo.repository;
  await assertRejects(login(h, await sign(rsa, noRepo)), 400, /claim "repository" is missing/);
  const noSub = ghClaims();
  delete noSub.sub;
  await assertRejects(login(h, await sign(rsa, noSub)), 400, /^claim "sub" not found in token$/);
  await assertRejects(login(h, await sign(rsa, ghClaims({ sub: { a: 1 } }))), 400, /could not be converted to string/);
  await assertRejects(login(h, await sign(rsa, ghClaims({ teams: { a: 1 } }))), 400, /"teams" claim could not be converted to string list/);
  const noTeams = ghClaims();
  delete noTeams.teams;
  await assertRejects(login(h, await sign(rsa, noTeams)), 400, /"teams" claim not found in token/);
  await assertRejects(login(h, await sign(rsa, ghClaims({ job: { workflow: ["a"] } }))), 400, /error converting claim '\/job\/workflow' to string/);
});

t("role selection: default_role, unknown role, missing role, oversized and malformed tokens", async ({ h, rsa }) => {
  const jwt = await sign(rsa, ghClaims());
  await assertRejects(login(h, jwt, null), 400, /^missing role$/);
  await assertRejects(login(h, jwt, "nope"), 400, /^role "nope" could not be found$/);
  await assertRejects(login(h, jwt, "../ci"), 400, /could not be found/);
  await assertRejects(h.call(h.loginPath, "update", { role: "ci" }), 400, /^missing token$/);
  await assertRejects(login(h, "x".repeat(16 * 1024 + 1)), 400, /larger than 16384 bytes/);
  for (const bad of ["abc", "a.b", "a.b.c.d", "e30.e30.!!", "bm90IGpzb24.e30.c2ln", "W10.e30.c2ln", "eyJ0eXAiOiJKV1QifQ.e30.c2ln"]) {
    await assertRejects(login(h, bad), 400, /^error validating token: malformed token/);
  }
  const cfg = await h.storage.get<Record<string, unknown>>("config");
  await h.storage.put("config", { ...cfg, default_role: "ci" });
  assert.ok(await login(h, jwt, null), "default_role used when the login names none");
  assert.ok(await login(h, jwt, "CI"), "role names are case-insensitive");
});

t("a non-object payload and a tampered signature are refused", async ({ h, rsa }) => {
  const good = await sign(rsa, ghClaims());
  const [head, payload] = good.split(".");
  await assertRejects(login(h, `${head}.${payload}.${"A".repeat(342)}`), 400, /failed to verify signature/);
  const tampered = `${head}.${Buffer.from(JSON.stringify(ghClaims({ repository: "acme/app", sub: "admin" }))).toString("base64url")}.${good.split(".")[2]}`;
  await assertRejects(login(h, tampered), 400, /failed to verify signature/);
});

t("bound CIDRs refuse other addresses with 403, and an unknown address fails closed", async ({ h, rsa }) => {
  await h.call(rolePath, "update", { role: "ci", token_bound_cidrs: "10.0.0.0/8" });
  const jwt = await sign(rsa, ghClaims());
  await assertRejects(login(h, jwt), 403, /permission denied/);
  h.clientAddress = undefined;
  await assertRejects(login(h, jwt), 403, /permission denied/);
  h.clientAddress = "10.1.2.3";
  assert.ok(await login(h, jwt));
});

t("without config the login is a 400, not a 500", async ({ rsa }) => {
  const bare = harness();
  await assertRejects(bare.call(bare.loginPath, "update", { role: "ci", jwt: await sign(rsa, ghClaims()) }), 400, /could not load configuration/);
});

t("renew: the role's current TTLs while it exists, refused once it is deleted", async ({ h }) => {
  const base = { metadata: {}, alias: "x", policies: [], storage: h.storage, mount: { path: "auth/jwt/", type: "jwt", accessor: h.accessor }, clientAddress: "127.0.0.1", log: h.log };
  assert.equal(await renewJwt({ ...base, internal: { role: "ci" } }), { ttl: 600, maxTtl: 0, period: 0 });
  await h.call(rolePath, "delete", { role: "ci" });
  await assertRejects(renewJwt({ ...base, internal: { role: "ci" } }), 403, /role ci does not exist during renewal/);
  await assertRejects(renewJwt({ ...base, internal: {} }), 403, /does not exist during renewal/);
});

t.run();

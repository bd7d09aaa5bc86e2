// The useGrant story end to end over real HTTP: an instance logs in to warden with alicloud, reads an
// identity token, trades it at the STS emulator's AssumeRoleWithOIDC (which fetches discovery and JWKS
// from warden) for temporary credentials, and logs in to warden again as the assumed role. Then the
// emulator's refusals, and a warden-minted JWT logging in to warden's own jwt mount.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { builtinPlugins } from "../../plugins/index.js";
import { type StsEmulator, type StsIdentity, startStsEmulator } from "../../src/emulators/sts/server.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { baseParams, callGet, jsonBody, officiallySigned, type RawResponse } from "../emulators/sts-helpers.js";
import { ACCOUNT, alicloudLogin, assumeRoleWithOidc, b64url, decodeJwt, runner, setupAlicloud } from "./helpers.js";

const PROVIDER_ARN = `acs:ram::${ACCOUNT}:oidc-provider/warden`;
const ROLE_ARN = `acs:ram::${ACCOUNT}:role/warden-oidc`;
const ROLE_ID = "300055556666777788";

interface Ctx {
  s: TestServer;
  sts: StsEmulator;
  /** Added to the emulator's clock (expiry tests). */
  skewMs: number;
  token: string;
  entityId: string;
  issuer: string;
  stsLog: string[];
}

const t = suite<Ctx>("oidc end to end");

function stsError(r: RawResponse, status: number, code: string): void {
  assert.is(r.status, status, `${code}: ${r.body}`);
  const body = JSON.parse(r.body);
  assert.is(body.Code, code, r.body);
  assert.ok(body.RequestId && body.Message);
}

async function mint(ctx: Ctx, role = "alibaba"): Promise<string> {
  const r = await ctx.s.request("GET", `identity/oidc/token/${role}`, { token: ctx.token });
  assert.is(r.status, 200, r.text);
  return r.body.data.token;
}

const exchange = (ctx: Ctx, token: string, extra: Record<string, string | undefined> = {}) =>
  assumeRoleWithOidc(ctx.sts.url, { OIDCProviderArn: PROVIDER_ARN, RoleArn: ROLE_ARN, OIDCToken: token, RoleSessionName: "warden-ci", ...extra });

t.before(async (ctx) => {
  ctx.skewMs = 0;
  ctx.stsLog = [];
  ctx.s = await startTestServer();
  ctx.issuer = `${ctx.s.url}/v1/identity/oidc`;
  ctx.sts = await startStsEmulator({ identities: [runner], allowHttpIssuer: true, now: () => Date.now() + ctx.skewMs, log: (l) => ctx.stsLog.push(l) });
  const { s } = ctx;
  await setupAlicloud(s, ctx.sts.url);
  assert.is((await s.request("POST", "identity/oidc/key/alibaba", { body: { allowed_client_ids: "*", rotation_period: "1h", verification_ttl: "1h" } })).status, 204);
  const role = await s.request("POST", "identity/oidc/role/alibaba", {
    body: { key: "alibaba", ttl: "15m", client_id: "sts.aliyuncs.com", audience_as_array: true, jwt_type_header: true },
  });
  assert.is(role.status, 204, role.text);
  // The assumed role logs in to warden through a second alicloud role bound to it.
  assert.is((await s.request("PUT", "auth/alicloud/role/oidc-assumed", { body: { arn: ROLE_ARN, token_ttl: "10m" } })).status, 204);
  const login = await alicloudLogin(s, runner);
  ctx.token = login.token;
  ctx.entityId = login.entityId;
  ctx.sts.addOidcProvider({ arn: PROVIDER_ARN, issuerUrl: ctx.issuer, clientIds: ["sts.aliyuncs.com"], issuanceLimitTime: 1 });
  ctx.sts.addOidcRole({
    arn: ROLE_ARN,
    roleId: ROLE_ID,
    providerArn: PROVIDER_ARN,
    conditions: { "oidc:iss": [ctx.issuer], "oidc:aud": ["sts.aliyuncs.com"], "oidc:sub": [ctx.entityId] },
  });
});
t.after(async (ctx) => {
  await ctx.s.close();
  await ctx.sts.close();
});

t("the story: alicloud login -> identity token -> AssumeRoleWithOIDC -> temporary creds -> alicloud login as the assumed role", async (ctx) => {
  const token = await mint(ctx);
  const r = await exchange(ctx, token, { DurationSeconds: "900" });
  assert.is(r.status, 200, r.body);
  const body = JSON.parse(r.body);
  assert.equal(Object.keys(body).sort(), ["AssumedRoleUser", "Credentials", "OIDCTokenInfo", "RequestId"]);
  assert.is(body.AssumedRoleUser.Arn, `acs:ram::${ACCOUNT}:assumed-role/warden-oidc/warden-ci`);
  assert.is(body.AssumedRoleUser.AssumedRoleId, `${ROLE_ID}:warden-ci`);
  assert.is(body.OIDCTokenInfo.Subject, ctx.entityId);
  assert.is(body.OIDCTokenInfo.Issuer, ctx.issuer);
  assert.is(body.OIDCTokenInfo.ClientIds, "sts.aliyuncs.com");
  const creds = body.Credentials;
  assert.match(creds.AccessKeyId, /^STS\./);
  assert.ok(creds.AccessKeySecret.length >= 30 && creds.SecurityToken.length > 30);
  const ttl = Date.parse(creds.Expiration) - Date.now();
  assert.ok(ttl > 890_000 && ttl <= 900_000, `Expiration ${creds.Expiration}`);
  assert.match(creds.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  // The emulator itself now accepts the credentials for signed calls.
  const who: StsIdentity = { accessKeyId: creds.AccessKeyId, accessKeySecret: creds.AccessKeySecret, securityToken: creds.SecurityToken, accountId: ACCOUNT, kind: "AssumedRoleUser", roleName: "warden-oidc", roleId: ROLE_ID, sessionName: "warden-ci" };
  const gci = await callGet(ctx.sts.url, officiallySigned(baseParams(who), "GET", who.accessKeySecret));
  assert.is(gci.status, 200, gci.body);
  assert.is(jsonBody(gci).Arn, body.AssumedRoleUser.Arn);
  assert.is(jsonBody(gci).IdentityType, "AssumedRoleUser");

  // ... and so does warden's alicloud mount, as the assumed role: a different entity from the runner.
  const again = await alicloudLogin(ctx.s, who, "oidc-assumed");
  assert.ok(again.token);
  assert.is.not(again.entityId, ctx.entityId);
  const self = await ctx.s.request("GET", "auth/token/lookup-self", { token: again.token });
  assert.is(self.status, 200);
  assert.match(JSON.stringify(self.body.data.meta ?? self.body.data.metadata ?? {}), /warden-oidc/);
  // The emulator fetched warden's discovery document and JWKS over HTTP; its log never shows the token.
  assert.ok(ctx.stsLog.some((l) => l.includes("AssumeRoleWithOIDC") && l.includes("-> 200")), ctx.stsLog.join("\n"));
  assert.not.ok(ctx.stsLog.join("\n").includes(token.split(".")[2]!));
});

t("the answer is also available as XML, nested like Alibaba's", async (ctx) => {
  const r = await exchange(ctx, await mint(ctx), { Format: "XML" });
  assert.is(r.status, 200, r.body);
  assert.match(r.body, /^<\?xml version='1\.0' encoding='UTF-8'\?><AssumeRoleWithOIDCResponse><RequestId>[^<]+<\/RequestId><OIDCTokenInfo><Subject>/);
  assert.match(r.body, /<Credentials><SecurityToken>[^<]+<\/SecurityToken><Expiration>[^<]+<\/Expiration><AccessKeySecret>[^<]+<\/AccessKeySecret><AccessKeyId>STS\.[^<]+<\/AccessKeyId><\/Credentials>/);
});

t("temporary credentials stop working at their Expiration", async (ctx) => {
  const r = await exchange(ctx, await mint(ctx), { DurationSeconds: "900" });
  const c = JSON.parse(r.body).Credentials;
  const who: StsIdentity = { accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, securityToken: c.SecurityToken, accountId: ACCOUNT, kind: "AssumedRoleUser", roleName: "warden-oidc", roleId: ROLE_ID, sessionName: "warden-ci" };
  ctx.skewMs = 901_000;
  try {
    // Timestamp follows the emulator's clock so only the credential expiry can fail.
    const ts = new Date(Date.now() + ctx.skewMs).toISOString().replace(/\.\d{3}Z$/, "Z");
    const gci = await callGet(ctx.sts.url, officiallySigned(baseParams(who, { Timestamp: ts }), "GET", who.accessKeySecret));
    assert.is(gci.status, 400, gci.body);
    assert.is(jsonBody(gci).Code, "InvalidSecurityToken.Expired");
  } finally {
    ctx.skewMs = 0;
  }
});

t("refused: expired token, iat older than IssuanceLimitTime, not-yet-valid", async (ctx) => {
  const token = await mint(ctx);
  ctx.skewMs = 16 * 60_000; // past the 15m ttl
  try {
    stsError(await exchange(ctx, token), 401, "AuthenticationFail.OIDCToken.Expired");
  } finally {
    ctx.skewMs = 0;
  }
  // A long-lived role whose token outlives the provider's 1-hour IssuanceLimitTime.
  assert.is((await ctx.s.request("POST", "identity/oidc/key/long", { body: { allowed_client_ids: "*", rotation_period: "24h", verification_ttl: "24h" } })).status, 204);
  assert.is((await ctx.s.request("POST", "identity/oidc/role/long", { body: { key: "long", ttl: "3h", client_id: "sts.aliyuncs.com" } })).status, 204);
  const long = await mint(ctx, "long");
  assert.is((await exchange(ctx, long)).status, 200, "fresh, it is accepted");
  ctx.skewMs = 2 * 3600_000;
  try {
    const r = await exchange(ctx, long);
    stsError(r, 401, "AuthenticationFail.OIDCToken.Expired");
    assert.match(JSON.parse(r.body).Message, /IssuanceLimitTime/);
  } finally {
    ctx.skewMs = 0;
  }
  ctx.skewMs = -10 * 60_000; // the emulator's clock runs behind: iat/nbf are in its future
  try {
    stsError(await exchange(ctx, token), 401, "AuthenticationFail.OIDCToken.Invalid");
  } finally {
    ctx.skewMs = 0;
  }
});

t("refused: wrong audience, wrong issuer, trust conditions, unknown provider and role", async (ctx) => {
  // A role with a different client id: aud is not among the provider's ClientIds.
  assert.is((await ctx.s.request("POST", "identity/oidc/role/other-aud", { body: { key: "alibaba", ttl: "10m", audience_as_array: true } })).status, 204);
  stsError(await exchange(ctx, await mint(ctx, "other-aud")), 401, "AuthenticationFail.OIDCToken.AudienceNotMatch");

  const token = await mint(ctx);
  const otherIssuer = `acs:ram::${ACCOUNT}:oidc-provider/elsewhere`;
  ctx.sts.addOidcProvider({ arn: otherIssuer, issuerUrl: "https://issuer.example.com", clientIds: ["sts.aliyuncs.com"] });
  stsError(await exchange(ctx, token, { OIDCProviderArn: otherIssuer }), 401, "AuthenticationFail.OIDCToken.IssuerNotMatch");

  // The trust policy pins sub to the runner's entity: another entity's token is refused.
  const stranger = await ctx.s.request("POST", "identity/entity", { body: { name: "stranger" } });
  const pinned = `acs:ram::${ACCOUNT}:role/pinned`;
  ctx.sts.addOidcRole({ arn: pinned, roleId: "300099998888777766", providerArn: PROVIDER_ARN, conditions: { "oidc:iss": [ctx.issuer], "oidc:aud": ["sts.aliyuncs.com"], "oidc:sub": [stranger.body.data.id] } });
  stsError(await exchange(ctx, token, { RoleArn: pinned }), 401, "AuthenticationFail.NoPermission");
  const otherProviderRole = `acs:ram::${ACCOUNT}:role/other-provider`;
  ctx.sts.addOidcRole({ arn: otherProviderRole, roleId: "300099998888777755", providerArn: otherIssuer, conditions: { "oidc:iss": [ctx.issuer], "oidc:aud": ["sts.aliyuncs.com"] } });
  stsError(await exchange(ctx, token, { RoleArn: otherProviderRole }), 401, "AuthenticationFail.NoPermission");

  stsError(await exchange(ctx, token, { OIDCProviderArn: `acs:ram::${ACCOUNT}:oidc-provider/nope` }), 401, "AuthenticationFail.NoPermission");
  stsError(await exchange(ctx, token, { RoleArn: `acs:ram::${ACCOUNT}:role/nope` }), 404, "EntityNotExist.Role");
});

t("refused: tampered, re-signed, alg none/HS256, malformed, unknown kid, bad parameters", async (ctx) => {
  const token = await mint(ctx);
  const [h, p, sig] = token.split(".") as [string, string, string];
  const claims = decodeJwt(token).payload;
  const tampered = `${h}.${b64url({ ...claims, sub: "someone-else" })}.${sig}`;
  stsError(await exchange(ctx, tampered), 401, "AuthenticationFail.OIDCToken.InvalidSignature");
  const flipped = `${h}.${p}.${sig.slice(0, -4)}${sig.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
  stsError(await exchange(ctx, flipped), 401, "AuthenticationFail.OIDCToken.InvalidSignature");
  const none = `${b64url({ alg: "none", typ: "JWT" })}.${p}.`;
  stsError(await exchange(ctx, none), 401, "AuthenticationFail.OIDCToken.Invalid");
  const hs = `${b64url({ alg: "HS256", typ: "JWT", kid: decodeJwt(token).header.kid })}.${p}.${sig}`;
  stsError(await exchange(ctx, hs), 401, "AuthenticationFail.OIDCToken.Invalid");
  stsError(await exchange(ctx, `${h}.${p}`), 401, "AuthenticationFail.OIDCToken.Invalid");
  stsError(await exchange(ctx, "x".repeat(20_001)), 401, "AuthenticationFail.OIDCToken.Invalid");
  stsError(await exchange(ctx, ""), 401, "AuthenticationFail.OIDCToken.Invalid");
  const unknownKid = `${b64url({ ...decodeJwt(token).header, kid: "no-such-kid" })}.${p}.${sig}`;
  stsError(await exchange(ctx, unknownKid), 401, "AuthenticationFail.OIDCToken.InvalidSignature");

  stsError(await exchange(ctx, token, { DurationSeconds: "600" }), 400, "InvalidParameter.DurationSeconds");
  stsError(await exchange(ctx, token, { DurationSeconds: "7200" }), 400, "InvalidParameter.DurationSeconds");
  stsError(await exchange(ctx, token, { RoleSessionName: "x" }), 400, "InvalidParameter.RoleSessionName");
  stsError(await exchange(ctx, token, { RoleSessionName: "bad name!" }), 400, "InvalidParameter.RoleSessionName");
  stsError(await exchange(ctx, token, { RoleArn: undefined }), 400, "MissingParameter");
  // Nothing above was accepted, and the genuine token still is.
  assert.is((await exchange(ctx, token)).status, 200);
});

t("refused: an issuer whose keys cannot be fetched", async (ctx) => {
  // warden claims an issuer nothing listens on; the emulator trusts that URL but cannot reach it.
  const arn = `acs:ram::${ACCOUNT}:oidc-provider/unreachable`;
  assert.is((await ctx.s.request("POST", "identity/oidc/config", { body: { issuer: "http://127.0.0.1:1" } })).status, 204);
  try {
    ctx.sts.addOidcProvider({ arn, issuerUrl: "http://127.0.0.1:1/v1/identity/oidc", clientIds: ["sts.aliyuncs.com"] });
    stsError(await exchange(ctx, await mint(ctx), { OIDCProviderArn: arn }), 401, "AuthenticationFail.OIDCToken.IssuerConfigurationBroken");
  } finally {
    assert.is((await ctx.s.request("POST", "identity/oidc/config", { body: { issuer: "" } })).status, 204);
  }
});

t("RAM refuses impossible setups: http issuers without the test switch, roles without iss/aud conditions", async () => {
  const sts = await startStsEmulator({ identities: [] });
  try {
    assert.throws(() => sts.addOidcProvider({ arn: PROVIDER_ARN, issuerUrl: "http://127.0.0.1/x", clientIds: ["a"] }), /https/);
    assert.throws(() => sts.addOidcProvider({ arn: PROVIDER_ARN, issuerUrl: "https://x.example?q=1", clientIds: ["a"] }), /query/);
    assert.throws(() => sts.addOidcProvider({ arn: PROVIDER_ARN, issuerUrl: "https://x.example", clientIds: ["a"], issuanceLimitTime: 200 }), /1\.\.168/);
    assert.throws(() => sts.addOidcRole({ arn: ROLE_ARN, roleId: ROLE_ID, providerArn: PROVIDER_ARN, conditions: { "oidc:iss": ["https://x.example"], "oidc:aud": [] } }), /conditions/);
  } finally {
    await sts.close();
  }
});

const hasJwt = builtinPlugins.some((p) => p.type === "jwt");
t(`a warden-minted JWT logs in to warden's own jwt mount via oidc_discovery_url${hasJwt ? "" : " (SKIPPED: plugins/jwt is not registered)"}`, async (ctx) => {
  if (!hasJwt) {
    console.log("skip: plugins/jwt is not in builtinPlugins; the jwt-mount half of the story is not exercised");
    return;
  }
  const { s } = ctx;
  assert.is((await s.request("POST", "sys/auth/jwt", { body: { type: "jwt" } })).status, 204);
  const cfg = await s.request("PUT", "auth/jwt/config", { body: { oidc_discovery_url: ctx.issuer, bound_issuer: ctx.issuer } });
  assert.is(cfg.status, 204, cfg.text);
  const role = await s.request("PUT", "auth/jwt/role/workload", {
    body: { role_type: "jwt", bound_audiences: "sts.aliyuncs.com", bound_subject: ctx.entityId, user_claim: "sub", token_policies: "oidc-reader", token_ttl: "10m" },
  });
  assert.is(role.status, 204, role.text);
  const jwt = await mint(ctx);
  const login = await s.request("PUT", "auth/jwt/login", { token: null, body: { role: "workload", jwt } });
  assert.is(login.status, 200, login.text);
  assert.ok(login.body.auth.client_token);
  assert.ok(login.body.auth.policies.includes("oidc-reader"));
  // A tampered token is refused with no token.
  const [h, , sig] = jwt.split(".");
  const forged = `${h}.${b64url({ ...decodeJwt(jwt).payload, sub: "someone" })}.${sig}`;
  const bad = await s.request("PUT", "auth/jwt/login", { token: null, body: { role: "workload", jwt: forged } });
  assert.is(bad.status, 400, bad.text);
  assert.not.ok(bad.body?.auth);
});

t.run();

// The loop, over real HTTP: an identity token minted by warden's own OIDC issuer
// (identity/oidc) logs in to a jwt mount whose oidc_discovery_url points at warden itself. The
// first login (to get an entity) goes through a jwt mount backed by a local test provider.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { startProvider, type TestProvider } from "../../plugins/jwt/test-provider.js";
import { claimsFor, makeKey, sign } from "../../plugins/jwt/test-support.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

interface Ctx {
  s: TestServer;
  p: TestProvider;
  entityToken: string;
  entityId: string;
}

const t = suite<Ctx>("jwt mount trusting warden's own OIDC issuer");

t.before(async (ctx) => {
  const key = await makeKey("RS256", "ext-1");
  ctx.p = await startProvider([key]);
  ctx.s = await startTestServer();
  const { s, p } = ctx;
  const ok = (r: { status: number; text: string }, what: string) => assert.ok(r.status < 300, `${what}: ${r.status} ${r.text}`);
  ok(await s.request("POST", "sys/auth/ext", { body: { type: "jwt" } }), "enable ext");
  ok(await s.request("PUT", "auth/ext/config", { body: { oidc_discovery_url: p.url } }), "ext config");
  ok(await s.request("PUT", "sys/policies/acl/oidc-reader", { body: { policy: 'path "identity/oidc/token/*" { capabilities = ["read"] }' } }), "policy");
  ok(await s.request("PUT", "auth/ext/role/ci", { body: { bound_audiences: "warden", token_policies: "oidc-reader" } }), "ext role");
  const login = await s.request("PUT", "auth/ext/login", { token: null, body: { role: "ci", jwt: await sign(key, claimsFor(p.url, { sub: "workload-7" })) } });
  ok(login, "ext login");
  ctx.entityToken = login.body.auth.client_token;
  ctx.entityId = login.body.auth.entity_id;
  ok(await s.request("POST", "identity/oidc/key/main", { body: { allowed_client_ids: "*", algorithm: "ES256" } }), "oidc key");
  ok(await s.request("POST", "identity/oidc/role/to-jwt", { body: { key: "main", ttl: "10m", client_id: "warden-jwt-mount" } }), "oidc role");
});
t.after(async ({ s, p }) => {
  await s.close();
  await p.close();
});

t("an identity token from identity/oidc logs in to a jwt mount configured with warden's discovery URL", async ({ s, entityToken, entityId }) => {
  const disc = await s.request("GET", "identity/oidc/.well-known/openid-configuration", { token: null });
  assert.is(disc.status, 200, disc.text);
  const issuer = disc.body.issuer as string;
  assert.ok(issuer.endsWith("/v1/identity/oidc"), issuer);

  assert.is((await s.request("POST", "sys/auth/warden", { body: { type: "jwt" } })).status, 204);
  const cfg = await s.request("PUT", "auth/warden/config", { body: { oidc_discovery_url: issuer, jwt_supported_algs: "ES256" } });
  assert.is(cfg.status, 204, cfg.text);
  const role = await s.request("PUT", "auth/warden/role/entities", { body: { bound_audiences: "warden-jwt-mount", user_claim: "sub", token_ttl: "5m" } });
  assert.is(role.status, 204, role.text);

  const minted = await s.request("GET", "identity/oidc/token/to-jwt", { token: entityToken });
  assert.is(minted.status, 200, minted.text);
  const r = await s.request("PUT", "auth/warden/login", { token: null, body: { role: "entities", jwt: minted.body.data.token } });
  assert.is(r.status, 200, r.text);
  assert.is(r.body.auth.lease_duration, 300);
  assert.is(r.body.auth.metadata.role, "entities");
  // The identity token's sub is the entity id: the new login's alias is named by it.
  const entity = await s.request("GET", `identity/entity/id/${r.body.auth.entity_id}`);
  assert.ok(entity.body.data.aliases.some((a: { name: string; mount_type: string }) => a.name === entityId && a.mount_type === "jwt"), entity.text);

  // A role for another client id refuses the same token with Vault's message.
  await s.request("PUT", "auth/warden/role/others", { body: { bound_audiences: "someone-else" } });
  const other = await s.request("PUT", "auth/warden/login", { token: null, body: { role: "others", jwt: minted.body.data.token } });
  assert.is(other.status, 400);
  assert.is(other.body.errors[0], "aud claim does not match any bound audience");
});

t.run();

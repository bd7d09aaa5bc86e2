// `warden read identity/oidc/token/<role>` through the generic read, against a real server: the CLI
// prints the token, and -field=token prints exactly the JWT (what a workload pipes into STS).
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type StsEmulator, startStsEmulator } from "../../src/emulators/sts/server.js";
import { runCli } from "../cli/harness.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { alicloudLogin, decodeJwt, runner, setupAlicloud } from "./helpers.js";

interface Ctx {
  s: TestServer;
  sts: StsEmulator;
  token: string;
  entityId: string;
}

const t = suite<Ctx>("oidc cli");

t.before(async (ctx) => {
  ctx.sts = await startStsEmulator({ identities: [runner] });
  ctx.s = await startTestServer();
  await setupAlicloud(ctx.s, ctx.sts.url);
  assert.is((await ctx.s.request("POST", "identity/oidc/key/k", { body: { allowed_client_ids: "*" } })).status, 204);
  assert.is((await ctx.s.request("POST", "identity/oidc/role/ci", { body: { key: "k", ttl: "5m", audience_as_array: true, jwt_type_header: true } })).status, 204);
  const login = await alicloudLogin(ctx.s, runner);
  ctx.token = login.token;
  ctx.entityId = login.entityId;
});
t.after(async (ctx) => {
  await ctx.s.close();
  await ctx.sts.close();
});

t("warden read -field=token identity/oidc/token/<role> prints the JWT", async (ctx) => {
  const r = await runCli(["read", "-field=token", "identity/oidc/token/ci"], { env: { WARDEN_ADDR: ctx.s.url, WARDEN_TOKEN: ctx.token } });
  assert.is(r.code, 0, r.stderr);
  const jwt = r.stdout.trim();
  const { header, payload } = decodeJwt(jwt);
  assert.is(header.typ, "JWT");
  assert.is(payload.sub, ctx.entityId);
  assert.ok(Array.isArray(payload.aud));
});

t("warden read -format=json identity/oidc/token/<role> prints Vault's envelope", async (ctx) => {
  const r = await runCli(["read", "-format=json", "identity/oidc/token/ci"], { env: { WARDEN_ADDR: ctx.s.url, WARDEN_TOKEN: ctx.token } });
  assert.is(r.code, 0, r.stderr);
  const body = JSON.parse(r.stdout);
  assert.is(body.data.ttl, 300);
  assert.match(body.data.client_id, /^[0-9A-Za-z]{26}$/);
  assert.is(decodeJwt(body.data.token).payload.aud[0], body.data.client_id);
});

t("without an entity (root token) the CLI reports Vault's error", async (ctx) => {
  const r = await runCli(["read", "identity/oidc/token/ci"], { env: { WARDEN_ADDR: ctx.s.url, WARDEN_TOKEN: ctx.s.rootToken } });
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /no entity associated with the request's token/);
});

t.run();

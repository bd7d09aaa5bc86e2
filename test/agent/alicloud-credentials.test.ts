// Where the agent's alicloud method finds credentials: config, then environment, then the ECS
// metadata service (hardened mode), whose answers are cached until shortly before their Expiration
// and whose session token is replaced when the service stops honouring it.
import * as assert from "uvu/assert";
import { alicloudCredentialSource, EcsRamRoleCredentials } from "../../src/agent/alicloud-credentials.js";
import type { AlicloudMethodConfig } from "../../src/agent/config.js";
import { startEcsMetadataEmulator, type EcsMetadataEmulator } from "../../src/emulators/ecs-metadata/server.js";
import { ramRoleCredentials, type RamRoleConfig } from "../../src/emulators/ram-roles.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";

const role: RamRoleConfig = { roleName: "web-role", roleId: "300011112222333355", accountId: "1234567890123456", seed: "credentials-test-seed", rotationSeconds: 3600 };

interface Ctx {
  ecs: EcsMetadataEmulator;
  /** The emulator's clock: real time plus this. */
  serviceOffsetMs: number;
}
const t = suite<Ctx>("warden agent: alicloud credential sources");

t.before(async (ctx) => {
  ctx.serviceOffsetMs = 0;
  ctx.ecs = await startEcsMetadataEmulator({ role, now: () => Date.now() + ctx.serviceOffsetMs });
});
t.after(async ({ ecs }) => {
  await ecs.close();
});

const base: AlicloudMethodConfig = { type: "alicloud", role: "r", region: "cn-hangzhou", metadataEndpoint: "http://127.0.0.1:1" };

t("the config wins over the environment, the environment over the metadata service", async () => {
  const env = { ALICLOUD_ACCESS_KEY: "env-ak", ALICLOUD_SECRET_KEY: "env-sk", ALICLOUD_ACCESS_KEY_STS_TOKEN: "env-st" };
  const fromConfig = alicloudCredentialSource({ ...base, accessKey: "cfg-ak", secretKey: "cfg-sk" }, env);
  assert.is(fromConfig.describe(), "config");
  assert.equal(await fromConfig.get(), { accessKeyId: "cfg-ak", accessKeySecret: "cfg-sk" });
  const fromEnv = alicloudCredentialSource(base, env);
  assert.is(fromEnv.describe(), "environment");
  assert.equal(await fromEnv.get(), { accessKeyId: "env-ak", accessKeySecret: "env-sk", securityToken: "env-st" });
  assert.ok(alicloudCredentialSource(base, { ALICLOUD_ACCESS_KEY: "only-half" }) instanceof EcsRamRoleCredentials, "half a key pair is no credential");
});

t("the RAM role is discovered, its credentials cached until shortly before their Expiration, then fetched again", async ({ ecs }) => {
  let clientNow = Date.now();
  const source = new EcsRamRoleCredentials(ecs.url, undefined, () => clientNow);
  const before = { ...ecs.stats };
  const first = await source.get();
  const expected = ramRoleCredentials(role, Date.now());
  assert.equal(first, { accessKeyId: expected.accessKeyId, accessKeySecret: expected.accessKeySecret, securityToken: expected.securityToken });
  assert.match(source.describe(), /web-role/);
  await source.get();
  assert.is(ecs.stats.credentials - before.credentials, 1, "the second get() is served from the cache");
  assert.is(ecs.stats.tokens - before.tokens, 1, "one session token");
  // Shortly before the Expiration (an hour or two away for a 1 h rotation), the client asks again.
  clientNow = Math.max(clientNow, expected.expiresAt - 1000);
  await source.get();
  assert.is(ecs.stats.credentials - before.credentials, 2);
});

t("a session token the service no longer honours is replaced once, transparently", async (ctx) => {
  let clientNow = Date.now();
  const source = new EcsRamRoleCredentials(ctx.ecs.url, "web-role", () => clientNow);
  await source.get();
  const tokens = ctx.ecs.stats.tokens;
  // The service's clock passes the session token's 6 h; the client still believes in it.
  ctx.serviceOffsetMs = 21_601_000;
  clientNow += 4 * 3600_000;
  const creds = await source.get();
  assert.is(ctx.ecs.stats.tokens, tokens + 1, "a new session token was asked for");
  assert.is(creds.accessKeyId, ramRoleCredentials(role, Date.now() + ctx.serviceOffsetMs).accessKeyId);
  ctx.serviceOffsetMs = 0;
});

t("failures say what failed, without any secret", async (ctx) => {
  const wrongRole = new EcsRamRoleCredentials(ctx.ecs.url, "no-such-role");
  try {
    await wrongRole.get();
    assert.unreachable("no-such-role answered");
  } catch (e) {
    assert.match((e as Error).message, /no \/latest\/meta-data\/ram\/security-credentials\/no-such-role/);
  }
  ctx.ecs.setFault("unavailable");
  try {
    await new EcsRamRoleCredentials(ctx.ecs.url, undefined).get();
    assert.unreachable("an unavailable service answered");
  } catch (e) {
    assert.match((e as Error).message, /refused a session token \(503\)/);
  } finally {
    ctx.ecs.setFault(null);
  }
  const closed = await freePort();
  try {
    await new EcsRamRoleCredentials(`http://127.0.0.1:${closed}`, undefined).get();
    assert.unreachable("a closed port answered");
  } catch (e) {
    assert.match((e as Error).message, new RegExp(`cannot reach the metadata service at http://127\\.0\\.0\\.1:${closed}: ECONNREFUSED`));
  }
});

t.run();

// The ECS metadata emulator: hardened mode only (a session token, or 401), the instance's RAM role
// and its rotating STS credentials, which the STS emulator (given the same role) accepts until their
// Expiration; checked with Alibaba's own RPC client (@alicloud/pop-core).
import * as assert from "uvu/assert";
import { startEcsMetadataEmulator, type EcsMetadataEmulator } from "../../src/emulators/ecs-metadata/server.js";
import type { RamRoleConfig } from "../../src/emulators/ram-roles.js";
import { startStsEmulator, type StsEmulator } from "../../src/emulators/sts/server.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { PopRPCClient } from "./sts-helpers.js";

const role: RamRoleConfig = { roleName: "app-role", roleId: "300011112222333344", accountId: "1234567890123456", seed: "emulator-test-seed", rotationSeconds: 60, instanceId: "i-test0001" };

interface Ctx {
  ecs: EcsMetadataEmulator;
  sts: StsEmulator;
  /** Both emulators' clock: real time plus this offset. */
  offsetMs: number;
}

const t = suite<Ctx>("ECS metadata emulator");

t.before(async (ctx) => {
  ctx.offsetMs = 0;
  const now = () => Date.now() + ctx.offsetMs;
  ctx.ecs = await startEcsMetadataEmulator({ role, now });
  ctx.sts = await startStsEmulator({ identities: [], ramRoles: [role], now });
});
t.after(async ({ ecs, sts }) => {
  await ecs.close();
  await sts.close();
});

const sessionToken = async (ecs: EcsMetadataEmulator, ttl = "60"): Promise<string> => {
  const r = await fetch(`${ecs.url}/latest/api/token`, { method: "PUT", headers: { "X-aliyun-ecs-metadata-token-ttl-seconds": ttl } });
  assert.is(r.status, 200);
  return r.text();
};
const credentials = async (ecs: EcsMetadataEmulator, token: string) => {
  const r = await fetch(`${ecs.url}/latest/meta-data/ram/security-credentials/${role.roleName}`, { headers: { "X-aliyun-ecs-metadata-token": token } });
  assert.is(r.status, 200);
  return (await r.json()) as { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string; Code: string };
};
const callerArn = async (sts: StsEmulator, c: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string }): Promise<string> => {
  const client = new PopRPCClient({ endpoint: sts.url, apiVersion: "2015-04-01", accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, securityToken: c.SecurityToken });
  const r = await client.request<{ Arn: string }>("GetCallerIdentity", {}, { method: "POST" });
  return r.Arn;
};

t("hardened mode: no session token, no answer", async ({ ecs }) => {
  const noTtl = await fetch(`${ecs.url}/latest/api/token`, { method: "PUT" });
  assert.is(noTtl.status, 400);
  const tooLong = await fetch(`${ecs.url}/latest/api/token`, { method: "PUT", headers: { "X-aliyun-ecs-metadata-token-ttl-seconds": "21601" } });
  assert.is(tooLong.status, 400);
  for (const headers of [{}, { "X-aliyun-ecs-metadata-token": "forged" }] as Array<Record<string, string>>) {
    const r = await fetch(`${ecs.url}/latest/meta-data/ram/security-credentials/`, { headers });
    assert.is(r.status, 401);
  }
});

t("the role is listed, its credentials come with an Expiration, and STS accepts them", async ({ ecs, sts }) => {
  const token = await sessionToken(ecs);
  const list = await fetch(`${ecs.url}/latest/meta-data/ram/security-credentials/`, { headers: { "X-aliyun-ecs-metadata-token": token } });
  assert.is(await list.text(), "app-role");
  const other = await fetch(`${ecs.url}/latest/meta-data/ram/security-credentials/other-role`, { headers: { "X-aliyun-ecs-metadata-token": token } });
  assert.is(other.status, 404);
  const malformed = await fetch(`${ecs.url}/latest/meta-data/ram/security-credentials/%E0%A4%A`, { headers: { "X-aliyun-ecs-metadata-token": token } });
  assert.is(malformed.status, 404, "a malformed escape names no role (and the emulator keeps serving)");
  const c = await credentials(ecs, token);
  assert.is(c.Code, "Success");
  assert.match(c.AccessKeyId, /^STS\./);
  assert.match(c.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(Date.parse(c.Expiration) > Date.now());
  assert.is(await callerArn(sts, c), "acs:ram::1234567890123456:assumed-role/app-role/vm-ram-i-test0001");
});

t("credentials rotate; an expired set is refused by STS while the current one works; session tokens expire", async (ctx) => {
  const token = await sessionToken(ctx.ecs, "1000");
  const first = await credentials(ctx.ecs, token);
  ctx.offsetMs += 60_000;
  const second = await credentials(ctx.ecs, token);
  assert.is.not(second.AccessKeyId, first.AccessKeyId);
  assert.ok(Date.parse(second.Expiration) > Date.parse(first.Expiration), "a later Expiration");
  // Past the first set's Expiration (within the gateway's 15-minute timestamp skew).
  ctx.offsetMs = Date.parse(first.Expiration) - Date.now() + 1000;
  try {
    await callerArn(ctx.sts, first);
    assert.unreachable("the expired set was accepted");
  } catch (e) {
    assert.match(String((e as Error).message), /Expired/i);
  }
  const current = await credentials(ctx.ecs, token);
  assert.is(await callerArn(ctx.sts, current), "acs:ram::1234567890123456:assumed-role/app-role/vm-ram-i-test0001");
  // The session token asked for 1000 s is refused once they have passed.
  ctx.offsetMs += 1_001_000;
  const late = await fetch(`${ctx.ecs.url}/latest/meta-data/ram/security-credentials/`, { headers: { "X-aliyun-ecs-metadata-token": token } });
  assert.is(late.status, 401);
});

t.run();

// The agent's alicloud method against a real server, the STS emulator and the ECS metadata emulator
// (hardened mode): credentials from the environment, from the instance's RAM role (rotating), STS
// failing for a while; and configurations the agent must refuse at once.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { type EcsMetadataEmulator, startEcsMetadataEmulator } from "../../src/emulators/ecs-metadata/server.js";
import { ramRoleCredentials, type RamRoleConfig } from "../../src/emulators/ram-roles.js";
import { type StsEmulator, type StsIdentity, startStsEmulator } from "../../src/emulators/sts/server.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait-for.js";
import { type AgentProcess, lookup, readSink, SELF_POLICY, secretsIn, startAgent, tempDir, waitForValidSink, writeConfig } from "./harness.js";

const ACCOUNT = "1234567890123456";
const envIdentity: StsIdentity = {
  accessKeyId: "STS.AgentEnvKey0001",
  accessKeySecret: "agent-env-secret-value-0001",
  securityToken: "CAIS.agent-env-security-token",
  accountId: ACCOUNT,
  kind: "AssumedRoleUser",
  roleName: "dev-role",
  roleId: "300099990000111122",
  sessionName: "ci-runner",
};
const ramRole: RamRoleConfig = {
  roleName: "dev-role",
  roleId: "300099990000111122",
  accountId: ACCOUNT,
  seed: "agent-test-seed",
  rotationSeconds: 2,
  instanceId: "i-agenttest01",
};
const ENV = { ALICLOUD_ACCESS_KEY: envIdentity.accessKeyId, ALICLOUD_SECRET_KEY: envIdentity.accessKeySecret, ALICLOUD_ACCESS_KEY_STS_TOKEN: envIdentity.securityToken };

interface Ctx {
  s: TestServer;
  sts: StsEmulator;
  ecs: EcsMetadataEmulator;
  agents: AgentProcess[];
}

const t = suite<Ctx>("warden agent: alicloud");

t.before(async (ctx) => {
  ctx.agents = [];
  ctx.sts = await startStsEmulator({ identities: [envIdentity], ramRoles: [ramRole] });
  ctx.ecs = await startEcsMetadataEmulator({ role: ramRole });
  ctx.s = await startTestServer();
  const { s } = ctx;
  assert.is((await s.request("POST", "sys/auth/alicloud", { body: { type: "alicloud" } })).status, 204);
  assert.is((await s.request("PUT", "auth/alicloud/config", { body: { sts_endpoint: ctx.sts.url } })).status, 204);
  assert.is((await s.request("PUT", "sys/policies/acl/agent-self", { body: { policy: SELF_POLICY } })).status, 204);
  const role = await s.request("PUT", "auth/alicloud/role/dev-role", {
    body: { arn: `acs:ram::${ACCOUNT}:role/dev-role`, token_policies: "agent-self", token_ttl: "2s", token_max_ttl: "4s" },
  });
  assert.is(role.status, 204, role.text);
});
t.after.each(async (ctx) => {
  ctx.sts.setFault(null);
  const codes = await Promise.all(ctx.agents.map((a) => a.stop()));
  ctx.agents = [];
  assert.equal(codes, codes.map(() => 0), "the agent exits 0 on SIGTERM");
});
t.after(async ({ s, sts, ecs }) => {
  await s.close();
  await sts.close();
  await ecs.close();
});

function alicloudConfig(address: string, sink: string, extra = "", top = ""): string {
  return `vault {
  address = "${address}"
}
auto_auth {
  method "alicloud" {
    mount_path = "auth/alicloud"
    config = {
      role = "dev-role"
      region = "cn-hangzhou"
${extra}
    }
  }
  sink "file" {
    config = {
      path = "${sink}"
      mode = 0600
    }
  }
}
${top}`;
}

t("credentials from the environment; exit_after_auth writes the sink once and exits 0", async (ctx) => {
  const dir = tempDir();
  const sink = join(dir, "token");
  const agent = startAgent(writeConfig(dir, alicloudConfig(ctx.s.url, sink, "", "exit_after_auth = true\n")), { env: ENV });
  assert.is(await agent.exited, 0, agent.output());
  const token = readSink(sink);
  assert.ok(token, "the sink holds the token");
  assert.is(statSync(sink).mode & 0o777, 0o600);
  const data = (await lookup(ctx.s, token!))!;
  assert.is(data.meta.arn, `acs:ram::${ACCOUNT}:assumed-role/dev-role/ci-runner`);
  assert.equal(secretsIn(agent.output(), [token!, envIdentity.accessKeySecret, envIdentity.securityToken!]), []);
  assert.equal(readdirSync(dir).sort(), ["agent.hcl", "token"], "no temporary file left beside the sink");
});

t("credentials of the instance's RAM role from the metadata service (hardened mode), rotating", async (ctx) => {
  const dir = tempDir();
  const sink = join(dir, "token");
  const before = { ...ctx.ecs.stats };
  // ram_role unset: discovered from the metadata service.
  const agent = startAgent(writeConfig(dir, alicloudConfig(ctx.s.url, sink, `      metadata_endpoint = "${ctx.ecs.url}"`)));
  ctx.agents.push(agent);
  const first = await waitForValidSink(ctx.s, sink, 60_000);
  assert.is((await lookup(ctx.s, first))!.meta.arn, `acs:ram::${ACCOUNT}:assumed-role/dev-role/vm-ram-i-agenttest01`);
  // The max TTL (4 s) forces new logins; the credentials (rotating every 2 s) are fetched again
  // before their Expiration, and STS accepts each new set.
  const second = await waitForValidSink(ctx.s, sink, 60_000, first);
  await waitForValidSink(ctx.s, sink, 60_000, second);
  assert.ok(ctx.ecs.stats.credentials - before.credentials >= 2, `credentials fetched ${ctx.ecs.stats.credentials - before.credentials} times`);
  assert.ok(ctx.ecs.stats.tokens - before.tokens >= 1, "a session token was asked for");
  assert.is(ctx.ecs.stats.refused, before.refused, "no request without a valid session token (hardened mode)");
  const current = ramRoleCredentials(ramRole, Date.now());
  assert.equal(secretsIn(agent.output(), [first, second, current.accessKeySecret, current.securityToken]), []);
});

t("the metadata service unavailable for a while: retried with backoff, then the RAM role's credentials are used", async (ctx) => {
  const dir = tempDir();
  const sink = join(dir, "token");
  ctx.ecs.setFault("unavailable");
  const agent = startAgent(writeConfig(dir, alicloudConfig(ctx.s.url, sink, `      metadata_endpoint = "${ctx.ecs.url}"\n      ram_role = "dev-role"`)));
  ctx.agents.push(agent);
  try {
    await waitFor("two failed logins", 60_000, async () => agent.output().split("\n").filter((l) => l.includes("login failed; retrying") && l.includes("metadata service refused a session token (503)")).length >= 2);
    assert.is(readSink(sink), undefined);
  } finally {
    ctx.ecs.setFault(null);
  }
  const token = await waitForValidSink(ctx.s, sink, 60_000);
  assert.is((await lookup(ctx.s, token))!.meta.arn, `acs:ram::${ACCOUNT}:assumed-role/dev-role/vm-ram-i-agenttest01`);
});

t("STS failing for several seconds: the agent retries with backoff, says why, and logs in once STS is back", async (ctx) => {
  const dir = tempDir();
  const sink = join(dir, "token");
  ctx.sts.setFault("server-error");
  const agent = startAgent(writeConfig(dir, alicloudConfig(ctx.s.url, sink)), { env: ENV });
  ctx.agents.push(agent);
  await waitFor("two failed logins", 60_000, async () => (agent.output().match(/login failed; retrying/g) ?? []).length >= 2);
  assert.is(readSink(sink), undefined, "no token while STS fails");
  assert.is(agent.proc.exitCode, null, "the agent keeps running");
  ctx.sts.setFault(null);
  const token = await waitForValidSink(ctx.s, sink, 60_000);
  assert.ok(await lookup(ctx.s, token));
  assert.equal(secretsIn(agent.output(), [token, envIdentity.accessKeySecret, envIdentity.securityToken!]), []);
});

t("a bad configuration exits non-zero with a message naming the problem", async () => {
  const dir = tempDir();
  const body = (method: string) => `vault {
  address = "http://127.0.0.1:8200"
}
auto_auth {
${method}
  sink "file" {
    config = {
      path = "${join(dir, "token")}"
    }
  }
}
`;
  const cases: Array<[string, string, RegExp]> = [
    ["unknown-block", body(`  method "alicloud" {\n    config = { role = "r", region = "cn-hangzhou" }\n  }`) + `vaultt {\n  address = "x"\n}\n`, /unknown key "vaultt"/],
    ["unknown-method", body(`  method "kerberos" {\n  }`), /method "kerberos": unknown method type/],
    ["unknown-key", body(`  method "alicloud" {\n    config = { role = "r", region = "cn-hangzhou", acces_key = "x" }\n  }`), /unknown key "acces_key"/],
    ["missing-role", body(`  method "alicloud" {\n    config = { region = "cn-hangzhou" }\n  }`), /config: role is required/],
    ["bad-mode", body(`  method "jwt" {\n    config = { path = "/x" }\n  }`).replace(`path = "${join(dir, "token")}"`, `path = "${join(dir, "token")}"\n      mode = 0666`), /mode.*other/],
    ["not-hcl", "vault {", /agent\.hcl|not-hcl/],
  ];
  for (const [name, hcl, expected] of cases) {
    const agent = startAgent(writeConfig(dir, hcl, `${name}.hcl`));
    const code = await agent.exited;
    assert.is.not(code, 0, `${name}: exits non-zero`);
    assert.match(agent.output(), expected, `${name}: ${agent.output()}`);
  }
  assert.is(readSink(join(dir, "token")), undefined);
});

t.run();

// The operator's path, as processes: `warden server -config=file.hcl` started as a child process,
// initialised with `warden operator init`, configured and logged in to with the `warden` CLI.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
import * as assert from "uvu/assert";
import { type StsEmulator, startStsEmulator } from "../../src/emulators/sts/server.js";
import { CLI, freshHome, runCli } from "./harness.js";

const identity = {
  accessKeyId: "STS.CliE2eKey01",
  accessKeySecret: "cli-e2e-secret-value",
  securityToken: "CAIS.cli-e2e-token",
  accountId: "1234567890123456",
  kind: "AssumedRoleUser" as const,
  roleName: "dev-role",
  roleId: "300055554444333322",
  sessionName: "cli-e2e",
};

async function waitHealthy(url: string, deadlineMs: number): Promise<number> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/v1/sys/health`);
      return r.status;
    } catch {
      if (Date.now() > end) throw new Error("server did not come up");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

interface Ctx {
  server: ChildProcess;
  url: string;
  dir: string;
  home: string;
  sts: StsEmulator;
  output: string;
}

const t = suite<Ctx>("warden server -config and the CLI");

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-cli-e2e-"));
  ctx.home = freshHome();
  ctx.sts = await startStsEmulator({ identities: [identity] });
  const port = await freePort();
  ctx.url = `http://127.0.0.1:${port}`;
  const config = join(ctx.dir, "warden.hcl");
  writeFileSync(
    config,
    `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\nstorage "sqlite" {\n  path = "${join(ctx.dir, "data", "warden.db")}"\n}\ndefault_lease_ttl = "1h"\nmax_lease_ttl = "4h"\nlog_level = "warn"\n`,
  );
  ctx.output = "";
  ctx.server = spawn(process.execPath, [CLI, "server", `-config=${config}`], { stdio: ["ignore", "pipe", "pipe"] });
  ctx.server.stdout!.on("data", (d) => (ctx.output += d));
  ctx.server.stderr!.on("data", (d) => (ctx.output += d));
  assert.is(await waitHealthy(ctx.url, 15_000), 501, "uninitialised until sys/init");
});

t.after(async (ctx) => {
  ctx.server.kill("SIGTERM");
  await new Promise((r) => ctx.server.once("exit", r));
  await ctx.sts.close();
});

t("init once, then configure, log in with alicloud, use and revoke the token", async (ctx) => {
  const env = { WARDEN_ADDR: ctx.url };
  const init = await runCli(["operator", "init"], { env, home: ctx.home });
  assert.is(init.code, 0, init.stderr);
  const root = /Root Token: (\S+)/.exec(init.stdout)?.[1];
  assert.ok(root, init.stdout);
  const again = await runCli(["operator", "init"], { env, home: ctx.home });
  assert.is(again.code, 1);
  assert.match(again.stderr, /already initialized/);
  assert.is((await fetch(`${ctx.url}/v1/sys/health`)).status, 503, "sealed after init");
  const keys = [...init.stdout.matchAll(/Unseal Key \d+: (\S+)/g)].map((m) => m[1]!);
  assert.is(keys.length, 5, init.stdout);
  assert.is((await runCli(["status"], { env, home: ctx.home })).code, 2, "status: 2 while sealed");
  const bad = await runCli(["operator", "unseal", "zz-not-a-key"], { env, home: ctx.home });
  assert.is(bad.code, 1);
  assert.not.match(bad.stderr + bad.stdout, /zz-not-a-key/);
  for (const key of keys.slice(0, 3)) {
    const u = await runCli(["operator", "unseal", key], { env, home: ctx.home });
    assert.is(u.code, 0, u.stderr);
  }
  assert.is((await fetch(`${ctx.url}/v1/sys/health`)).status, 200);
  assert.is((await runCli(["status"], { env, home: ctx.home })).code, 0, "status: 0 unsealed");
  assert.is((await runCli(["status"], { env: { WARDEN_ADDR: "http://127.0.0.1:1" }, home: ctx.home })).code, 1, "status: 1 unreachable");
  const rootEnv = { ...env, WARDEN_TOKEN: root! };
  const rotate = await runCli(["operator", "rotate"], { env: rootEnv, home: ctx.home });
  assert.is(rotate.code, 0, rotate.stderr);
  assert.match((await runCli(["operator", "key-status"], { env: rootEnv, home: ctx.home })).stdout, /Key Term\s+2/);
  assert.is((await runCli(["operator", "seal"], { env: rootEnv, home: ctx.home })).code, 0);
  assert.is((await runCli(["status"], { env, home: ctx.home })).code, 2);
  for (const key of keys.slice(2, 5)) assert.is((await runCli(["operator", "unseal", key], { env, home: ctx.home })).code, 0);
  assert.is((await fetch(`${ctx.url}/v1/sys/health`)).status, 200);

  const admin = { ...env, WARDEN_TOKEN: root! };
  const enable = await runCli(["auth", "enable", "alicloud"], { env: admin, home: ctx.home });
  assert.is(enable.code, 0, enable.stderr);
  const policyFile = join(ctx.dir, "ci.hcl");
  writeFileSync(policyFile, 'path "auth/token/lookup-self" { capabilities = ["read"] }\n');
  assert.is((await runCli(["policy", "write", "ci", policyFile], { env: admin, home: ctx.home })).code, 0);
  assert.is((await runCli(["write", "auth/alicloud/config", `sts_endpoint=${ctx.sts.url}`], { env: admin, home: ctx.home })).code, 0);
  const role = await runCli(["write", "auth/alicloud/role/dev-role", "arn=acs:ram::1234567890123456:role/dev-role", "token_policies=ci", "token_ttl=30m"], { env: admin, home: ctx.home });
  assert.is(role.code, 0, role.stderr);
  const list = await runCli(["list", "auth/alicloud/roles"], { env: admin, home: ctx.home });
  assert.match(list.stdout, /dev-role/);

  const login = await runCli(["login", "-method=alicloud", "role=dev-role", "region=cn-hangzhou"], {
    env: { ...env, ALICLOUD_ACCESS_KEY: identity.accessKeyId, ALICLOUD_SECRET_KEY: identity.accessKeySecret, ALICLOUD_ACCESS_KEY_STS_TOKEN: identity.securityToken },
    home: ctx.home,
  });
  assert.is(login.code, 0, login.stderr);
  assert.match(login.stdout, /token_policies\s+\[ci default\]/);
  assert.match(login.stdout, /token_duration\s+30m/);
  assert.not.ok(login.stdout.includes(identity.accessKeySecret) || login.stderr.includes(identity.accessKeySecret));
  const stored = readFileSync(join(ctx.home, ".warden-token"), "utf8").trim();
  assert.match(stored, /^hvs\./);

  const lookup = await runCli(["token", "lookup"], { env, home: ctx.home });
  assert.is(lookup.code, 0, lookup.stderr);
  assert.match(lookup.stdout, /path\s+auth\/alicloud\/login/);
  const denied = await runCli(["read", "sys/auth"], { env, home: ctx.home });
  assert.is(denied.code, 1);
  assert.match(denied.stderr, /Code: 403/);
  assert.is((await runCli(["token", "revoke", "-self"], { env, home: ctx.home })).code, 0);
  const after = await runCli(["token", "lookup"], { env, home: ctx.home });
  assert.match(after.stderr, /Code: 403/);

  const status = await runCli(["status"], { env, home: ctx.home });
  assert.is(status.code, 0);
  assert.match(status.stdout, /Initialized\s+true/);
  assert.not.ok(ctx.output.includes(stored), "the server never logs a token");
});

t.run();

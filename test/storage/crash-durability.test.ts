// kill -9 right after an answer: what the answer reported is there after a restart, on SQLite, where
// the write batch syncs the WAL off the event loop (write-batch.ts; the ordering of the sync before the
// answer is test/storage/sqlite.test.ts). A real `warden server` process on a SQLite file with a static
// seal (it unseals itself on restart), killed with SIGKILL the moment each answer arrives: a token
// created, a token revoked, a token's counted use, an AppRole secret id's counted use, an AliCloud
// login's replay claim (committed with the login's token, not on its own).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { alicloudLoginData } from "../../plugins/alicloud/cli.js";
import { type StsIdentity, startStsEmulator } from "../../src/emulators/sts/server.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { WardenNode } from "../cluster/cluster.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";

interface Ctx {
  dir: string;
  node: WardenNode;
  root: string;
}
const t = suite<Ctx>("kill -9 after an answer: the write it reported survives (SQLite)");

async function crashAndRestart(node: WardenNode): Promise<void> {
  await node.stop("SIGKILL");
  node.start();
  await node.waitUp();
  await waitFor("the restarted node to unseal itself", 20_000, async () => (await node.request("GET", "sys/seal-status")).body?.sealed === false);
}

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-crash-"));
  const port = await freePort();
  const sealKey = join(ctx.dir, "seal.key");
  writeFileSync(sealKey, randomBytes(32).toString("hex"), { mode: 0o600 });
  const config = join(ctx.dir, "warden.hcl");
  writeFileSync(
    config,
    [
      `log_level = "warn"`,
      `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}`,
      `storage "sqlite" {\n  path = "${join(ctx.dir, "warden.db")}"\n}`,
      `seal "static" {\n  current_key_id = "k1"\n  current_key = "file://${sealKey}"\n}`,
      "",
    ].join("\n"),
  );
  ctx.node = new WardenNode("crash", port, config);
  ctx.node.start();
  await ctx.node.waitUp();
  const init = await ctx.node.request("POST", "sys/init", { body: {} });
  assert.is(init.status, 200, JSON.stringify(init.body));
  ctx.root = init.body.root_token as string;
  await waitFor("unsealed", 20_000, async () => (await ctx.node.request("GET", "sys/seal-status")).body?.sealed === false);
});
t.after(async ({ node, dir }) => {
  await node?.stop("SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

t("a created token, a revocation and a counted token use survive a kill -9 right after their answers", async ({ node, root }) => {
  const created = await node.request("POST", "auth/token/create", { token: root, body: { policies: ["default"], ttl: "1h" } });
  assert.is(created.status, 200);
  const kept = created.body.auth.client_token as string;
  await crashAndRestart(node);
  assert.is((await node.request("GET", "auth/token/lookup-self", { token: kept })).status, 200, "the created token is gone");

  const doomed = (await node.request("POST", "auth/token/create", { token: root, body: { policies: ["default"], ttl: "1h" } })).body.auth.client_token as string;
  const revoked = await node.request("POST", "auth/token/revoke-self", { token: doomed });
  assert.is(revoked.status, 204);
  await crashAndRestart(node);
  assert.is((await node.request("GET", "auth/token/lookup-self", { token: doomed })).status, 403, "the revoked token is back");

  const limited = (await node.request("POST", "auth/token/create", { token: root, body: { policies: ["default"], ttl: "1h", num_uses: 3 } })).body.auth;
  const used = await node.request("GET", "auth/token/lookup-self", { token: limited.client_token });
  assert.is(used.status, 200);
  await crashAndRestart(node);
  const left = await node.request("POST", "auth/token/lookup-accessor", { token: root, body: { accessor: limited.accessor } });
  assert.is(left.status, 200);
  assert.is(left.body.data.num_uses, 2, "the counted use came back");
});

t("an AppRole secret id's counted use survives a kill -9 right after the login", async ({ node, root }) => {
  assert.is((await node.request("POST", "sys/auth/approle", { token: root, body: { type: "approle" } })).status, 204);
  assert.is((await node.request("POST", "auth/approle/role/crash", { token: root, body: { role_id: "crash-role", secret_id_num_uses: 1, token_policies: ["default"] } })).status, 204);
  const secret = (await node.request("POST", "auth/approle/role/crash/secret-id", { token: root, body: {} })).body.data.secret_id as string;
  const login = await node.request("POST", "auth/approle/login", { token: null, body: { role_id: "crash-role", secret_id: secret } });
  assert.is(login.status, 200, JSON.stringify(login.body));
  await crashAndRestart(node);
  const again = await node.request("POST", "auth/approle/login", { token: null, body: { role_id: "crash-role", secret_id: secret } });
  assert.ok(again.status >= 400 && again.status < 500, `the used-up secret id logged in again: ${again.status}`);
  assert.is((await node.request("GET", "auth/token/lookup-self", { token: login.body.auth.client_token })).status, 200, "the login's token is gone");
});

t("an AliCloud login's nonce claim survives a kill -9 right after the login: the replay is refused without reaching STS", async ({ node, root }) => {
  const who: StsIdentity = {
    accessKeyId: "STS.CrashTestKey0001",
    accessKeySecret: "crash-test-secret-0001",
    securityToken: "CAIS.crash-test-token",
    accountId: "1234567890123456",
    kind: "AssumedRoleUser",
    roleName: "crash-role",
    roleId: "300011112222333344",
    sessionName: "crash-session",
  };
  const sts = await startStsEmulator({ identities: [who] });
  try {
    assert.is((await node.request("POST", "sys/auth/alicloud", { token: root, body: { type: "alicloud" } })).status, 204);
    assert.is((await node.request("PUT", "auth/alicloud/config", { token: root, body: { sts_endpoint: sts.url } })).status, 204);
    const role = await node.request("PUT", "auth/alicloud/role/crash", { token: root, body: { arn: `acs:ram::${who.accountId}:role/crash-role`, token_policies: ["default"] } });
    assert.is(role.status, 204);
    const body = alicloudLoginData({ role: "crash", region: "cn-hangzhou", accessKey: who.accessKeyId, secretKey: who.accessKeySecret, securityToken: who.securityToken });
    const login = await node.request("POST", "auth/alicloud/login", { token: null, body });
    assert.is(login.status, 200, JSON.stringify(login.body));
    await crashAndRestart(node);
    const sent = sts.requests.length;
    const again = await node.request("POST", "auth/alicloud/login", { token: null, body });
    assert.is(again.status, 403, `the replayed login was answered ${again.status}`);
    assert.is(sts.requests.length, sent, "the replay reached STS: warden's claim was lost");
    assert.is((await node.request("GET", "auth/token/lookup-self", { token: login.body.auth.client_token })).status, 200, "the login's token is gone");
  } finally {
    await sts.close();
  }
});

t.run();

// seal "alicloudkms" end to end: the official KMS client against the KMS emulator (real RPC v1
// signature checks) reached through the seal's `domain`; KMS down at start; wrong credentials.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, connect, type Server } from "node:net";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { SealConfig } from "../../src/config/seal-config.js";
import { type KmsEmulator, startKmsEmulator } from "../../src/emulators/kms/server.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait-for.js";
import { freePort } from "../helpers/free-port.js";
import { sampleValue } from "../metrics/scrape.js";

const ACCESS = { accessKeyId: "LTAIkmstest0001", accessKeySecret: randomBytes(15).toString("hex") };
const KEY_ID = "key-0123-4567";
const t = suite<{ kms: KmsEmulator; dir: string }>("seal: alicloudkms through the KMS emulator");
t.before(async (ctx) => {
  ctx.kms = await startKmsEmulator({ accessKeys: [ACCESS], keyIds: [KEY_ID] });
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-kms-"));
});
t.after(async (ctx) => {
  await ctx.kms.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

const kmsSeal = (kms: KmsEmulator, secret = ACCESS.accessKeySecret): SealConfig => ({ type: "alicloudkms", region: "cn-hangzhou", domain: kms.url, kmsKeyId: KEY_ID, accessKey: ACCESS.accessKeyId, secretKey: secret });
const sealed = async (s: TestServer) => (await s.request("GET", "sys/seal-status", { token: null })).body.sealed as boolean;

t("config: Vault's keys and environment variables; unknown keys refused", async () => {
  const hcl = (body: string) => `listener "tcp" {\n address = "127.0.0.1:0"\n tls_disable = true\n}\nstorage "sqlite" {\n path = "/tmp/x.db"\n}\nseal "alicloudkms" {\n${body}\n}\n`;
  const c = await parseServerConfig(hcl(`domain = "kms.example"`), "t.hcl", { ALICLOUD_REGION: "cn-beijing", VAULT_ALICLOUDKMS_SEAL_KEY_ID: "k9", ALICLOUD_ACCESS_KEY: "a", ALICLOUD_SECRET_KEY: "s" });
  assert.equal(c.seal, { type: "alicloudkms", region: "cn-beijing", kmsKeyId: "k9", domain: "kms.example", accessKey: "a", secretKey: "s" });
  for (const [body, re] of [[`region = "x"`, /kms_key_id/], [`kms_key_id = "k"`, /region/], [`region = "x"\n kms_key_id = "k"\n bogus = "1"`, /unknown key "bogus"/]] as const) {
    try {
      await parseServerConfig(hcl(body), "t.hcl", {});
      assert.unreachable(body);
    } catch (e) {
      assert.match((e as Error).message, re);
    }
  }
});

t("the emulator checks signatures: an unsigned or badly signed request is refused", async ({ kms }) => {
  const unsigned = await fetch(`${kms.url}/?Action=Decrypt&Version=2016-01-20&Format=JSON&CiphertextBlob=x`, { method: "POST" });
  assert.is(unsigned.status, 400);
  assert.is(((await unsigned.json()) as { Code: string }).Code, "MissingParameter");
});

t("init wraps the root key with KMS; restart unseals through KMS; KMS down at start: sealed, retried, unsealed when it answers; wrong secret never serves", async ({ kms, dir }) => {
  const dataDir = join(dir, "data");
  let s = await startTestServer({ dataDir, skipInit: true, configure: (c) => (c.seal = kmsSeal(kms)) });
  const init = await s.request("PUT", "sys/init", { token: null, body: { recovery_shares: 3, recovery_threshold: 2 } });
  assert.is(init.status, 200, init.text);
  assert.is(init.body.recovery_keys.length, 3);
  s.rootToken = init.body.root_token;
  assert.is((await s.request("GET", "sys/seal-status", { token: null })).body.type, "alicloudkms");
  assert.is(await sealed(s), false);
  assert.ok(kms.calls.some((c) => c.action === "Encrypt" && c.status === 200), "the root key went through KMS Encrypt");
  assert.is((await s.write("sys/policies/acl/p", { policy: 'path "kms/*" { capabilities = ["read"] }' })).status, 204);
  await s.close();

  // Restart: Decrypt at start, unsealed by itself.
  s = await startTestServer({ dataDir, configure: (c) => (c.seal = kmsSeal(kms)) });
  s.rootToken = init.body.root_token;
  assert.is((await s.read("sys/policies/acl/p")).status, 200);
  assert.ok(kms.calls.some((c) => c.action === "Decrypt" && c.status === 200));
  await s.close();

  // KMS down: the node starts sealed, answers 503, retries; it unseals once KMS answers again.
  kms.setUnavailable(true);
  s = await startTestServer({ dataDir, skipInit: true, configure: (c) => (c.seal = kmsSeal(kms)) });
  try {
    await waitFor("a retry after a KMS failure", 15_000, async () => s.logs.some((l) => l.includes("auto-unseal failed, retrying") && l.includes("ServiceUnavailable")));
    assert.is(await sealed(s), true);
    assert.is((await s.request("GET", "sys/policies/acl/p", { token: init.body.root_token })).status, 503);
    kms.setUnavailable(false);
    await waitFor("unsealed once KMS answers", 30_000, async () => !(await sealed(s)));
    s.rootToken = init.body.root_token;
    assert.is((await s.read("sys/policies/acl/p")).status, 200);
  } finally {
    kms.setUnavailable(false);
    await s.close();
  }

  // A wrong secret key: KMS refuses the signature; the node stays sealed and never logs the secret.
  const wrongSecret = randomBytes(15).toString("hex");
  s = await startTestServer({ dataDir, skipInit: true, configure: (c) => (c.seal = kmsSeal(kms, wrongSecret)) });
  try {
    await waitFor("the signature refusal logged", 15_000, async () => s.logs.some((l) => l.includes("SignatureDoesNotMatch")));
    assert.is(await sealed(s), true);
    assert.is((await s.request("GET", "sys/policies/acl/p", { token: init.body.root_token })).status, 503);
    assert.not.ok(s.logs.some((l) => l.includes(wrongSecret) || l.includes(ACCESS.accessKeySecret)), "no secret in the logs");
  } finally {
    await s.close();
  }
});

/** A TCP relay on `port` to the emulator: until it listens, nothing answers on that port (connection refused). */
async function relay(port: number, to: number): Promise<Server> {
  const server = createServer((inbound) => {
    const outbound = connect(to, "127.0.0.1");
    inbound.pipe(outbound).pipe(inbound);
    const end = () => (inbound.destroy(), outbound.destroy());
    inbound.on("error", end);
    outbound.on("error", end);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  return server;
}

t("KMS unreachable at start (nothing listening): sealed and 503, retried with growing delays, unsealed once KMS listens", async ({ kms, dir }) => {
  const dataDir = join(dir, "unreachable");
  let s = await startTestServer({ dataDir, skipInit: true, configure: (c) => (c.seal = kmsSeal(kms)) });
  const init = await s.request("PUT", "sys/init", { token: null, body: { recovery_shares: 1, recovery_threshold: 1 } });
  assert.is(init.status, 200, init.text);
  s.rootToken = init.body.root_token;
  assert.is((await s.write("sys/policies/acl/p", { policy: 'path "kms/*" { capabilities = ["read"] }' })).status, 204);
  await s.close();

  const port = await freePort();
  const away = (): SealConfig => ({ type: "alicloudkms", region: "cn-hangzhou", domain: `http://127.0.0.1:${port}`, kmsKeyId: KEY_ID, accessKey: ACCESS.accessKeyId, secretKey: ACCESS.accessKeySecret });
  s = await startTestServer({ dataDir, skipInit: true, configure: (c) => (c.seal = away()) });
  let proxy: Server | undefined;
  try {
    const retries = () => s.logs.filter((l) => l.includes("auto-unseal failed, retrying"));
    await waitFor("two retries after a refused connection", 20_000, async () => retries().length >= 2);
    assert.match(retries()[0]!, /ECONNREFUSED/, "the log line says why");
    const delays = retries().map((l) => JSON.parse(l).retry_in_ms as number);
    assert.ok(delays[1]! > delays[0]!, `the delay grows: ${delays.join(", ")}`);
    assert.is(await sealed(s), true);
    assert.is((await s.request("GET", "sys/policies/acl/p", { token: init.body.root_token })).status, 503);
    assert.is((await s.request("GET", "sys/health", { token: null })).status, 503);
    proxy = await relay(port, kms.port);
    await waitFor("unsealed once KMS answers", 40_000, async () => !(await sealed(s)));
    s.rootToken = init.body.root_token;
    assert.is((await s.read("sys/policies/acl/p")).status, 200);
    // Every KMS call is an upstream call: each refused attempt a failure, the Decrypt that opened it a success.
    const scrape = (await s.read("sys/metrics?format=prometheus")).text;
    const failures = sampleValue(scrape, 'warden_upstream_requests_total{service="kms",outcome="failure"}');
    assert.ok(failures >= delays.length, `${failures} failures for ${delays.length} logged retries`);
    assert.is(failures, retries().length, "one failure per logged retry");
    assert.is(sampleValue(scrape, 'warden_upstream_requests_total{service="kms",outcome="success"}'), 1, "one Decrypt");
  } finally {
    await s.close();
    await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  }
});

t.run();

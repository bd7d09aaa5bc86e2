// The example plugin end to end, deployed like any out-of-tree plugin: its built file is copied into
// a plugin_directory, registered in the catalog with its sha256, mounted, configured against a
// TokenReview emulator (https, private CA), and used to log in, renew and be refused.
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { assertToken, pluginSha256, startTestServer, type TestServer } from "warden/sdk/testing";
import { plugin } from "../src/index.js";
import { startTokenReview, type TokenReviewEmulator } from "./token-review-emulator.js";

interface Ctx {
  s: TestServer;
  k8s: TokenReviewEmulator;
  dir: string;
}
const t = suite<Ctx>("kubernetes example plugin through the catalog");
const built = fileURLToPath(new URL("../src/index.js", import.meta.url));

t.before(async (ctx) => {
  ctx.k8s = await startTokenReview();
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-k8s-plugins-"));
  copyFileSync(built, join(ctx.dir, "warden-plugin-kubernetes.js"));
  chmodSync(join(ctx.dir, "warden-plugin-kubernetes.js"), 0o644);
  ctx.s = await startTestServer({ plugins: [], configure: (c) => (c.pluginDirectory = ctx.dir) });
  const { s, k8s } = ctx;
  const reg = await s.write("sys/plugins/catalog/auth/kubernetes", { sha256: pluginSha256(join(ctx.dir, "warden-plugin-kubernetes.js")), command: "warden-plugin-kubernetes.js", version: "v0.1.0" });
  assert.is(reg.status, 204, reg.text);
  await s.enableAuth("k8s", "kubernetes");
  const cfg = await s.write("auth/k8s/config", { kubernetes_host: k8s.url, kubernetes_ca_cert: k8s.ca, token_reviewer_jwt: k8s.reviewerJwt });
  assert.is(cfg.status, 204, cfg.text);
  const role = await s.write("auth/k8s/role/payments", {
    bound_service_account_names: "payments-api,payments-worker",
    bound_service_account_namespaces: "prod",
    token_policies: "payments",
    token_ttl: "10m",
    token_max_ttl: "1h",
  });
  assert.is(role.status, 204, role.text);
});
t.after(async ({ s, k8s, dir }) => {
  await s.close();
  await k8s.close();
  rmSync(dir, { recursive: true, force: true });
});

t("a bound service account logs in; the token carries the role's settings and the SA's identity", async ({ s, k8s }) => {
  const jwt = k8s.token({ namespace: "prod", name: "payments-api", uid: "uid-1" });
  const auth = await s.login("auth/k8s/login", { role: "payments", jwt });
  assertToken(auth, {
    policies: ["default", "payments"],
    ttl: 600,
    renewable: true,
    metadata: { role: "payments", service_account_name: "payments-api", service_account_namespace: "prod", service_account_uid: "uid-1" },
  });
  const self = await s.read("auth/token/lookup-self", auth.client_token);
  assert.is(self.status, 200);
  assert.is(self.body.data.display_name, "k8s-prod-payments-api");
  const renewed = await s.write("auth/token/renew-self", {}, auth.client_token);
  assert.is(renewed.status, 200, renewed.text);
  // The config read never shows the reviewer's credential.
  const cfg = await s.read("auth/k8s/config");
  assert.is(cfg.body.data.token_reviewer_jwt_set, true);
  assert.not.match(cfg.text, new RegExp(k8s.reviewerJwt));
});

t("refusals: wrong namespace or name (403), unknown token (400), unknown role (403)", async ({ s, k8s }) => {
  const otherNs = k8s.token({ namespace: "dev", name: "payments-api", uid: "uid-2" });
  assert.is((await s.write("auth/k8s/login", { role: "payments", jwt: otherNs }, null)).status, 403);
  const otherName = k8s.token({ namespace: "prod", name: "billing", uid: "uid-3" });
  assert.is((await s.write("auth/k8s/login", { role: "payments", jwt: otherName }, null)).status, 403);
  const bogus = await s.write("auth/k8s/login", { role: "payments", jwt: "not-a-token" }, null);
  assert.is(bogus.status, 400);
  assert.match(bogus.text, /invalid service account token/);
  const jwt = k8s.token({ namespace: "prod", name: "payments-api", uid: "uid-4" });
  assert.is((await s.write("auth/k8s/login", { role: "nope", jwt }, null)).status, 403);
});

t("the login handler (warden login -method=kubernetes) sends the pod's own token from its file", async ({ s, k8s, dir }) => {
  const file = join(dir, "..", `${dir.split("/").pop()}-sa-token`);
  writeFileSync(file, `${k8s.token({ namespace: "prod", name: "payments-worker", uid: "uid-9" })}\n`);
  try {
    const req = await plugin.login!.login({ args: { role: "payments" }, mount: "k8s", env: { KUBERNETES_SA_TOKEN_FILE: file }, address: s.url });
    assert.is(req.path, "auth/k8s/login");
    const auth = await s.login(req.path, req.body);
    assertToken(auth, { policies: ["default", "payments"], metadata: { role: "payments", service_account_name: "payments-worker", service_account_namespace: "prod", service_account_uid: "uid-9" } });
    let refused = "";
    try {
      await plugin.login!.login({ args: { role: "payments" }, mount: "k8s", env: { KUBERNETES_SA_TOKEN_FILE: join(dir, "missing") }, address: s.url });
    } catch (e) {
      refused = (e as Error).message;
    }
    assert.match(refused, /no jwt given and .*missing cannot be read/);
  } finally {
    rmSync(file, { force: true });
  }
});

t("a role deleted after login ends its tokens' renewals", async ({ s, k8s }) => {
  assert.is((await s.write("auth/k8s/role/temp", { bound_service_account_names: "*", bound_service_account_namespaces: "batch", token_ttl: "5m" })).status, 204);
  const auth = await s.login("auth/k8s/login", { role: "temp", jwt: k8s.token({ namespace: "batch", name: "job-1", uid: "uid-5" }) });
  assertToken(auth, { policies: ["default"], ttl: 300 });
  assert.is((await s.delete("auth/k8s/role/temp")).status, 204);
  assert.is((await s.write("auth/token/renew-self", {}, auth.client_token)).status, 403);
});

t("the cluster's CA is required: with no CA configured the API server's certificate is not trusted", async ({ s, k8s }) => {
  await s.enableAuth("k8s-noca", "kubernetes");
  assert.is((await s.write("auth/k8s-noca/config", { kubernetes_host: k8s.url, token_reviewer_jwt: k8s.reviewerJwt })).status, 204);
  assert.is((await s.write("auth/k8s-noca/role/any", { bound_service_account_names: "*", bound_service_account_namespaces: "*" })).status, 204);
  const jwt = k8s.token({ namespace: "prod", name: "payments-api", uid: "uid-6" });
  assert.is((await s.write("auth/k8s-noca/login", { role: "any", jwt }, null)).status, 503);
});

t("a refused reviewer is the cluster's problem (503), and the mount calls only its configured host", async ({ s, k8s }) => {
  await s.enableAuth("k8s-bad", "kubernetes");
  assert.is((await s.write("auth/k8s-bad/config", { kubernetes_host: k8s.url, kubernetes_ca_cert: k8s.ca, token_reviewer_jwt: "wrong" })).status, 204);
  assert.is((await s.write("auth/k8s-bad/role/any", { bound_service_account_names: "*", bound_service_account_namespaces: "*" })).status, 204);
  const jwt = k8s.token({ namespace: "prod", name: "payments-api", uid: "uid-7" });
  assert.is((await s.write("auth/k8s-bad/login", { role: "any", jwt }, null)).status, 503);
  const mount = (await s.read("sys/auth/k8s")).body.data;
  assert.is(mount.running_plugin_version, "v0.1.0");
  assert.is(mount.type, "kubernetes");
});

t.run();

// A mount whose plugin file fails its pin at boot: listed in sys/auth as failed with the reason,
// every request to it answered 503 with that reason, its path kept (no second enable there), its
// tokens kept (they look up; renewal waits for the method), disabling it works, and a plugin reload
// brings it back once the right file is in place, without a restart.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { TEST_STORAGE, type TestServer } from "../helpers/server.js";
import { runCli } from "../cli/harness.js";
import { type PluginDir, issuingSource, pluginDir, register, serverWithPlugins } from "./fixtures.js";

interface Ctx {
  p: PluginDir;
  dataDir: string;
  s: TestServer;
  /** Tokens issued by auth/iss/ and auth/iss2/ before the restart. */
  issToken: string;
  iss2Token: string;
}

const GOOD = issuingSource("issuer", "good");
const t = suite<Ctx>(`plugin mount recovery (${TEST_STORAGE})`);

const login = async (s: TestServer, mount: string) => s.request("PUT", `auth/${mount}/login`, { token: null, body: { name: "worker" } });
const listed = async (s: TestServer, mount: string) => (await s.read("sys/auth")).body.data[`${mount}/`];

t.before(async (ctx) => {
  ctx.p = pluginDir();
  ctx.dataDir = mkdtempSync(join(tmpdir(), "warden-plugin-recovery-"));
  const first = await serverWithPlugins(ctx.p.dir, { dataDir: ctx.dataDir });
  const sha = ctx.p.put("issuer.js", GOOD);
  assert.is((await register(first, "issuer", "issuer.js", sha)).status, 204);
  await first.enableAuth("iss", "issuer");
  await first.enableAuth("iss2", "issuer");
  const a = await login(first, "iss");
  const b = await login(first, "iss2");
  assert.is(a.status, 200, a.text);
  assert.is(b.status, 200, b.text);
  ctx.issToken = a.body.auth.client_token;
  ctx.iss2Token = b.body.auth.client_token;
  const root = first.rootToken;
  await first.close();

  // The file is replaced behind the server's back; the next boot finds it no longer matches its pin.
  ctx.p.put("issuer.js", issuingSource("issuer", "tampered"));
  ctx.s = await serverWithPlugins(ctx.p.dir, { dataDir: ctx.dataDir });
  ctx.s.rootToken = root;
});
t.after(async (ctx) => {
  await ctx.s?.close();
  rmSync(ctx.dataDir, { recursive: true, force: true });
  rmSync(ctx.p.dir, { recursive: true, force: true });
});

t("the mount stays listed in sys/auth as failed, with the reason", async ({ s }) => {
  const m = await listed(s, "iss");
  assert.ok(m, "listed");
  assert.is(m.type, "issuer");
  assert.is(m.plugin_status, "failed");
  assert.match(m.plugin_error, /sha256 mismatch for plugin "issuer"/);
  assert.is(m.running_plugin_version, "");
  assert.is(m.running_sha256, "");
  assert.is((await listed(s, "token")).plugin_status, "running");
  assert.not.ok("plugin_error" in (await listed(s, "token")));
  assert.is((await s.read("sys/auth/iss")).status, 200, "its settings still read");
  assert.ok(s.logs.some((l) => l.includes("mount listed as failed") && l.includes("sha256 mismatch")), "logged");
});

t("every request to it, login included, is a 503 that points to sys/auth without the reason", async ({ s }) => {
  for (const r of [await s.read("auth/iss/hello"), await login(s, "iss"), await s.read("auth/iss/no/such/path")]) {
    assert.is(r.status, 503, r.text);
    assert.match(r.body.errors[0], /auth method at iss is unavailable: its plugin failed to load \(see plugin_error in sys\/auth\)/);
    assert.not.match(r.body.errors[0], /sha256|mismatch/, "the reason is for operators only");
  }
});

t("its tokens keep their validity rules: they look up; renewal waits for the method (503)", async ({ s, issToken }) => {
  const look = await s.request("GET", "auth/token/lookup-self", { token: issToken });
  assert.is(look.status, 200, look.text);
  assert.is(look.body.data.path, "auth/iss/login");
  const renew = await s.request("PUT", "auth/token/renew-self", { token: issToken });
  assert.is(renew.status, 503, renew.text);
  assert.match(renew.body.errors[0], /plugin failed to load/);
  assert.not.match(renew.body.errors[0], /sha256|mismatch/);
});

t("its path stays taken; a reload with the wrong file still refuses and says why", async ({ s }) => {
  const again = await s.request("POST", "sys/auth/iss", { body: { type: "issuer" } });
  assert.is(again.status, 400);
  assert.match(again.body.errors[0], /path is already in use/);
  const reload = await s.write("sys/plugins/reload/backend", { mounts: ["iss"] });
  assert.is(reload.status, 400, reload.text);
  assert.match(reload.body.errors[0], /sha256 mismatch/);
  assert.is((await listed(s, "iss")).plugin_status, "failed");
  assert.is((await s.read("auth/iss/hello")).status, 503);
});

t("once the right file is back, a reload brings the mount back without a restart", async ({ s, p, issToken }) => {
  p.put("issuer.js", GOOD);
  // The operator's way: `warden plugin reload -mounts=iss` (sys/plugins/reload/backend).
  const cli = await runCli(["plugin", "reload", "-mounts=iss"], { env: { WARDEN_ADDR: s.url, WARDEN_TOKEN: s.rootToken } });
  assert.is(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /Reloaded: iss\//);
  const m = await listed(s, "iss");
  assert.is(m.plugin_status, "running");
  assert.not.ok("plugin_error" in m);
  assert.is(m.running_plugin_version, "v1.0.0");
  assert.is((await s.read("auth/iss/hello")).body.data.marker, "good");
  // The old token renews again under the method's rules; new logins work.
  const renew = await s.request("PUT", "auth/token/renew-self", { token: issToken });
  assert.is(renew.status, 200, renew.text);
  assert.is(renew.body.auth.lease_duration, 600);
  assert.is((await login(s, "iss")).status, 200);
  // Reloading one mount leaves the other failed one as it was.
  assert.is((await listed(s, "iss2")).plugin_status, "failed");
});

t("a failed mount can be disabled: its tokens are revoked and its path is free again", async ({ s, iss2Token }) => {
  assert.is((await s.request("GET", "auth/token/lookup-self", { token: iss2Token })).status, 200);
  assert.is((await s.delete("sys/auth/iss2")).status, 204);
  assert.is(await listed(s, "iss2"), undefined);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token: iss2Token })).status, 403, "revoked with its mount");
  await s.enableAuth("iss2", "issuer");
  assert.is((await s.read("auth/iss2/hello")).body.data.marker, "good");
});

t.run();

// `warden login -method=<type>` with the plugin's own login handler: the builtin methods' handlers are
// their plugins' own, and an out-of-tree plugin's handler is loaded from its pinned file (the pin
// from -plugin-sha256 or from the catalog), against a real server running the same plugin.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { builtinPlugins } from "../../plugins/index.js";
import { builtinLoginHandlers } from "../../plugins/login-handlers.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { type PluginDir, pluginDir } from "../plugins/fixtures.js";
import { freshHome, runCli } from "./harness.js";
import { statictokenSource } from "./statictoken-plugin.js";

interface Ctx {
  s: TestServer;
  p: PluginDir;
  pin: string;
}
const TOKEN = "static-S3cret-value";
const t = suite<Ctx>("warden login with plugins' login handlers");

t.before(async (ctx) => {
  ctx.p = pluginDir();
  ctx.pin = ctx.p.put("statictoken.js", statictokenSource());
  ctx.s = await startTestServer({ configure: (c) => (c.pluginDirectory = ctx.p.dir) });
  const { s } = ctx;
  assert.is((await s.write("sys/plugins/catalog/auth/statictoken", { sha256: ctx.pin, command: "statictoken.js", version: "v1.0.0" })).status, 204);
  await s.enableAuth("statictoken", "statictoken");
  const sha = createHash("sha256").update(TOKEN).digest("hex");
  assert.is((await s.write("auth/statictoken/config", { token_sha256s: sha, token_policies: "static" })).status, 204);
});
t.after(async ({ s, p }) => {
  await s.close();
  rmSync(p.dir, { recursive: true, force: true });
});

t("every builtin login handler is its plugin's own", () => {
  for (const plugin of builtinPlugins) assert.is(builtinLoginHandlers[plugin.type], plugin.login, plugin.type);
  assert.equal(Object.keys(builtinLoginHandlers).sort(), builtinPlugins.map((p) => p.type).sort());
});

t("-method=statictoken with -plugin-directory and -plugin-sha256: the plugin's handler builds the login", async ({ s, p, pin }) => {
  const home = freshHome();
  const r = await runCli(["login", "-method=statictoken", `-plugin-directory=${p.dir}`, `-plugin-sha256=${pin}`], {
    env: { WARDEN_ADDR: s.url, STATICTOKEN_TOKEN: TOKEN },
    home,
  });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /token_policies\s+\[default static\]/);
  const token = readFileSync(join(home, ".warden-token"), "utf8");
  const self = await s.read("auth/token/lookup-self", token);
  assert.is(self.body.data.display_name, `statictoken-${createHash("sha256").update(TOKEN).digest("hex").slice(0, 12)}`);
  assert.not.ok(r.stdout.includes(TOKEN) || r.stderr.includes(TOKEN));
});

t("the pin from the catalog (read with the caller's token), the directory from WARDEN_PLUGIN_DIRECTORY", async ({ s, p }) => {
  const r = await runCli(["login", "-method=statictoken", "-no-store", `token=${TOKEN}`], {
    env: { WARDEN_ADDR: s.url, WARDEN_TOKEN: s.rootToken, WARDEN_PLUGIN_DIRECTORY: p.dir },
  });
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /token_policies\s+\[default static\]/);
});

t("without the plugin's file the method is sent generically: the environment's token is not used", async ({ s }) => {
  const home = freshHome();
  const r = await runCli(["login", "-method=statictoken"], { env: { WARDEN_ADDR: s.url, STATICTOKEN_TOKEN: TOKEN }, home });
  assert.is(r.code, 1);
  assert.match(r.stderr, /missing token/);
  assert.not.ok(existsSync(join(home, ".warden-token")));
});

t("refusals: a wrong pin, no pin and no catalog access, a handler's usage error; nothing stored", async ({ s, p, pin }) => {
  const home = freshHome();
  const env = { WARDEN_ADDR: s.url, STATICTOKEN_TOKEN: TOKEN };
  const wrong = await runCli(["login", "-method=statictoken", `-plugin-directory=${p.dir}`, `-plugin-sha256=${"0".repeat(64)}`], { env, home });
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /sha256 mismatch for plugin "statictoken"/);
  const nopin = await runCli(["login", "-method=statictoken", `-plugin-directory=${p.dir}`], { env, home });
  assert.is(nopin.code, 1);
  assert.match(nopin.stderr, /cannot read the catalog entry of plugin "statictoken" \(403\): give its pin with -plugin-sha256/);
  const usage = await runCli(["login", "-method=statictoken", `-plugin-directory=${p.dir}`, `-plugin-sha256=${pin}`], { env: { WARDEN_ADDR: s.url }, home });
  assert.is(usage.code, 1);
  assert.match(usage.stderr, /no token: pass token=\.\.\. or set STATICTOKEN_TOKEN/);
  assert.match(usage.stderr, /Usage: warden login/);
  const typo = await runCli(["login", "-method=statictoken", `-plugin-directory=${p.dir}`, `-plugin-sha256=${pin}`, "tokn=x"], { env, home });
  assert.is(typo.code, 1);
  assert.match(typo.stderr, /unknown statictoken login argument: tokn/);
  const shaOnly = await runCli(["login", "-method=statictoken", `-plugin-sha256=${pin}`], { env, home });
  assert.is(shaOnly.code, 1);
  assert.match(shaOnly.stderr, /-plugin-sha256 needs -plugin-directory/);
  assert.not.ok(existsSync(join(home, ".warden-token")));
});

t.run();

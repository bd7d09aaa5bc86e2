// `warden plugin new` end to end, offline: scaffold into a temporary folder (node_modules linked to
// this checkout), run the scaffold's own `npm test`, then deploy its built file through the catalog
// like an operator would, pinned with `warden plugin sha256`.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pluginSha256 } from "../../src/sdk/testing/pin.js";
import { runCli } from "../cli/harness.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";
import { pluginDir, probeSource, register, serverWithPlugins } from "./fixtures.js";

const cli = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const warden = (args: string[], cwd?: string): string => execFileSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8" });

test("scaffold, its own tests pass as generated, and its build mounts through the catalog", async () => {
  const parent = mkdtempSync(join(tmpdir(), "warden-scaffold-"));
  const dir = join(parent, "acme");
  try {
    const out = warden(["plugin", "new", "acme", `-dir=${dir}`, "-link"]);
    assert.match(out, /Scaffolded acme/);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    assert.match(pkg.devDependencies.warden, /^file:\//);
    assert.is(pkg.peerDependencies.warden, "^0.1.0");
    // The generated test command, as its author runs it (no network: node_modules is linked).
    const env = { ...process.env, npm_config_offline: "true", npm_config_update_notifier: "false" };
    const testOut = execFileSync("npm", ["test", "--silent"], { cwd: dir, encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] });
    assert.match(testOut.replace(/\x1b\[[0-9;]*m/g, ""), /Passed:\s+3/);

    const built = join(dir, "dist", "src", "index.js");
    const pin = warden(["plugin", "sha256", built]).trim();
    assert.is(pin, pluginSha256(built));
    // The scaffold's own script, as its README says (node_modules/.bin/warden, linked offline).
    assert.is(execFileSync("npm", ["run", "-s", "sha256"], { cwd: dir, encoding: "utf8", env }).trim(), pin);
    assert.match(readFileSync(join(dir, "README.md"), "utf8"), /-command=acme\.js/);
    const p = pluginDir();
    copyFileSync(built, join(p.dir, "acme.js"));
    chmodSync(join(p.dir, "acme.js"), 0o644);
    const s = await serverWithPlugins(p.dir);
    try {
      assert.is((await register(s, "acme", "acme.js", pin, "v0.1.0")).status, 204);
      await s.enableAuth("acme", "acme");
      assert.is((await s.write("auth/acme/config", { allowed_names: "bob", token_policies: "ops" })).status, 204);
      const auth = await s.login("auth/acme/login", { name: "bob" });
      assert.equal(auth.token_policies, ["default", "ops"]);
      // The kit's login handler, as a user runs it: from the deployed file, checked against its pin.
      const cliLogin = await runCli(["login", "-method=acme", `-plugin-directory=${p.dir}`, `-plugin-sha256=${pin}`, "-token-only", "name=bob"], { env: { WARDEN_ADDR: s.url } });
      assert.is(cliLogin.code, 0, cliLogin.stderr);
      assert.is((await s.read("auth/token/lookup-self", cliLogin.stdout.trim())).body.data.display_name, "acme-bob");
    } finally {
      await s.close();
      rmSync(p.dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test("server -dev -dev-plugin-dir registers the directory's plugins at boot; an author mounts one, rebuilds, restarts on the data dir", async () => {
  const parent = mkdtempSync(join(tmpdir(), "warden-devplugins-"));
  const plugins = join(parent, "plugins");
  mkdirSync(plugins, { mode: 0o755 });
  writeFileSync(join(plugins, "probe.js"), probeSource("probe", "dev-dir"), { mode: 0o644 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${url}/v1/${path}`, { method, headers: { "X-Vault-Token": "root", "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  /** The dev server as an author starts it, on one data dir; resolves once its banner is out. */
  async function devServer() {
    const server = spawn(process.execPath, [cli, "server", "-dev", `-dev-listen-address=127.0.0.1:${port}`, "-dev-root-token-id=root", `-dev-plugin-dir=${plugins}`, `-dev-data-dir=${join(parent, "data")}`], { stdio: ["ignore", "pipe", "pipe"] });
    const run = { server, output: "", exited: new Promise((r) => server.once("exit", r)) };
    server.stdout!.on("data", (d) => (run.output += d));
    server.stderr!.on("data", (d) => (run.output += d));
    await waitFor("the dev server's banner", 20_000, async () => /Root Token:/.test(run.output));
    return run;
  }
  const stop = async (run: Awaited<ReturnType<typeof devServer>>) => {
    run.server.kill("SIGTERM");
    await run.exited;
  };
  let run: Awaited<ReturnType<typeof devServer>> | undefined;
  try {
    run = await devServer();
    // The banner's root token is the "ready" a reader waits for: the plugin is in the catalog by then.
    assert.ok(/Plugin registered: probe[\s\S]*Root Token:/.test(run.output), `registered before the banner's Root Token line:\n${run.output}`);
    const entry = (await (await call("GET", "sys/plugins/catalog/auth/probe")).json()) as any;
    assert.is(entry.data.sha256, pluginSha256(join(plugins, "probe.js")));
    assert.is(entry.data.command, "probe.js");
    assert.is((await call("POST", "sys/auth/probe", { type: "probe" })).status, 204, run.output);
    assert.is(((await (await call("GET", "auth/probe/hello")).json()) as any).data.marker, "dev-dir");
    // The server runs from its bundle, the plugin imports warden/sdk: one WardenError class for both, so
    // the plugin's refusal is answered as such (a class of the bundle's own would make it a 500).
    const refused = await call("GET", "auth/probe/refuse");
    assert.equal([refused.status, ((await refused.json()) as any).errors], [400, ["refused by the probe"]]);
    await stop(run);

    // A rebuild, copied in, and the same dev server started again: the mount runs the new build.
    writeFileSync(join(plugins, "probe.js"), probeSource("probe", "rebuilt"), { mode: 0o644 });
    run = await devServer();
    assert.match(run.output, /Plugin reloaded: probe \(mounts probe\/\)[\s\S]*Root Token:/);
    const hello = await call("GET", "auth/probe/hello");
    assert.is(hello.status, 200, run.output);
    assert.is(((await hello.json()) as any).data.marker, "rebuilt");
    const mount = (await (await call("GET", "sys/auth/probe")).json()) as any;
    assert.is(mount.data.running_sha256, pluginSha256(join(plugins, "probe.js")));

    // Started again with nothing changed: nothing to reload.
    await stop(run);
    run = await devServer();
    assert.not.match(run.output, /Plugin reloaded/);
    assert.is((await call("GET", "auth/probe/hello")).status, 200);
  } finally {
    if (run) await stop(run);
    rmSync(parent, { recursive: true, force: true });
  }
});

test("-dev-plugin-dir is a dev flag", () => {
  assert.throws(() => warden(["server", "-config=/nonexistent.hcl", "-dev-plugin-dir=/tmp"]), /needs -dev/);
});

test("plugin new refuses a bad name and an existing folder", () => {
  const parent = mkdtempSync(join(tmpdir(), "warden-scaffold-"));
  try {
    // As `npm run warden -- plugin new x` would from a checkout: inside warden's own tree, refused with the way out.
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    const inside = join(root, "dist", "scaffold-refused");
    assert.throws(() => execFileSync(process.execPath, [cli, "plugin", "new", "refused", `-dir=${inside}`], { encoding: "utf8", stdio: "pipe" }), (e: any) => /inside the warden installation[\s\S]*npm link/.test(String(e.stderr)));
    assert.not.ok(existsSync(inside), "nothing written");
    assert.throws(() => warden(["plugin", "new", "Bad_Name", `-dir=${join(parent, "x")}`]));
    assert.throws(() => warden(["plugin", "new", "dup", `-dir=${parent}`]));
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test.run();

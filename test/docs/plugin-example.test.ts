// docs/plugins.md's complete example is real: the ```ts block after <!-- example: plugin --> is
// compiled with tsc against warden/sdk in a scaffold (`warden plugin new -link`), its built file put
// in a plugin directory, registered by `server -dev -dev-plugin-dir` at boot, mounted, and used over
// HTTP as the guide shows (role write and read, a login, a wrong key, a missing role).
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as assert from "uvu/assert";
import { linkDependencies, scaffold } from "../../src/cli/plugin-scaffold.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";
import { codeBlocks } from "./markdown-blocks.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const t = suite("docs/plugins.md example plugin");

/** The block right after the `<!-- example: plugin -->` comment. */
function exampleSource(): string {
  const md = readFileSync(join(ROOT, "docs/plugins.md"), "utf8");
  const at = md.indexOf("<!-- example: plugin -->");
  assert.ok(at !== -1, "docs/plugins.md lost its <!-- example: plugin --> marker");
  const line = md.slice(0, at).split("\n").length;
  const block = codeBlocks("docs/plugins.md", md).find((b) => b.line > line);
  assert.ok(block && block.lang === "ts", "the example marker is not followed by a ```ts block");
  return block!.text;
}

t("compiles against warden/sdk, mounts on a dev server and works as the guide says", async () => {
  const parent = mkdtempSync(join(tmpdir(), "warden-doc-example-"));
  const project = join(parent, "acme-keys");
  scaffold(project, "acme-keys");
  linkDependencies(project);
  writeFileSync(join(project, "src", "index.ts"), exampleSource());
  rmSync(join(project, "test"), { recursive: true });
  const plugins = join(parent, "plugins");
  mkdirSync(plugins, { mode: 0o755 });
  let server: ReturnType<typeof spawn> | undefined;
  try {
    try {
      execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", project], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      assert.unreachable(`the guide's example does not compile:\n${err.stdout ?? ""}${err.stderr ?? ""}`);
    }
    copyFileSync(join(project, "dist", "src", "index.js"), join(plugins, "acme-keys.js"));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [join(ROOT, "dist/src/cli/main.js"), "server", "-dev", `-dev-listen-address=127.0.0.1:${port}`, "-dev-root-token-id=root", `-dev-plugin-dir=${plugins}`, `-dev-data-dir=${join(parent, "data")}`], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    server.stdout!.on("data", (d) => (output += d));
    server.stderr!.on("data", (d) => (output += d));
    const call = async (method: string, path: string, body?: unknown, token: string | null = "root") => {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (token) headers["X-Vault-Token"] = token;
      const res = await fetch(`${url}/v1/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
    };
    await waitFor("the dev server to register acme-keys", 20_000, async () => /Plugin registered: acme-keys/.test(output));

    assert.is((await call("POST", "sys/auth/keys", { type: "acme-keys" })).status, 204, output);
    const write = await call("PUT", "auth/keys/role/CI", { key: "s3cret", allowed_names: "runner-1,runner-2", labels: '{"team":"infra"}', token_policies: "ci", token_ttl: "10m" });
    assert.is(write.status, 204, write.text);
    const role = await call("GET", "auth/keys/role/ci");
    assert.is(role.status, 200, role.text);
    assert.equal(role.body.data.allowed_names, ["runner-1", "runner-2"]);
    assert.equal(role.body.data.labels, { team: "infra" });
    assert.equal(role.body.data.token_policies, ["ci"]);
    assert.is(role.body.data.token_ttl, 600);
    assert.not.ok(role.text.includes("s3cret"), "the key is never read back");
    assert.equal((await call("GET", "auth/keys/role?list=true")).body.data.keys, ["ci"]);

    const login = await call("PUT", "auth/keys/login", { role: "ci", name: "runner-1", key: "s3cret" }, null);
    assert.is(login.status, 200, login.text);
    assert.equal(login.body.auth.policies, ["ci", "default"]);
    assert.is(login.body.auth.metadata.team, "infra");
    assert.is(login.body.auth.lease_duration, 600);
    const wrong = await call("PUT", "auth/keys/login", { role: "ci", name: "runner-1", key: "nope" }, null);
    assert.is(wrong.status, 400);
    assert.equal(wrong.body.errors, ["invalid name or key"]);
    assert.is((await call("PUT", "auth/keys/login", { role: "nope", name: "runner-1", key: "s3cret" }, null)).status, 403);
    assert.is((await call("GET", "auth/keys/role/missing")).status, 404);
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once("exit", r));
      server.kill("SIGTERM");
      await exited;
    }
    rmSync(parent, { recursive: true, force: true });
  }
});

t.run();

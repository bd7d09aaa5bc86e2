// Owner and mode of plugin files and directories (Vault's plugin_file_uid / plugin_file_permissions):
// the rules as units, the boot refusal of an unsafe plugin_directory, and over HTTP the exact mode of
// plugin_file_permissions and a group-writable subdirectory.
import { chmodSync, chownSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { checkPluginDirectory, dirProblem, fileProblem, pluginFileRules } from "../../src/core/plugins/file-checks.js";
import { startTestServer } from "../helpers/server.js";
import { pluginDir, probeSource, register, serverWithPlugins } from "./fixtures.js";

const self = process.getuid!();
const u = suite("plugin file rules");

u("pluginFileRules: default owner is the server's uid; an explicit uid (even 0) is kept", () => {
  assert.equal(pluginFileRules(undefined, undefined), { uid: self });
  assert.equal(pluginFileRules(0, 0o640), { uid: 0, permissions: 0o640 });
});

u("files: owner, group/other write, exact permissions", () => {
  const p = pluginDir();
  p.put("f.js", "export {};\n");
  const f = join(p.dir, "f.js");
  const rules = { uid: self };
  assert.is(fileProblem(statSync(f), "f.js", rules), undefined);
  assert.match(String(fileProblem(statSync(f), "f.js", { uid: self + 1 })), new RegExp(`owned by uid ${self}, not by uid ${self + 1}`));
  for (const mode of [0o664, 0o646, 0o666, 0o620]) {
    chmodSync(f, mode);
    assert.match(String(fileProblem(statSync(f), "f.js", rules)), /group or other may write it/, mode.toString(8));
  }
  chmodSync(f, 0o600);
  assert.is(fileProblem(statSync(f), "f.js", rules), undefined);
  assert.match(String(fileProblem(statSync(f), "f.js", { uid: self, permissions: 0o640 })), /has mode 0600, but plugin_file_permissions requires 0640/);
  chmodSync(f, 0o640);
  assert.is(fileProblem(statSync(f), "f.js", { uid: self, permissions: 0o640 }), undefined);
  rmSync(p.dir, { recursive: true, force: true });
});

u("directories: group/other write refused; owner must be the plugin owner, the server or root", () => {
  const p = pluginDir();
  const rules = { uid: self };
  assert.is(dirProblem(statSync(p.dir), "d", rules), undefined);
  chmodSync(p.dir, 0o775);
  assert.match(String(dirProblem(statSync(p.dir), "d", rules)), /group or other may add or replace plugin files/);
  chmodSync(p.dir, 0o700);
  if (self === 0) {
    chownSync(p.dir, 65534, 65534);
    assert.match(String(dirProblem(statSync(p.dir), "d", rules)), /owned by uid 65534, not by the plugin owner/);
    assert.is(dirProblem(statSync(p.dir), "d", { uid: 65534 }), undefined, "the configured plugin owner may own it");
  }
  rmSync(p.dir, { recursive: true, force: true });
});

u("checkPluginDirectory: missing, not a directory, group/other-writable -> refused with a clear error", async () => {
  const p = pluginDir();
  const rules = pluginFileRules(undefined, undefined);
  await checkPluginDirectory(p.dir, rules);
  const err = (dir: string) => checkPluginDirectory(dir, rules).then(() => "", (e: Error) => e.message);
  assert.match(await err(join(p.dir, "nope")), /plugin_directory .*nope cannot be used: ENOENT/);
  p.put("file.js", "");
  assert.match(await err(join(p.dir, "file.js")), /is not a directory/);
  chmodSync(p.dir, 0o777);
  assert.match(await err(p.dir), /plugin_directory .* has mode 0777: group or other may add or replace plugin files there.*the server does not start/);
  rmSync(p.dir, { recursive: true, force: true });
});

u.run();

const h = suite("plugin file rules over HTTP");

h("the server refuses to start on a group- or other-writable plugin_directory", async () => {
  const p = pluginDir();
  for (const mode of [0o770, 0o707]) {
    chmodSync(p.dir, mode);
    const outcome = await serverWithPlugins(p.dir).then(
      async (s) => {
        await s.close();
        return "started";
      },
      (e: Error) => e.message,
    );
    assert.match(outcome, /has mode 0(770|707): group or other may add or replace plugin files there/);
  }
  chmodSync(p.dir, 0o755);
  const s = await serverWithPlugins(p.dir);
  await s.close();
  rmSync(p.dir, { recursive: true, force: true });
});

h("plugin_file_permissions: the exact mode is required; a writable subdirectory is refused", async () => {
  const p = pluginDir();
  const s = await startTestServer({ configure: (c) => ((c.pluginDirectory = p.dir), (c.pluginFilePermissions = 0o640)) });
  try {
    const sha = p.put("exact.js", probeSource("exact", "x"));
    const r = await register(s, "exact", "exact.js", sha);
    assert.is(r.status, 400, r.text);
    assert.match(r.body.errors.join(" "), /plugin file "exact.js" has mode 0644, but plugin_file_permissions requires 0640/);
    chmodSync(join(p.dir, "exact.js"), 0o640);
    assert.is((await register(s, "exact", "exact.js", sha)).status, 204);

    mkdirSync(join(p.dir, "sub"), { mode: 0o755 });
    const subSha = p.put("sub/nested.js", probeSource("nested", "x"));
    chmodSync(join(p.dir, "sub", "nested.js"), 0o640);
    chmodSync(join(p.dir, "sub"), 0o777);
    const sub = await register(s, "nested", "sub/nested.js", subSha);
    assert.is(sub.status, 400, sub.text);
    assert.match(sub.body.errors.join(" "), /directory .*sub has mode 0777/);
    chmodSync(join(p.dir, "sub"), 0o755);
    assert.is((await register(s, "nested", "sub/nested.js", subSha)).status, 204);
  } finally {
    await s.close();
    rmSync(p.dir, { recursive: true, force: true });
  }
});

h.run();

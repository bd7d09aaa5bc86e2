// The audit device rules as units: the prefix gate, and the file-path rule for API-enabled devices
// (direct, via symlinks of the file or of a directory, via "..", not-yet-existing files and
// directories, dangling symlinks, hard links), plus how the broker applies them by origin.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { link, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type AuditDeviceRules, checkApiFilePath, checkPrefixAllowed, resolveTarget } from "../../src/core/audit/device-rules.js";
import { createAuditBroker } from "../../src/core/audit/broker.js";
import { assertRejects } from "../../src/sdk/testing/assertions.js";
import { MemorySystem, removeDir, tempDir } from "./helpers.js";

async function layout() {
  const root = await tempDir();
  const plugins = join(root, "plugins");
  const data = join(root, "data");
  const logs = join(root, "logs");
  for (const d of [plugins, data, logs]) await mkdir(d);
  const rules: AuditDeviceRules = {
    allowPrefixing: false,
    protectedDirs: [
      { dir: plugins, what: "the plugin directory" },
      { dir: data, what: "the storage directory" },
    ],
  };
  return { root, plugins, data, logs, rules };
}

const refusedInto = (what: string) => new RegExp(`an audit device enabled over the API may not write inside ${what}`);

test("prefix: refused unless allowed, whatever its value (Vault's message)", () => {
  const no: AuditDeviceRules = { allowPrefixing: false, protectedDirs: [] };
  for (const prefix of ["console.log(1)//", "", " "]) {
    assert.throws(() => checkPrefixAllowed({ file_path: "/x", prefix }, no), (e: Error) => e.message === "audit log prefixing is not allowed");
  }
  checkPrefixAllowed({ file_path: "/x" }, no);
  checkPrefixAllowed({ file_path: "/x", prefix: "AUDIT " }, { ...no, allowPrefixing: true });
});

test("file path: allowed outside, refused inside each protected directory, directly, via '..' and via symlinks", async () => {
  const { root, plugins, data, logs, rules } = await layout();
  await checkApiFilePath(join(logs, "audit.log"), rules);
  await checkApiFilePath("stdout", rules);
  await checkApiFilePath("discard", rules);
  await assertRejects(checkApiFilePath("audit.log", rules), 400, /absolute/);

  await symlink(plugins, join(logs, "to-plugins"));
  await symlink(join(plugins, "planted.js"), join(logs, "dangling.log"));
  await writeFile(join(data, "warden.db"), "db");
  await symlink(join(data, "warden.db"), join(logs, "db-link.log"));
  const cases: Array<[string, string]> = [
    [join(plugins, "evil.js"), "the plugin directory"],
    [plugins, "the plugin directory"],
    [join(plugins, "sub", "deeper", "evil.js"), "the plugin directory"],
    [join(logs, "..", "plugins", "evil.js"), "the plugin directory"],
    [`${logs}/../plugins/./evil.js`, "the plugin directory"],
    [join(logs, "to-plugins", "evil.js"), "the plugin directory"],
    [join(logs, "to-plugins", "new-dir", "evil.js"), "the plugin directory"],
    [join(data, "audit.log"), "the storage directory"],
    [join(logs, "db-link.log"), "the storage directory"],
  ];
  for (const [path, what] of cases) await assertRejects(checkApiFilePath(path, rules), 400, refusedInto(what));
  // A dangling symlink would create its target wherever it points: refused before anything resolves.
  await assertRejects(checkApiFilePath(join(logs, "dangling.log"), rules), 400, /symbolic link to a file that does not exist/);
  assert.not.ok(existsSync(join(plugins, "evil.js")) || existsSync(join(plugins, "planted.js")), "checks create nothing");
  // A name that merely starts like a protected directory is not inside it.
  await mkdir(join(root, "plugins-other"));
  await checkApiFilePath(join(root, "plugins-other", "audit.log"), rules);
  await removeDir(root);
});

test("file path: a protected directory reached through a symlink is still protected", async () => {
  const { root, plugins, logs } = await layout();
  await symlink(plugins, join(root, "plugin-link"));
  const rules: AuditDeviceRules = { allowPrefixing: false, protectedDirs: [{ dir: join(root, "plugin-link"), what: "the plugin directory" }] };
  await assertRejects(checkApiFilePath(join(plugins, "evil.js"), rules), 400, refusedInto("the plugin directory"));
  await checkApiFilePath(join(logs, "audit.log"), rules);
  await removeDir(root);
});

test("file path: an existing file with another hard link is refused (the log would also land there)", async () => {
  const { root, logs, rules } = await layout();
  await writeFile(join(logs, "a.log"), "");
  await checkApiFilePath(join(logs, "a.log"), rules);
  await link(join(logs, "a.log"), join(logs, "b.log"));
  await assertRejects(checkApiFilePath(join(logs, "a.log"), rules), 400, /other hard links/);
  await removeDir(root);
});

test("resolveTarget: existing paths, missing tails, symlinked parents", async () => {
  const { root, plugins, logs } = await layout();
  await symlink(plugins, join(logs, "p"));
  assert.is(await resolveTarget(join(logs, "p", "x", "y.js")), join(plugins, "x", "y.js"));
  assert.is(await resolveTarget(join(logs, "new.log")), join(logs, "new.log"));
  assert.is(await resolveTarget(plugins), plugins);
  await removeDir(root);
});

test("broker: API devices follow the path rule, config devices do not; both follow the prefix rule; origins persist", async () => {
  const { root, plugins, logs, rules } = await layout();
  const system = new MemorySystem();
  const errors: string[] = [];
  const broker = await createAuditBroker(system, { onError: (m) => errors.push(m), rules });
  const dev = (path: string, file: string, extra: Record<string, string> = {}) => ({ path, type: "file" as const, description: "", options: { file_path: file, ...extra } });
  await assertRejects(broker.enable(dev("evil", join(plugins, "evil.js"))), 400, refusedInto("the plugin directory"));
  await assertRejects(broker.enable(dev("evil", join(plugins, "evil.js"), { prefix: "import('x');//" })), 400, "audit log prefixing is not allowed");
  await assertRejects(broker.enable(dev("cfg", join(logs, "c.log"), { prefix: "x" }), "config"), 400, "audit log prefixing is not allowed");
  assert.not.ok(existsSync(join(plugins, "evil.js")), "no file created");
  await broker.enable(dev("cfg", join(plugins, "operator-chose-this.log")), "config");
  await broker.enable(dev("api", join(logs, "a.log")));
  const stored = JSON.parse(system.map.get("audit/devices")!) as Array<{ path: string; origin: string }>;
  assert.equal(stored.map((d) => [d.path, d.origin]), [["cfg/", "config"], ["api/", "api"]]);
  assert.equal(broker.list().map((d) => Object.keys(d).sort()), [["description", "options", "path", "type"], ["description", "options", "path", "type"]]);
  await broker.close();

  // A restart keeps the config device's trust; a table written before origins existed counts as API.
  const again = await createAuditBroker(system, { onError: () => undefined, rules });
  assert.equal(again.list().map((d) => d.path), ["cfg/", "api/"]);
  await again.close();
  system.map.set("audit/devices", JSON.stringify(stored.map(({ origin: _o, ...d }) => d)));
  const legacy = await createAuditBroker(system, { onError: () => undefined, rules }).then(() => undefined, (e: Error) => e);
  assert.match(String(legacy?.message), /audit device cfg\/ in the device table is refused: .*may not write inside the plugin directory/);
  // ... unless the config file still declares it with the same options: then it is adopted as a config device.
  const adopted = await createAuditBroker(system, { onError: () => undefined, rules, configDevices: [dev("cfg", join(plugins, "operator-chose-this.log"))] });
  assert.equal(adopted.list().map((d) => d.path), ["cfg/", "api/"]);
  assert.equal((JSON.parse(system.map.get("audit/devices")!) as Array<{ origin: string }>).map((d) => d.origin), ["config", "api"]);
  await adopted.close();
  await removeDir(root);
});

test("broker: config devices are enabled at load; a bad one stops the load with the block named", async () => {
  const { root, logs, rules } = await layout();
  const system = new MemorySystem();
  const decl = { path: "main", type: "file" as const, description: "", options: { file_path: join(logs, "main.log") } };
  const broker = await createAuditBroker(system, { onError: () => undefined, rules, configDevices: [decl] });
  assert.equal(broker.list(), [{ path: "main/", type: "file", description: "from config", options: { file_path: join(logs, "main.log") } }]);
  await broker.close();
  const bad = { ...decl, path: "other", options: { file_path: join(logs, "o.log"), prefix: "p" } };
  const err = await createAuditBroker(new MemorySystem(), { onError: () => undefined, rules, configDevices: [bad] }).then(() => undefined, (e: Error) => e);
  assert.match(String(err?.message), /audit "file" "other" in the server config: audit log prefixing is not allowed/);
  await removeDir(root);
});

test("broker sync: a device another node enabled that this node refuses fails every write here (closed, not open)", async () => {
  const { root, plugins, logs, rules } = await layout();
  const system = new MemorySystem();
  const nodeA = await createAuditBroker(system, { onError: () => undefined, rules: { allowPrefixing: true, protectedDirs: [] } });
  const errors: string[] = [];
  const nodeB = await createAuditBroker(system, { onError: (m) => errors.push(m), rules });
  await nodeA.enable({ path: "shared", type: "file", description: "", options: { file_path: join(plugins, "x.log") } });
  await nodeB.sync();
  assert.equal(nodeB.list().map((d) => d.path), ["shared/"]);
  assert.ok(errors.some((e) => /shared\/, enabled on another node, is refused on this one/.test(e)), errors.join("\n"));
  const { loginRequest } = await import("./helpers.js");
  await assertRejects(nodeB.logRequest(loginRequest()), 500, "internal error");
  await nodeA.enable({ path: "fine", type: "file", description: "", options: { file_path: join(logs, "f.log") } });
  await nodeB.sync();
  await nodeB.logRequest(loginRequest());
  await nodeA.close();
  await nodeB.close();
  await removeDir(root);
});

test.run();

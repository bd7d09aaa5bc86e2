// Issue 11 §1 over real HTTP: a NON-root token with sudo on sys/audit/* and sys/plugins/catalog/*
// tries to turn the file audit device into code execution (audit file in plugin_directory with a
// line of JavaScript as prefix, then register it, learning its hash from the refusal), and a planted
// plugin tries to run with a wrong pin, a loose mode or the wrong owner. Every step is refused, no
// file appears in the plugin directory and no planted code runs: the planted module's top level
// writes a marker file, which must not exist (and does, in the positive control, once the file is
// made safe and mounted).
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { type PluginDir, pluginDir, probeSource, register } from "../plugins/fixtures.js";

const OPERATOR_POLICY = `
path "sys/audit" { capabilities = ["read", "sudo"] }
path "sys/audit/*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }
path "sys/plugins/catalog" { capabilities = ["read", "sudo"] }
path "sys/plugins/catalog/*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }
path "sys/auth/*" { capabilities = ["create", "read", "update", "delete", "sudo"] }
`;

/** A valid plugin whose top level proves it ran by writing `marker`. */
const plantedSource = (marker: string): string =>
  `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "planted code ran");\n${probeSource("planted", "planted")}`;

/** A second node-style boot of the same data (restart tests) with extra config. */
function server(p: PluginDir, extra: { dataDir?: string; prefixing?: boolean; uid?: number } = {}): Promise<TestServer> {
  return startTestServer({
    dataDir: extra.dataDir,
    configure: (c) => {
      c.pluginDirectory = p.dir;
      if (extra.prefixing) c.allowAuditLogPrefixing = true;
      if (extra.uid !== undefined) c.pluginFileUid = extra.uid;
    },
  });
}

/** A token that is not root but holds sudo on the audit and catalog paths. */
async function operatorToken(s: TestServer): Promise<string> {
  assert.is((await s.write("sys/policies/acl/audit-plugin-operator", { policy: OPERATOR_POLICY })).status, 204);
  const created = await s.write("auth/token/create", { policies: ["audit-plugin-operator"] });
  assert.is(created.status, 200, created.text);
  const token = created.body.auth.client_token as string;
  const self = await s.read("auth/token/lookup-self", token);
  assert.not.ok(self.body.data.policies.includes("root"), "the attacker is not root");
  return token;
}

const enableAudit = (s: TestServer, token: string, path: string, options: Record<string, string>) =>
  s.request("PUT", `sys/audit/${path}`, { token, body: { type: "file", options } });

const JS_PREFIX = (marker: string) => `import("node:fs").then((fs) => fs.writeFileSync(${JSON.stringify(marker)}, "audit prefix ran")); //`;

interface Ctx {
  work: string;
  marker: string;
}
const t = suite<Ctx>("audit file -> plugin directory -> code execution, over HTTP");
t.before.each((ctx) => {
  ctx.work = mkdtempSync(join(tmpdir(), "warden-attack-"));
  ctx.marker = join(ctx.work, "marker");
});
t.after.each((ctx) => rmSync(ctx.work, { recursive: true, force: true }));

t("the chain: prefix refused (400), plugin directory refused (400), nothing to register, no file, no code", async ({ work, marker }) => {
  const p = pluginDir();
  const s = await server(p);
  try {
    const token = await operatorToken(s);
    const evil = join(p.dir, "evil.js");
    const withPrefix = await enableAudit(s, token, "evil", { file_path: evil, prefix: JS_PREFIX(marker) });
    assert.is(withPrefix.status, 400, withPrefix.text);
    assert.equal(withPrefix.body.errors, ["audit log prefixing is not allowed"]);
    const noPrefix = await enableAudit(s, token, "evil", { file_path: evil });
    assert.is(noPrefix.status, 400, noPrefix.text);
    assert.match(noPrefix.body.errors.join(" "), /may not write inside the plugin directory/);
    const reg = await s.request("PUT", "sys/plugins/catalog/auth/evil", { token, body: { sha256: "0".repeat(64), command: "evil.js" } });
    assert.is(reg.status, 400, reg.text);
    assert.match(reg.body.errors.join(" "), /not found in plugin_directory/);
    assert.equal(readdirSync(p.dir), [], "no file was written in the plugin directory");
    assert.not.ok(existsSync(marker), "no code ran");
    assert.equal(Object.keys((await s.read("sys/audit")).body.data), [], "no device is left enabled");
    // Positive control: the same token can enable a device where logs belong; its lines start with "{".
    const ok = await enableAudit(s, token, "fine", { file_path: join(work, "audit.log") });
    assert.is(ok.status, 204, ok.text);
    await s.read("auth/token/lookup-self", token);
    assert.ok(readFileSync(join(work, "audit.log"), "utf8").split("\n").filter(Boolean).every((l) => l.startsWith('{"')));
  } finally {
    await s.close();
    rmSync(p.dir, { recursive: true, force: true });
  }
});

t("allow_audit_log_prefixing = true: a prefix is accepted, the plugin directory still is not", async ({ work, marker }) => {
  const p = pluginDir();
  const s = await server(p, { prefixing: true });
  try {
    const token = await operatorToken(s);
    const r = await enableAudit(s, token, "evil", { file_path: join(p.dir, "evil.js"), prefix: JS_PREFIX(marker) });
    assert.is(r.status, 400, r.text);
    assert.match(r.body.errors.join(" "), /file_path .*evil\.js is refused: an audit device enabled over the API may not write inside the plugin directory/);
    assert.equal(readdirSync(p.dir), []);
    const ok = await enableAudit(s, token, "prefixed", { file_path: join(work, "audit.log"), prefix: "AUDIT " });
    assert.is(ok.status, 204, ok.text);
    await s.read("auth/token/lookup-self", token);
    assert.ok(readFileSync(join(work, "audit.log"), "utf8").startsWith("AUDIT {"));
    assert.not.ok(existsSync(marker));
  } finally {
    await s.close();
    rmSync(p.dir, { recursive: true, force: true });
  }
});

t("a planted file: wrong pin -> 'sha256 mismatch' without its hash; loose mode refused at registration and at mount; no code runs until it is safe and mounted", async ({ marker }) => {
  const p = pluginDir();
  const s = await server(p);
  try {
    const token = await operatorToken(s);
    const sha = p.put("planted.js", plantedSource(marker));
    const file = join(p.dir, "planted.js");
    const wrong = await s.request("PUT", "sys/plugins/catalog/auth/planted", { token, body: { sha256: "f".repeat(64), command: "planted.js" } });
    assert.is(wrong.status, 400, wrong.text);
    assert.equal(wrong.body.errors, ['sha256 mismatch for plugin "planted": planted.js does not match the pinned sha256']);
    assert.not.ok(wrong.text.includes(sha), "the response reveals the file's sha256");
    assert.not.ok(s.logs.some((l) => l.includes(sha)), "a log line reveals the file's sha256");

    for (const mode of [0o664, 0o646]) {
      chmodSync(file, mode);
      const r = await s.request("PUT", "sys/plugins/catalog/auth/planted", { token, body: { sha256: sha, command: "planted.js" } });
      assert.is(r.status, 400, r.text);
      assert.match(r.body.errors.join(" "), new RegExp(`plugin "planted" refused: plugin file "planted.js" has mode 0${mode.toString(8)}: group or other may write it`));
    }
    chmodSync(file, 0o644);
    const reg = await s.request("PUT", "sys/plugins/catalog/auth/planted", { token, body: { sha256: sha, command: "planted.js" } });
    assert.is(reg.status, 204, reg.text);
    assert.not.ok(existsSync(marker), "registration ran the module");

    chmodSync(file, 0o664);
    const mount = await s.request("POST", "sys/auth/planted", { token, body: { type: "planted" } });
    assert.is(mount.status, 400, mount.text);
    assert.match(mount.body.errors.join(" "), /group or other may write it/);
    assert.not.ok(existsSync(marker), "a refused mount ran the module");
    assert.not.ok(Object.keys((await s.read("sys/auth")).body.data).includes("planted/"));

    // Positive control: the marker appears as soon as the (now safe) plugin is mounted.
    chmodSync(file, 0o644);
    const good = await s.request("POST", "sys/auth/planted", { token, body: { type: "planted" } });
    assert.is(good.status, 204, good.text);
    assert.ok(existsSync(marker), "the marker proves mounting runs the module");
  } finally {
    await s.close();
    rmSync(p.dir, { recursive: true, force: true });
  }
});

t("a planted file owned by another uid than plugin_file_uid is refused at mount; no code runs", async ({ work, marker }) => {
  const p = pluginDir();
  const dataDir = join(work, "data");
  mkdirSync(dataDir);
  let s = await server(p, { dataDir });
  const root = s.rootToken;
  const sha = p.put("planted.js", plantedSource(marker));
  try {
    assert.is((await register(s, "planted", "planted.js", sha)).status, 204);
    if (process.getuid?.() === 0) {
      // As root the file itself can change hands.
      chownSync(join(p.dir, "planted.js"), 65534, 65534);
      const r = await s.request("POST", "sys/auth/planted", { body: { type: "planted" } });
      assert.is(r.status, 400, r.text);
      assert.match(r.body.errors.join(" "), /plugin file "planted.js" is owned by uid 65534, not by uid 0/);
      assert.not.ok(existsSync(marker));
      chownSync(join(p.dir, "planted.js"), 0, 0);
    }
    await s.close();
    // Any user: the same file, a server configured to expect another owner.
    const other = (statSync(join(p.dir, "planted.js")).uid + 1) % 65536;
    s = await server(p, { dataDir, uid: other });
    s.rootToken = root;
    const r = await s.request("POST", "sys/auth/planted", { body: { type: "planted" } });
    assert.is(r.status, 400, r.text);
    assert.match(r.body.errors.join(" "), new RegExp(`is owned by uid \\d+, not by uid ${other} \\(plugin_file_uid`));
    assert.not.ok(existsSync(marker), "no code ran");
  } finally {
    await s.close();
    rmSync(p.dir, { recursive: true, force: true });
  }
});

t.run();

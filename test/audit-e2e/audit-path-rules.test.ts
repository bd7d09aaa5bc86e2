// Over real HTTP: an audit device enabled through sys/audit may not write into any directory the
// server trusts — plugin_directory, the storage directory (SQLite), the directory of a TLS
// certificate or key, of the config file, of the boot policies, or the server's own installation —
// whether the path names it directly, through a symlink or through "..". Each attempt is a 400 that
// names the rule and creates no file. Audit devices declared in the config file may write there.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { packageRoot } from "../../src/core/plugins/loader.js";
import { TEST_STORAGE, type TestServer, startTestServer } from "../helpers/server.js";

interface Ctx {
  work: string;
  dirs: Record<string, string>;
  logs: string;
  s: TestServer;
}

const t = suite<Ctx>("audit file paths over the API");

t.before(async (ctx) => {
  ctx.work = mkdtempSync(join(tmpdir(), "warden-audit-rules-"));
  const sub = (name: string): string => {
    const d = join(ctx.work, name);
    mkdirSync(d, { mode: 0o755 });
    return d;
  };
  const plugins = sub("plugins");
  const tls = sub("tls");
  const conf = sub("conf");
  const policies = sub("policies");
  ctx.logs = sub("logs");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(tls, "key.pem"), "-out", join(tls, "cert.pem"), "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
  writeFileSync(join(conf, "warden.hcl"), `plugin_directory = "${plugins}"\n`);
  writeFileSync(join(policies, "readers.hcl"), `path "sys/health" { capabilities = ["read"] }\n`);
  ctx.s = await startTestServer({
    policyDir: policies,
    configure: (c) => {
      c.pluginDirectory = plugins;
      c.configFile = join(conf, "warden.hcl");
      // A second, TLS listener: its key and certificate directory is off limits too.
      c.listeners.push({ ...c.listeners[0]!, tlsDisable: false, tlsCertFile: join(tls, "cert.pem"), tlsKeyFile: join(tls, "key.pem") });
    },
  });
  ctx.dirs = {
    "the plugin directory": plugins,
    "the directory of a TLS certificate or key": tls,
    "the directory of the server config file": conf,
    "the policy directory": policies,
    "the server's installation directory": packageRoot(),
  };
  // On PostgreSQL the server keeps no database files on this host.
  if (TEST_STORAGE === "sqlite") ctx.dirs["the storage directory"] = ctx.s.dataDir;
});
t.after(async (ctx) => {
  await ctx.s.close();
  rmSync(ctx.work, { recursive: true, force: true });
});

/** "/a/b/logs/../../../<dir>": ".." segments all the way up from the logs directory, then down. */
const viaDotDot = (logs: string, dir: string): string => logs + "/..".repeat(logs.split("/").length - 1) + dir;

t("direct, via a symlink and via '..': 400 naming the rule, no file created", async ({ s, dirs, logs }) => {
  let n = 0;
  for (const [what, dir] of Object.entries(dirs)) {
    const link = join(logs, `link-${n++}`);
    symlinkSync(dir, link);
    const attempts = [join(dir, "audit.log"), join(link, "audit.log"), `${viaDotDot(logs, dir)}/audit.log`, join(dir, "new-subdir", "audit.log")];
    for (const file_path of attempts) {
      const r = await s.request("PUT", `sys/audit/try${n}`, { body: { type: "file", options: { file_path } } });
      assert.is(r.status, 400, `${what} via ${file_path}: ${r.text}`);
      assert.match(r.body.errors.join(" "), new RegExp(`may not write inside ${what.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`), file_path);
    }
    assert.not.ok(existsSync(join(dir, "audit.log")), `a file was created in ${what}`);
    assert.not.ok(existsSync(join(dir, "new-subdir")), `a directory was created in ${what}`);
  }
  assert.equal(Object.keys((await s.read("sys/audit")).body.data), []);
});

t("paths outside them stay fine; the discard keyword keeps working (stdout too: see the unit test)", async ({ s, logs }) => {
  for (const [path, file_path] of [["ok", join(logs, "audit.log")], ["null", "discard"]] as const) {
    const r = await s.request("PUT", `sys/audit/${path}`, { body: { type: "file", options: { file_path } } });
    assert.is(r.status, 204, `${file_path}: ${r.text}`);
  }
  assert.ok(existsSync(join(logs, "audit.log")));
  for (const path of ["ok", "null"]) assert.is((await s.delete(`sys/audit/${path}`)).status, 204);
});

t("a device declared in the config file may write into a protected directory (the operator's choice)", async ({ dirs }) => {
  const data = mkdtempSync(join(tmpdir(), "warden-audit-cfg-"));
  const file = join(dirs["the plugin directory"]!, "operator.log");
  const s = await startTestServer({
    dataDir: data,
    configure: (c) => {
      c.pluginDirectory = dirs["the plugin directory"];
      c.audit = [{ type: "file", path: "operator", filePath: file, options: {} }];
    },
  });
  try {
    assert.equal(Object.keys((await s.read("sys/audit")).body.data), ["operator/"]);
    await s.read("sys/health");
    await s.read("auth/token/lookup-self");
    assert.ok(existsSync(file), "the config device writes where the operator said");
  } finally {
    await s.close();
    rmSync(data, { recursive: true, force: true });
    rmSync(file, { force: true });
  }
});

t.run();

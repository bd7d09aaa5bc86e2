import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { parseHcl } from "../../src/config/hcl.js";
import { devServerConfig, loadServerConfig, parseServerConfig } from "../../src/config/server-config.js";
import { WardenError } from "../../src/sdk/errors.js";

const MIN = `
listener "tcp" {
  tls_disable = true
}
storage "sqlite" {
  path = "/tmp/w.db"
}
`;
const NOENV = {};
const parse = (text: string, env: NodeJS.ProcessEnv = NOENV) => parseServerConfig(text, "test.hcl", env);

async function fails(text: string, re: RegExp, env: NodeJS.ProcessEnv = NOENV): Promise<void> {
  try {
    await parse(text, env);
  } catch (e) {
    assert.ok(e instanceof WardenError && e.status === 400, `not a WardenError: ${String(e)}`);
    assert.match((e as Error).message, /^test\.hcl/);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected failure matching ${re}`);
}

test("defaults", async () => {
  const c = await parse(MIN);
  assert.equal(c.listeners, [
    {
      type: "tcp",
      address: "127.0.0.1:8200",
      tlsDisable: true,
      tlsMinVersion: "tls12",
      xForwardedForAuthorizedAddrs: [],
      xForwardedForHopSkips: 0,
      xForwardedForRejectNotAuthorized: true,
      xForwardedForRejectNotPresent: true,
      maxRequestSize: 33554432,
      maxConnections: 4096,
      httpReadHeaderTimeout: 10,
      httpReadTimeout: 30,
      httpIdleTimeout: 300,
      unauthenticatedMetricsAccess: false,
    },
  ]);
  assert.equal(c.storage, { type: "sqlite", path: "/tmp/w.db" });
  assert.is(c.defaultLeaseTtl, 768 * 3600);
  assert.is(c.maxLeaseTtl, 768 * 3600);
  assert.is(c.logLevel, "info");
  assert.equal(c.audit, []);
  assert.is(c.apiAddr, undefined);
});

test("every key of the example file", async () => {
  const text = await import("node:fs/promises").then((fs) => fs.readFile("config.example.hcl", "utf8"));
  const c = await parseServerConfig(text, "config.example.hcl", NOENV);
  const l = c.listeners[0]!;
  assert.is(l.address, "0.0.0.0:8200");
  assert.is(l.tlsDisable, false);
  assert.is(l.tlsCertFile, "/etc/warden/tls/cert.pem");
  assert.is(l.tlsKeyFile, "/etc/warden/tls/key.pem");
  assert.equal(l.xForwardedForAuthorizedAddrs, ["10.0.0.0/8", "192.168.1.10/32"]);
  assert.is(l.maxRequestSize, 33554432);
  assert.equal([l.maxConnections, l.httpReadHeaderTimeout, l.httpReadTimeout, l.httpIdleTimeout], [4096, 10, 30, 300]);
  assert.equal(c.storage, { type: "sqlite", path: "/var/lib/warden/warden.db" });
  assert.is(c.pluginDirectory, "/etc/warden/plugins");
  assert.is(c.apiAddr, "https://warden.example.com:8200");
  assert.is(c.clusterName, "warden-prod");
  assert.equal(c.audit, [
    { type: "file", path: "file/", filePath: "/var/log/warden/audit.log", options: { log_raw: "false" } },
  ]);
  assert.is(l.unauthenticatedMetricsAccess, false);
  assert.equal(c.telemetry, { prometheusRetentionSeconds: 86400, disableHostname: true });
});

test("telemetry: top-level and listener blocks, Vault's keys; others refused", async () => {
  const c = await parse(`
listener "tcp" {
  tls_disable = true
  telemetry {
    unauthenticated_metrics_access = true
  }
}
storage "sqlite" {
  path = "/tmp/w.db"
}
telemetry {
  prometheus_retention_time = "0"
  disable_hostname = false
}
`);
  assert.is(c.listeners[0]!.unauthenticatedMetricsAccess, true);
  assert.equal(c.telemetry, { prometheusRetentionSeconds: 0, disableHostname: false });
  assert.equal((await parse(MIN)).telemetry, { prometheusRetentionSeconds: 86400, disableHostname: false });
  assert.is((await parse(MIN)).listeners[0]!.unauthenticatedMetricsAccess, false);
  await fails(`${MIN}\ntelemetry {\n  statsite_address = "127.0.0.1:8125"\n}\n`, /telemetry: unknown or unsupported key "statsite_address"/);
  await fails(`${MIN}\ntelemetry {\n  prometheus_retention_time = "soon"\n}\n`, /prometheus_retention_time/);
  await fails(`${MIN}\ntelemetry {\n  disable_hostname = "maybe"\n}\n`, /disable_hostname: expected a boolean/);
  await fails(`listener "tcp" {\n  tls_disable = true\n  telemetry {\n    unauthenticated_metrics_access = "perhaps"\n  }\n}\nstorage "sqlite" {\n  path = "/tmp/w.db"\n}\n`, /unauthenticated_metrics_access: expected a boolean/);
  await fails(`listener "tcp" {\n  tls_disable = true\n  telemetry {\n    usage_gauge_period = "10m"\n  }\n}\nstorage "sqlite" {\n  path = "/tmp/w.db"\n}\n`, /unknown or unsupported key "usage_gauge_period"/);
});

test("listener limits: max_connections and Vault's http_*_timeout keys; none may be 0, headers within the read timeout", async () => {
  const c = await parse(`
listener "tcp" {
  tls_disable = true
  max_connections = "200"
  http_read_header_timeout = "5s"
  http_read_timeout = 60
  http_idle_timeout = "2m"
}
storage "sqlite" { path = "x.db" }
`);
  const l = c.listeners[0]!;
  assert.equal([l.maxConnections, l.httpReadHeaderTimeout, l.httpReadTimeout, l.httpIdleTimeout], [200, 5, 60, 120]);
  const listener = (body: string) => `listener "tcp" {\n tls_disable = true\n ${body}\n}\nstorage "sqlite" { path = "y" }`;
  await fails(listener("max_connections = 0"), /max_connections must be at least 1/);
  await fails(listener("max_connections = -3"), /max_connections/);
  await fails(listener('http_read_header_timeout = "0s"'), /http_read_header_timeout must be at least 1s/);
  await fails(listener("http_read_timeout = 0"), /http_read_timeout must be at least 1s/);
  await fails(listener('http_idle_timeout = "500ms"'), /http_idle_timeout must be at least 1s/);
  await fails(listener('http_read_timeout = "5s"'), /http_read_header_timeout \(10s\) cannot be greater than http_read_timeout \(5s\)/);
  await fails(listener('http_read_header_timeout = "soon"'), /http_read_header_timeout/);
  await fails(listener("http_write_timeout = 10"), /unknown key "http_write_timeout"/);
});

test("listener keys: xff as comma string, hop skips, flags, size, tls13, several listeners", async () => {
  const c = await parse(`
listener "tcp" {
  address = "[::1]:8300"
  tls_disable = "true"
  x_forwarded_for_authorized_addrs = "10.1.2.3/8, ::ffff:192.168.0.1"
  x_forwarded_for_hop_skips = "2"
  x_forwarded_for_reject_not_authorized = false
  x_forwarded_for_reject_not_present = 0
  max_request_size = 1024
}
listener "tcp" {
  address = ":8443"
  tls_cert_file = "c.pem"
  tls_key_file = "k.pem"
  tls_min_version = "tls13"
}
storage "sqlite" { path = "x.db" }
default_lease_ttl = 3600
max_lease_ttl = "2h"
log_level = "DEBUG"
`);
  const [a, b] = c.listeners;
  assert.equal(a!.xForwardedForAuthorizedAddrs, ["10.0.0.0/8", "192.168.0.1/32"]);
  assert.is(a!.xForwardedForHopSkips, 2);
  assert.is(a!.xForwardedForRejectNotAuthorized, false);
  assert.is(a!.xForwardedForRejectNotPresent, false);
  assert.is(a!.maxRequestSize, 1024);
  assert.is(a!.address, "[::1]:8300");
  assert.is(b!.tlsMinVersion, "tls13");
  assert.is(b!.tlsDisable, false);
  assert.is(c.defaultLeaseTtl, 3600);
  assert.is(c.maxLeaseTtl, 7200);
  assert.is(c.logLevel, "debug");
});

test("postgresql storage, env override of connection_url", async () => {
  const pg = `listener "tcp" { tls_disable = true }
storage "postgresql" {
  connection_url = "postgres://file"
  table_prefix = "wd"
  max_connections = 4
  ha_enabled = "true"
}`;
  const c = await parse(pg);
  assert.equal(c.storage, { type: "postgresql", connectionUrl: "postgres://file", tablePrefix: "wd", maxConnections: 4, haEnabled: true });
  const e = await parse(pg, { WARDEN_PG_CONNECTION_URL: "postgres://env" });
  assert.is((e.storage as { connectionUrl: string }).connectionUrl, "postgres://env");
  const onlyEnv = await parse(`listener "tcp" { tls_disable = true }\nstorage "postgresql" {}`, {
    WARDEN_PG_CONNECTION_URL: "postgres://env",
  });
  assert.equal(onlyEnv.storage, { type: "postgresql", connectionUrl: "postgres://env", tablePrefix: "warden", maxConnections: 10, haEnabled: false });
  await fails(`listener "tcp" { tls_disable = true }\nstorage "postgresql" {}`, /connection_url/);
  await fails(`listener "tcp" { tls_disable = true }\nstorage "postgresql" {\n connection_url = "x"\n table_prefix = "a; drop"\n}`, /table_prefix/);
});

test("errors: unknown keys, bad durations, default > max, bad CIDR, storage count, tls, log level", async () => {
  await fails(`${MIN}\nseal "x" {}`, /seal "x": unknown seal type/);
  await fails(`${MIN}\ncluster_addr = "https://x"`, /unknown key "cluster_addr"/);
  await fails(`listener "tcp" {\n tls_disable = true\n x_forwarded_for_authorized_addr = "10.0.0.0/8"\n}\nstorage "sqlite" { path = "x" }`, /unknown key "x_forwarded_for_authorized_addr"/);
  await fails(`${MIN}\ndefault_lease_ttl = "1 hour"`, /default_lease_ttl/);
  await fails(`${MIN}\nmax_lease_ttl = "-5s"`, /max_lease_ttl/);
  await fails(`${MIN}\ndefault_lease_ttl = "2h"\nmax_lease_ttl = "1h"`, /cannot be greater than max_lease_ttl/);
  await fails(`${MIN}\ndefault_lease_ttl = "800h"`, /cannot be greater/);
  await fails(`listener "tcp" {\n tls_disable = true\n x_forwarded_for_authorized_addrs = "10.0.0.0/33"\n}\nstorage "sqlite" { path = "x" }`, /x_forwarded_for_authorized_addrs/);
  await fails(`listener "tcp" {\n tls_disable = true\n x_forwarded_for_authorized_addrs = ["010.1.1.1"]\n}\nstorage "sqlite" { path = "x" }`, /x_forwarded_for_authorized_addrs/);
  await fails(`listener "tcp" { tls_disable = true }`, /exactly one storage/);
  await fails(`${MIN}\nstorage "sqlite" { path = "y" }`, /exactly one storage/);
  await fails(`listener "tcp" { tls_disable = true }\nstorage "file" { path = "y" }`, /unsupported storage/);
  await fails(`storage "sqlite" { path = "y" }`, /listener/);
  await fails(`listener "tcp" {}\nstorage "sqlite" { path = "y" }`, /tls_cert_file/);
  await fails(`listener "unix" { tls_disable = true }\nstorage "sqlite" { path = "y" }`, /unsupported listener/);
  await fails(`listener "tcp" {\n tls_disable = true\n tls_min_version = "tls10"\n}\nstorage "sqlite" { path = "y" }`, /tls_min_version/);
  await fails(`listener "tcp" {\n tls_disable = true\n address = "localhost"\n}\nstorage "sqlite" { path = "y" }`, /host:port/);
  await fails(`listener "tcp" {\n tls_disable = "maybe"\n}\nstorage "sqlite" { path = "y" }`, /boolean/);
  await fails(`listener "tcp" {\n tls_disable = true\n max_request_size = -1\n}\nstorage "sqlite" { path = "y" }`, /max_request_size/);
  await fails(`${MIN}\nlog_level = "verbose"`, /log_level/);
  await fails(`${MIN}\napi_addr = "ftp://x"`, /api_addr/);
  await fails(`${MIN}\naudit "file" "f/" { log_raw = "true" }`, /file_path is required/);
  await fails(`${MIN}\naudit "syslog" "s/" { facility = "x" }`, /unsupported audit/);
  await fails(`listener "tcp" { tls_disable = true`, /test\.hcl:1,/);
});

test("loadServerConfig reads a file; missing file is a clear error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "warden-cfg-"));
  const file = join(dir, "warden.hcl");
  await writeFile(file, MIN);
  const c = await loadServerConfig(file, NOENV);
  assert.is(c.storage.type, "sqlite");
  assert.is(c.configFile, file, "the config file's own path (its directory is off limits to API audit files)");
  assert.is((await parse(MIN)).configFile, undefined);
  try {
    await loadServerConfig(join(dir, "nope.hcl"), NOENV);
    assert.unreachable("missing file");
  } catch (e) {
    assert.ok(e instanceof WardenError && /nope\.hcl/.test(e.message) && /ENOENT/.test(e.message), String(e));
  }
});

test("audit prefixing and plugin file keys (Vault's names): defaults, values, refusals", async () => {
  const d = await parse(MIN);
  assert.is(d.allowAuditLogPrefixing, false);
  assert.is(d.pluginFileUid, undefined);
  assert.is(d.pluginFilePermissions, undefined);
  const c = await parse(`${MIN}\nallow_audit_log_prefixing = true\nplugin_file_uid = 1001\nplugin_file_permissions = "0750"`);
  assert.is(c.allowAuditLogPrefixing, true);
  assert.is(c.pluginFileUid, 1001);
  assert.is(c.pluginFilePermissions, 0o750);
  assert.is((await parse(`${MIN}\nplugin_file_permissions = 640`)).pluginFilePermissions, 0o640);
  assert.is((await parse(`${MIN}\nplugin_file_uid = 0`)).pluginFileUid, 0);
  await fails(`${MIN}\nallow_audit_log_prefixing = "perhaps"`, /allow_audit_log_prefixing: expected a boolean/);
  await fails(`${MIN}\nplugin_file_uid = -1`, /plugin_file_uid/);
  await fails(`${MIN}\nplugin_file_permissions = "rwx"`, /plugin_file_permissions: expected an octal mode/);
  await fails(`${MIN}\nplugin_file_permissions = "0775"`, /plugin_file_permissions: 0775 lets group or other write plugin files/);
  await fails(`${MIN}\nplugin_file_permissions = "0757"`, /lets group or other write/);
  assert.is(devServerConfig({ dataDir: "/data" }).allowAuditLogPrefixing, false);
});

test("devServerConfig", () => {
  const c = devServerConfig({ dataDir: "/data" });
  assert.is(c.listeners[0]!.address, "127.0.0.1:8200");
  assert.is(c.listeners[0]!.tlsDisable, true);
  assert.equal(c.storage, { type: "sqlite", path: "/data/warden.db" });
  assert.is(c.defaultLeaseTtl, 768 * 3600);
  assert.is(c.maxLeaseTtl, 768 * 3600);
  assert.is(devServerConfig({ dataDir: "/d", listenAddress: "127.0.0.1:9000" }).listeners[0]!.address, "127.0.0.1:9000");
});

test("parseHcl: block shape and clear syntax errors", async () => {
  const out = await parseHcl(`path "a" {\n x = 1\n}`, "f.hcl");
  assert.equal(out, { path: { a: [{ x: 1 }] } });
  try {
    await parseHcl(`a = [`, "f.hcl");
    assert.unreachable("syntax error");
  } catch (e) {
    assert.ok(e instanceof WardenError && /^f\.hcl:1,/.test(e.message) && !/parse config/.test(e.message), String(e));
  }
});

test.run();

test("ui: the web console is off unless ui = true; the dev server has it on", async () => {
  assert.is((await parse(MIN)).ui, false);
  assert.is((await parse(`${MIN}\nui = true\n`)).ui, true);
  assert.is((await parse(`${MIN}\nui = false\n`)).ui, false);
  await fails(`${MIN}\nui = "maybe"\n`, /ui: expected a boolean/);
  assert.is(devServerConfig({ dataDir: "/tmp/x" }).ui, true);
});

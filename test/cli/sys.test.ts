// auth / policy / audit / operator init / status against a recording server.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { envelope, runCli, recordingServer } from "./harness.js";

const srv = recordingServer(test);

const last = () => srv.last();
const run = (args: string[], stdin?: string) =>
  runCli(args, { env: { WARDEN_ADDR: srv.url, WARDEN_TOKEN: "hvs.ROOT" }, ...(stdin === undefined ? {} : { stdin }) });


test("auth enable: POST sys/auth/<path> with Vault's body; unset TTLs are \"0s\"", async () => {
  let r = await run(["auth", "enable", "alicloud"]);
  assert.is(r.code, 0, r.stderr);
  assert.is(last().method, "POST");
  assert.is(last().path, "/v1/sys/auth/alicloud");
  assert.equal(last().json, {
    type: "alicloud",
    description: "",
    local: false,
    seal_wrap: false,
    external_entropy_access: false,
    config: { default_lease_ttl: "0s", max_lease_ttl: "0s" },
    options: null,
  });
  assert.is(r.stdout, "Success! Enabled alicloud auth method at: alicloud/\n");
  r = await run(["auth", "enable", "-path=ali-prod/", "-description=prod", "-default-lease-ttl=30m", "-max-lease-ttl=2h", "alicloud"]);
  assert.is(r.code, 0, r.stderr);
  assert.is(last().path, "/v1/sys/auth/ali-prod");
  const body = last().json as { description: string; config: unknown };
  assert.is(body.description, "prod");
  assert.equal(body.config, { default_lease_ttl: "30m0s", max_lease_ttl: "2h0m0s" });
  assert.is(r.stdout, "Success! Enabled alicloud auth method at: ali-prod/\n");
});

test("auth enable: 'path is already in use' is shown in Vault's error layout", async () => {
  srv.answer = () => ({ status: 400, body: { errors: ["path is already in use at alicloud/"] } });
  const r = await run(["auth", "enable", "alicloud"]);
  assert.is(r.code, 1);
  assert.is(
    r.stderr,
    `Error enabling: Error making API request.\n\nURL: POST ${srv.url}/v1/sys/auth/alicloud\nCode: 400. Errors:\n\n* path is already in use at alicloud/\n`,
  );
});

test("auth list: table sorted by path, json prints the mount map", async () => {
  const mounts = {
    "token/": { type: "token", description: "token based credentials", accessor: "auth_token_1a2b3c4d", config: {} },
    "alicloud/": { type: "alicloud", description: "", accessor: "auth_alicloud_5d1c9f2a", plugin_version: "" },
  };
  srv.answer = () => ({ status: 200, body: { ...mounts, ...(envelope({ data: mounts }) as object) } });
  let r = await run(["auth", "list"]);
  assert.is(r.code, 0, r.stderr);
  assert.is(last().method, "GET");
  assert.is(last().path, "/v1/sys/auth");
  assert.is(
    r.stdout,
    [
      "Path         Type        Accessor                  Description                Version",
      "----         ----        --------                  -----------                -------",
      "alicloud/    alicloud    auth_alicloud_5d1c9f2a    n/a                        n/a",
      "token/       token       auth_token_1a2b3c4d       token based credentials    n/a",
      "",
    ].join("\n"),
  );
  r = await run(["auth", "list", "-format=json"]);
  assert.equal(JSON.parse(r.stdout), mounts);
});

test("auth disable / tune", async () => {
  let r = await run(["auth", "disable", "ali-prod/"]);
  assert.is(r.code, 0, r.stderr);
  assert.equal([last().method, last().path], ["DELETE", "/v1/sys/auth/ali-prod"]);
  assert.is(r.stdout, "Success! Disabled the auth method (if it existed) at: ali-prod/\n");
  r = await run(["auth", "tune", "-max-lease-ttl=4h", "alicloud"]);
  assert.is(r.code, 0, r.stderr);
  assert.equal([last().method, last().path], ["POST", "/v1/sys/mounts/auth/alicloud/tune"]);
  assert.equal(last().json, { default_lease_ttl: "", max_lease_ttl: "4h0m0s" });
  assert.is(r.stdout, "Success! Tuned the auth method at: alicloud/\n");
  r = await run(["auth", "tune", "-default-lease-ttl=system", "-description=d", "alicloud"]);
  assert.equal(last().json, { default_lease_ttl: "system", max_lease_ttl: "", description: "d" });
});

test("policy write from a file and from stdin; read; list; delete", async () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-pol-"));
  const hcl = 'path "auth/token/lookup-self" {\n  capabilities = ["read"]\n}\n';
  writeFileSync(join(dir, "dev.hcl"), hcl);
  let r = await run(["policy", "write", "dev", join(dir, "dev.hcl")]);
  assert.is(r.code, 0, r.stderr);
  assert.equal([last().method, last().path, last().json], ["PUT", "/v1/sys/policies/acl/dev", { policy: hcl }]);
  assert.is(r.stdout, "Success! Uploaded policy: dev\n");
  r = await run(["policy", "write", "ops", "-"], "path \"x\" {}\n");
  assert.is(r.code, 0, r.stderr);
  assert.equal(last().json, { policy: 'path "x" {}\n' });
  r = await run(["policy", "write", "ops", join(dir, "missing.hcl")]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /ENOENT/);

  srv.answer = (req) =>
    req.path === "/v1/sys/policies/acl/dev"
      ? { status: 200, body: envelope({ data: { name: "dev", policy: hcl } }) }
      : req.path === "/v1/sys/policies/acl" && req.query.get("list") === "true"
        ? { status: 200, body: envelope({ data: { keys: ["default", "dev", "root"] } }) }
        : { status: 404, body: { errors: [] } };
  r = await run(["policy", "read", "dev"]);
  assert.is(r.code, 0, r.stderr);
  assert.equal([last().method, last().path], ["GET", "/v1/sys/policies/acl/dev"]);
  assert.is(r.stdout, hcl);
  r = await run(["policy", "read", "nope"]);
  assert.is(r.code, 2);
  assert.is(r.stderr, "No policy named: nope\n");
  r = await run(["policy", "list"]);
  assert.is(r.code, 0, r.stderr);
  assert.is(last().method, "GET");
  assert.is(r.stdout, "default\ndev\nroot\n");
  srv.answer = () => ({ status: 204 });
  r = await run(["policy", "delete", "dev"]);
  assert.equal([r.code, last().method, last().path], [0, "DELETE", "/v1/sys/policies/acl/dev"]);
  assert.is(r.stdout, "Success! Deleted policy: dev\n");
});

test("audit enable/list/disable", async () => {
  let r = await run(["audit", "enable", "file", "file_path=/var/log/warden.log"]);
  assert.is(r.code, 0, r.stderr);
  assert.equal([last().method, last().path], ["PUT", "/v1/sys/audit/file"]);
  assert.equal(last().json, { type: "file", description: "", options: { file_path: "/var/log/warden.log" }, local: false });
  assert.is(r.stdout, "Success! Enabled the file audit device at: file/\n");
  r = await run(["audit", "enable", "-path=second", "file", "file_path=stdout"]);
  assert.is(last().path, "/v1/sys/audit/second");
  const devices = { "file/": { type: "file", description: "", options: { file_path: "/var/log/warden.log" }, path: "file/" } };
  srv.answer = () => ({ status: 200, body: { ...devices, ...(envelope({ data: devices }) as object) } });
  r = await run(["audit", "list"]);
  assert.is(r.code, 0, r.stderr);
  assert.equal([last().method, last().path], ["GET", "/v1/sys/audit"]);
  assert.is(r.stdout, "Path     Type    Description\n----     ----    -----------\nfile/    file    n/a\n");
  srv.answer = () => ({ status: 204 });
  r = await run(["audit", "disable", "file"]);
  assert.equal([r.code, last().method, last().path], [0, "DELETE", "/v1/sys/audit/file"]);
});

test("operator init: PUT sys/init without a token, prints the root token", async () => {
  srv.answer = () => ({ status: 200, body: { root_token: "hvs.FIRSTROOT", keys: [], keys_base64: [] } });
  let r = await run(["operator", "init"]);
  assert.is(r.code, 0, r.stderr);
  assert.equal([last().method, last().path], ["PUT", "/v1/sys/init"]);
  assert.is(last().headers["x-vault-token"], undefined);
  assert.is((last().json as { secret_shares: number }).secret_shares, 5);
  assert.is(r.stdout, "Root Token: hvs.FIRSTROOT\n");
  srv.answer = () => ({ status: 400, body: { errors: ["Vault is already initialized"] } });
  r = await run(["operator", "init"]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /Code: 400\. Errors:\n\n\* Vault is already initialized/);
});

const sealStatus = (sealed: boolean) => ({
  type: "shamir", initialized: true, sealed, t: 1, n: 1, progress: 0, nonce: "", version: "0.1.0",
  build_date: "2025-01-01T00:00:00Z", migration: false, cluster_name: "", cluster_id: "", recovery_seal: false, storage_type: "sqlite",
});

test("status: seal-status then leader, table, exit 0; sealed -> exit 2", async () => {
  srv.answer = (req) =>
    req.path === "/v1/sys/seal-status" ? { status: 200, body: sealStatus(false) } : { status: 200, body: { ha_enabled: false } };
  let r = await run(["status"]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(srv.requests.map((q) => `${q.method} ${q.path}`), ["GET /v1/sys/seal-status", "GET /v1/sys/leader"]);
  assert.is(
    r.stdout,
    [
      "Key             Value",
      "---             -----",
      "Seal Type       shamir",
      "Initialized     true",
      "Sealed          false",
      "Total Shares    1",
      "Threshold       1",
      "Version         0.1.0",
      "Build Date      2025-01-01T00:00:00Z",
      "Storage Type    sqlite",
      "HA Enabled      false",
      "",
    ].join("\n"),
  );
  r = await run(["status", "-format=json"]);
  assert.is(JSON.parse(r.stdout).storage_type, "sqlite");
  srv.answer = () => ({ status: 200, body: sealStatus(true) });
  srv.requests.length = 0;
  r = await run(["status"]);
  assert.is(r.code, 2);
  assert.match(r.stdout, /Sealed             true/);
  assert.match(r.stdout, /Unseal Progress    0\/1/);
});

test("status: unreachable server is exit 1 (not 2)", async () => {
  srv.answer = () => ({ status: 500, body: { errors: ["internal error"] } });
  const r = await run(["status"]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^Error checking seal status: Error making API request\./);
});

test.run();

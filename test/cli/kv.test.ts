// read / write / list / delete against a recording server: exact requests, output, exit codes,
// environment precedence and Vault's error layout.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { envelope, fakeServer, freshHome, runCli, sampleAuth, recordingServer } from "./harness.js";

const srv = recordingServer(test);

const env = (extra: Record<string, string> = {}) => ({ WARDEN_ADDR: srv.url, WARDEN_TOKEN: "hvs.ROOT", ...extra });
const last = () => srv.last();


test("write: PUT with string values, token + X-Vault-Request headers, 204 -> Success", async () => {
  const r = await runCli(["write", "/auth/alicloud//role/dev/", "arn=acs:ram::1:role/dev", "ttl=30", "policies=a", "policies=b"], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.is(srv.requests.length, 1);
  const req = last();
  assert.is(req.method, "PUT");
  assert.is(req.path, "/v1/auth/alicloud/role/dev");
  assert.is(req.headers["x-vault-token"], "hvs.ROOT");
  assert.is(req.headers["x-vault-request"], "true");
  assert.is(req.headers["content-type"], "application/json");
  assert.equal(req.json, { arn: "acs:ram::1:role/dev", ttl: "30", policies: ["a", "b"] });
  assert.is(r.stdout, "Success! Data written to: auth/alicloud/role/dev\n");
});

test("write: k=@file and k=- (stdin) values", async () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-kv-"));
  writeFileSync(join(dir, "policy.hcl"), 'path "x" { capabilities = ["read"] }\n');
  const r = await runCli(["write", "sys/policies/acl/p", "policy=@policy.hcl", "note=-"], { env: env(), stdin: "from stdin", cwd: dir });
  assert.is(r.code, 0, r.stderr);
  assert.equal(last().json, { policy: 'path "x" { capabilities = ["read"] }\n', note: "from stdin" });
});

test("write: lone - merges a JSON object from stdin; no data needs -force", async () => {
  let r = await runCli(["write", "a/b", "-"], { env: env(), stdin: '{"x": "1", "y": ["2"]}' });
  assert.is(r.code, 0, r.stderr);
  assert.equal(last().json, { x: "1", y: ["2"] });
  srv.requests.length = 0;
  r = await runCli(["write", "a/b"], { env: env() });
  assert.is(r.code, 1);
  assert.match(r.stderr, /Must supply data or use -force/);
  assert.is(srv.requests.length, 0);
  r = await runCli(["write", "-force", "a/b"], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.equal(last().json, {});
  srv.requests.length = 0;
  r = await runCli(["write", "-f", "a/b"], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.is(srv.requests.length, 1, "-f is Vault's short spelling of -force");
});

test("write: a response with auth prints the token table", async () => {
  srv.answer = { status: 200, body: envelope({ auth: sampleAuth }) };
  const r = await runCli(["write", "auth/approle/login", "role_id=r", "secret_id=s"], { env: env() });
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines.slice(0, 2), ["Key                  Value", "---                  -----"]);
  assert.ok(lines.includes("token                hvs.NEWTOKEN123"), r.stdout);
  assert.ok(lines.includes("token_accessor       acc-123"));
  assert.ok(lines.includes("token_duration       1h"));
  assert.ok(lines.includes("token_renewable      true"));
  assert.ok(lines.includes("token_policies       [default dev]"));
  assert.ok(lines.includes("identity_policies    []"));
  assert.ok(lines.includes("token_meta_role      dev"));
});

test("write: API errors are printed in Vault's layout, exit 1", async () => {
  srv.answer = { status: 403, body: { errors: ["1 error occurred:\n\t* permission denied\n\n"] } };
  const r = await runCli(["write", "sys/auth/x", "type=approle"], { env: env() });
  assert.is(r.code, 1);
  assert.is(r.stdout, "");
  assert.is(
    r.stderr,
    `Error writing data to sys/auth/x: Error making API request.\n\nURL: PUT ${srv.url}/v1/sys/auth/x\nCode: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n\n`,
  );
});

test("errors: a non-JSON body is shown as Raw Message", async () => {
  srv.answer = { status: 502, raw: "<html>bad gateway</html>" };
  const r = await runCli(["read", "x/y"], { env: env() });
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes(`URL: GET ${srv.url}/v1/x/y\nCode: 502. Raw Message:\n\n<html>bad gateway</html>`), r.stderr);
});

test("read: GET with query data, table output sorted by key", async () => {
  srv.answer = { status: 200, body: envelope({ data: { zeta: "z", alpha: ["a", "b"], n: 5 } }) };
  const r = await runCli(["read", "auth/x/role/dev", "k=v"], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.is(last().method, "GET");
  assert.is(last().path, "/v1/auth/x/role/dev");
  assert.is(last().query.get("k"), "v");
  assert.is(last().raw, "");
  assert.is(r.stdout, "Key      Value\n---      -----\nalpha    [a b]\nn        5\nzeta     z\n");
});

test("read: 404 -> 'No value found at', exit 2", async () => {
  srv.answer = { status: 404, body: { errors: [] } };
  const r = await runCli(["read", "auth/x/role/none"], { env: env() });
  assert.is(r.code, 2);
  assert.is(r.stderr, "No value found at auth/x/role/none\n");
  assert.is(r.stdout, "");
});

test("read: -format=json prints the response; -field prints one value bare", async () => {
  const body = envelope({ data: { policies: ["p"], arn: "acs:ram::1:role/x" } });
  srv.answer = { status: 200, body };
  let r = await runCli(["read", "-format=json", "a/b"], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), body);
  r = await runCli(["read", "-field=arn", "a/b"], { env: env() });
  assert.is(r.stdout, "acs:ram::1:role/x");
  r = await runCli(["read", "-field=missing", "a/b"], { env: env() });
  assert.is(r.code, 1);
});

test("list: GET ?list=true, Keys table; 404 -> exit 2", async () => {
  srv.answer = { status: 200, body: envelope({ data: { keys: ["dev", "prod/"] } }) };
  let r = await runCli(["list", "auth/alicloud/role"], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.is(last().method, "GET");
  assert.is(last().path, "/v1/auth/alicloud/role");
  assert.is(last().query.get("list"), "true");
  assert.is(r.stdout, "Keys\n----\ndev\nprod/\n");
  r = await runCli(["list", "-format=json", "auth/alicloud/role"], { env: env() });
  assert.equal(JSON.parse(r.stdout), ["dev", "prod/"]);
  srv.answer = { status: 404, body: { errors: [] } };
  r = await runCli(["list", "auth/alicloud/role"], { env: env() });
  assert.is(r.code, 2);
  assert.is(r.stderr, "No value found at auth/alicloud/role/\n");
});

test("delete: DELETE, success message", async () => {
  const r = await runCli(["delete", "auth/alicloud/role/dev"], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.is(last().method, "DELETE");
  assert.is(last().path, "/v1/auth/alicloud/role/dev");
  assert.is(r.stdout, "Success! Data deleted (if it existed) at: auth/alicloud/role/dev\n");
});

test("env: WARDEN_ADDR/WARDEN_TOKEN beat VAULT_*; VAULT_* alone works; -address beats both", async () => {
  const other = await fakeServer(() => ({ status: 204 }));
  try {
    let r = await runCli(["delete", "a"], {
      env: { WARDEN_ADDR: srv.url, VAULT_ADDR: other.url, WARDEN_TOKEN: "hvs.W", VAULT_TOKEN: "hvs.V" },
    });
    assert.is(r.code, 0, r.stderr);
    assert.is(srv.requests.length, 1);
    assert.is(other.requests.length, 0);
    assert.is(last().headers["x-vault-token"], "hvs.W");
    r = await runCli(["delete", "a"], { env: { VAULT_ADDR: other.url, VAULT_TOKEN: "hvs.V" } });
    assert.is(r.code, 0, r.stderr);
    assert.is(other.requests.length, 1);
    assert.is(other.requests[0]!.headers["x-vault-token"], "hvs.V");
    r = await runCli(["delete", `-address=${other.url}`, "a"], { env: { WARDEN_ADDR: srv.url } });
    assert.is(other.requests.length, 2);
    assert.is(srv.requests.length, 1);
    assert.is(other.requests[1]!.headers["x-vault-token"], undefined);
  } finally {
    await other.close();
  }
});

test("token file: ~/.warden-token is used when no env token is set, and env wins over it", async () => {
  const home = freshHome();
  writeFileSync(join(home, ".warden-token"), "hvs.FROMFILE\n");
  await runCli(["delete", "a"], { env: { WARDEN_ADDR: srv.url }, home });
  assert.is(last().headers["x-vault-token"], "hvs.FROMFILE");
  await runCli(["delete", "a"], { env: { WARDEN_ADDR: srv.url, VAULT_TOKEN: "hvs.ENV" }, home });
  assert.is(last().headers["x-vault-token"], "hvs.ENV");
});

test("unreachable server: exit 1 with the URL in the message", async () => {
  const gone = await fakeServer(() => ({ status: 204 }));
  await gone.close();
  const r = await runCli(["read", "a"], { env: { WARDEN_ADDR: gone.url } });
  assert.is(r.code, 1);
  assert.is(r.stderr, `Error reading a: GET ${gone.url}/v1/a: ECONNREFUSED\n`);
});

test("usage errors: unknown flag / missing path -> exit 1, no request", async () => {
  let r = await runCli(["read", "-nope", "a"], { env: env() });
  assert.is(r.code, 1);
  assert.match(r.stderr, /flag provided but not defined: -nope/);
  r = await runCli(["read"], { env: env() });
  assert.is(r.code, 1);
  assert.match(r.stderr, /Not enough arguments/);
  r = await runCli(["frobnicate"], { env: env() });
  assert.is(r.code, 1);
  assert.match(r.stderr, /Unknown command: frobnicate/);
  assert.is(srv.requests.length, 0);
});

test("help: -h prints real help on stdout with exit 0 and sends nothing", async () => {
  let r = await runCli(["write", "-h"], { env: env() });
  assert.is(r.code, 0);
  assert.match(r.stdout, /^Usage: warden write \[options\] PATH \[KEY=VALUE\.\.\.\]/);
  assert.match(r.stdout, /key=@file/);
  assert.match(r.stdout, /-force/);
  r = await runCli(["--help"]);
  assert.is(r.code, 0);
  assert.match(r.stdout, /token create/);
  r = await runCli(["token", "-h"]);
  assert.is(r.code, 0);
  assert.match(r.stdout, /token revoke/);
  assert.is(srv.requests.length, 0);
});

test.run();

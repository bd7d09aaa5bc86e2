// warden login: token method (lookup-self, stored token), generic methods, and alicloud (the
// signed STS request built locally; the secret key never leaves the process or hits the output).
import { createHmac } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { envelope, freshHome, runCli, sampleAuth, type Recorded, recordingServer } from "./harness.js";

const srv = recordingServer(test);

const last = () => srv.last();

const lookupSelf = (id: string) =>
  envelope({
    data: {
      id,
      accessor: "acc-LOOKUP",
      policies: ["default", "ops"],
      identity_policies: ["idp"],
      meta: { team: "ops" },
      ttl: 2764800,
      renewable: true,
      display_name: "token",
    },
  });


test("login <token>: GET lookup-self with that token, prints the table, stores ~/.warden-token (0600)", async () => {
  srv.answer = (r) => (r.path === "/v1/auth/token/lookup-self" ? { status: 200, body: lookupSelf("hvs.GIVEN") } : { status: 404 });
  const home = freshHome();
  const r = await runCli(["login", "hvs.GIVEN"], { env: { WARDEN_ADDR: srv.url }, home });
  assert.is(r.code, 0, r.stderr);
  assert.is(srv.requests.length, 1);
  assert.is(last().method, "GET");
  assert.is(last().path, "/v1/auth/token/lookup-self");
  assert.is(last().headers["x-vault-token"], "hvs.GIVEN");
  assert.is(last().headers["x-vault-request"], "true");
  assert.match(r.stdout, /^Success! You are now authenticated\./);
  const lines = r.stdout.split("\n");
  assert.ok(lines.includes("token                hvs.GIVEN"), r.stdout);
  assert.ok(lines.includes("token_accessor       acc-LOOKUP"));
  assert.ok(lines.includes("token_duration       768h"));
  assert.ok(lines.includes("token_policies       [default ops]"));
  assert.ok(lines.includes("identity_policies    [idp]"));
  assert.ok(lines.includes("token_meta_team      ops"));
  const file = join(home, ".warden-token");
  assert.is(readFileSync(file, "utf8"), "hvs.GIVEN");
  assert.is(statSync(file).mode & 0o777, 0o600);
  // The stored token is what the next command sends when no env token is set.
  await runCli(["delete", "x"], { env: { WARDEN_ADDR: srv.url }, home });
  assert.is(last().headers["x-vault-token"], "hvs.GIVEN");
});

test("login: token from stdin with '-', token=..., -no-store, and a bad token -> exit 1, nothing stored", async () => {
  srv.answer = (r) =>
    r.headers["x-vault-token"] === "hvs.BAD"
      ? { status: 403, body: { errors: ["permission denied"] } }
      : { status: 200, body: lookupSelf(String(r.headers["x-vault-token"])) };
  const home = freshHome();
  let r = await runCli(["login", "-"], { env: { WARDEN_ADDR: srv.url }, home, stdin: "hvs.PIPED\n" });
  assert.is(r.code, 0, r.stderr);
  assert.is(last().headers["x-vault-token"], "hvs.PIPED");
  assert.is(readFileSync(join(home, ".warden-token"), "utf8"), "hvs.PIPED");
  r = await runCli(["login", "-no-store", "token=hvs.KV"], { env: { WARDEN_ADDR: srv.url }, home });
  assert.is(r.code, 0, r.stderr);
  assert.is(last().headers["x-vault-token"], "hvs.KV");
  assert.match(r.stdout, /has NOT been stored/);
  assert.is(readFileSync(join(home, ".warden-token"), "utf8"), "hvs.PIPED");
  const home2 = freshHome();
  r = await runCli(["login", "hvs.BAD"], { env: { WARDEN_ADDR: srv.url }, home: home2 });
  assert.is(r.code, 1);
  assert.ok(r.stderr.includes(`URL: GET ${srv.url}/v1/auth/token/lookup-self\nCode: 403. Errors:\n\n* permission denied`), r.stderr);
  assert.not.ok(existsSync(join(home2, ".warden-token")));
});

test("login -token-only prints just the token; an env token triggers a precedence warning", async () => {
  srv.answer = (r) => ({ status: 200, body: lookupSelf(String(r.headers["x-vault-token"])) });
  let r = await runCli(["login", "-token-only", "hvs.ONLY"], { env: { WARDEN_ADDR: srv.url } });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, "hvs.ONLY");
  r = await runCli(["login", "hvs.X"], { env: { WARDEN_ADDR: srv.url, VAULT_TOKEN: "hvs.ENV" } });
  assert.is(r.code, 0, r.stderr);
  assert.is(last().headers["x-vault-token"], "hvs.X");
  assert.match(r.stderr, /VAULT_TOKEN is set and takes precedence/);
});

test("login -method=approle -path=ci: PUT auth/ci/login with the k=v body and no token header", async () => {
  srv.answer = () => ({ status: 200, body: envelope({ auth: sampleAuth }) });
  const home = freshHome();
  const r = await runCli(["login", "-method=approle", "role_id=rid", "secret_id=-", "-path=ci"], {
    env: { WARDEN_ADDR: srv.url, WARDEN_TOKEN: "hvs.SHOULD_NOT_BE_SENT" },
    home,
    stdin: "sid-from-stdin",
  });
  assert.is(r.code, 0, r.stderr);
  assert.is(last().method, "PUT");
  assert.is(last().path, "/v1/auth/ci/login");
  assert.is(last().headers["x-vault-token"], undefined);
  assert.is(last().headers["x-vault-request"], "true");
  assert.equal(last().json, { role_id: "rid", secret_id: "sid-from-stdin" });
  assert.ok(r.stdout.split("\n").includes("token                hvs.NEWTOKEN123"), r.stdout);
  assert.is(readFileSync(join(home, ".warden-token"), "utf8"), "hvs.NEWTOKEN123");
  // Without -path the mount is the method name.
  await runCli(["login", "-method=userpass", "username=u"], { env: { WARDEN_ADDR: srv.url }, home });
  assert.is(last().path, "/v1/auth/userpass/login");
});

test("login: a login answer without a token is an error and stores nothing", async () => {
  srv.answer = () => ({ status: 204 });
  const home = freshHome();
  const r = await runCli(["login", "-method=approle", "role_id=x"], { env: { WARDEN_ADDR: srv.url }, home });
  assert.is(r.code, 1);
  assert.match(r.stderr, /without a token/);
  assert.not.ok(existsSync(join(home, ".warden-token")));
});

test("login -h documents generic methods", async () => {
  const r = await runCli(["login", "-h"]);
  assert.is(r.code, 0);
  assert.match(r.stdout, /any mounted method/);
  assert.match(r.stdout, /ALICLOUD_ACCESS_KEY/);
});

// --- alicloud ------------------------------------------------------------------------------------

const pluginBuilt = existsSync(fileURLToPath(new URL("../../plugins/alicloud/cli.js", import.meta.url)));
const SECRET = "S3cr3t/Key+NeverPrint";

/** RFC 3986 encoding used by Alibaba's RPC signature v1 (independent re-implementation for the check). */
const pct = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function expectSignedBy(url: URL, secret: string): void {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== "Signature");
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = params.map(([k, v]) => `${pct(k)}=${pct(v)}`).join("&");
  const toSign = `POST&${pct("/")}&${pct(canonical)}`;
  const sig = createHmac("sha1", `${secret}&`).update(toSign).digest("base64");
  assert.is(url.searchParams.get("Signature"), sig, "signature must be made with the given secret");
}

function decodeLogin(req: Recorded): { body: Record<string, string>; url: URL } {
  const body = req.json as Record<string, string>;
  const url = new URL(Buffer.from(body.identity_request_url!, "base64").toString("utf8"));
  return { body, url };
}

if (pluginBuilt) {
  test("login -method=alicloud: PUT auth/alicloud/login with role + base64 signed STS URL, no token, secret never printed", async () => {
    srv.answer = () => ({ status: 200, body: envelope({ auth: sampleAuth }) });
    const r = await runCli(
      ["login", "-method=alicloud", "role=dev", "region=cn-hangzhou", "access_key=LTAI_ARGKEY", `secret_key=${SECRET}`],
      { env: { WARDEN_ADDR: srv.url, WARDEN_TOKEN: "hvs.NOPE" } },
    );
    assert.is(r.code, 0, r.stderr);
    assert.is(srv.requests.length, 1);
    const req = last();
    assert.is(req.method, "PUT");
    assert.is(req.path, "/v1/auth/alicloud/login");
    assert.is(req.headers["x-vault-token"], undefined);
    const { body, url } = decodeLogin(req);
    assert.equal(Object.keys(body).sort(), ["identity_request_headers", "identity_request_url", "role"]);
    assert.is(body.role, "dev");
    assert.is(url.protocol, "https:");
    assert.is(url.host, "sts.cn-hangzhou.aliyuncs.com");
    assert.is(url.pathname, "/");
    assert.is(url.searchParams.get("Action"), "GetCallerIdentity");
    assert.is(url.searchParams.get("AccessKeyId"), "LTAI_ARGKEY");
    assert.is(url.searchParams.get("SecurityToken"), null);
    expectSignedBy(url, SECRET);
    assert.type(JSON.parse(Buffer.from(body.identity_request_headers!, "base64").toString("utf8")), "object");
    assert.not.ok(req.raw.includes(SECRET), "secret key must not be sent");
    assert.not.ok(r.stdout.includes(SECRET) || r.stderr.includes(SECRET));
    assert.ok(r.stdout.split("\n").includes("token                hvs.NEWTOKEN123"));
  });

  test("login -method=alicloud: env credentials (with STS token) and -path", async () => {
    srv.answer = () => ({ status: 200, body: envelope({ auth: sampleAuth }) });
    const r = await runCli(["login", "-method=alicloud", "-path=ali-prod", "role=ops", "region=ap-southeast-1"], {
      env: {
        WARDEN_ADDR: srv.url,
        ALICLOUD_ACCESS_KEY: "STS.ENVKEY",
        ALICLOUD_SECRET_KEY: SECRET,
        ALICLOUD_ACCESS_KEY_STS_TOKEN: "CAIS+sts/token==",
      },
    });
    assert.is(r.code, 0, r.stderr);
    assert.is(last().path, "/v1/auth/ali-prod/login");
    const { body, url } = decodeLogin(last());
    assert.is(body.role, "ops");
    assert.is(url.host, "sts.ap-southeast-1.aliyuncs.com");
    assert.is(url.searchParams.get("AccessKeyId"), "STS.ENVKEY");
    assert.is(url.searchParams.get("SecurityToken"), "CAIS+sts/token==");
    expectSignedBy(url, SECRET);
    assert.not.ok(r.stdout.includes(SECRET) || r.stderr.includes(SECRET));
  });

  test("login -method=alicloud: failures print no secret and send nothing", async () => {
    // Missing region.
    let r = await runCli(["login", "-method=alicloud", "role=dev", "access_key=AK", `secret_key=${SECRET}`], { env: { WARDEN_ADDR: srv.url } });
    assert.is(r.code, 1);
    assert.match(r.stderr, /region is required/);
    // Invalid region rejected by the signer.
    r = await runCli(["login", "-method=alicloud", "role=dev", "region=../evil", "access_key=AK", `secret_key=${SECRET}`], { env: { WARDEN_ADDR: srv.url } });
    assert.is(r.code, 1);
    // No credentials anywhere.
    r = await runCli(["login", "-method=alicloud", "role=dev", "region=cn-hangzhou"], { env: { WARDEN_ADDR: srv.url } });
    assert.is(r.code, 1);
    assert.match(r.stderr, /no Alibaba Cloud credentials/);
    // Server refuses: error printed, secret still absent.
    srv.answer = () => ({ status: 400, body: { errors: ["invalid credentials"] } });
    r = await runCli(["login", "-method=alicloud", "role=dev", "region=cn-hangzhou", "access_key=AK", `secret_key=${SECRET}`], { env: { WARDEN_ADDR: srv.url } });
    assert.is(r.code, 1);
    assert.ok(r.stderr.includes("Code: 400. Errors:\n\n* invalid credentials"), r.stderr);
    assert.not.ok(r.stdout.includes(SECRET) || r.stderr.includes(SECRET));
    assert.is(srv.requests.length, 1);
  });
} else {
  test("login -method=alicloud without the plugin build: clear error, no request", async () => {
    const r = await runCli(["login", "-method=alicloud", "role=dev", "region=cn-hangzhou", "access_key=AK", `secret_key=${SECRET}`], {
      env: { WARDEN_ADDR: srv.url },
    });
    assert.is(r.code, 1);
    assert.match(r.stderr, /alicloud login helper/);
    assert.not.ok(r.stderr.includes(SECRET));
    assert.is(srv.requests.length, 0);
  });
}

test.run();

// warden token lookup / renew / revoke / create: the exact endpoint, method and body per flag.
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { envelope, runCli, sampleAuth, recordingServer } from "./harness.js";

const srv = recordingServer(test);

const env = { get WARDEN_ADDR() { return srv.url; }, WARDEN_TOKEN: "hvs.CALLER" } as Record<string, string>;
const last = () => srv.last();


async function sent(args: string[]): Promise<{ method: string; path: string; body: unknown; code: number | null; stdout: string; stderr: string }> {
  const r = await runCli(args, { env: { ...env } });
  const req = srv.requests.length ? last() : undefined;
  return { method: req?.method ?? "", path: req?.path ?? "", body: req?.json, code: r.code, stdout: r.stdout, stderr: r.stderr };
}

test("token lookup: self, token, accessor", async () => {
  srv.answer = { status: 200, body: envelope({ data: { accessor: "acc-1", policies: ["root"], ttl: 0 } }) };
  let s = await sent(["token", "lookup"]);
  assert.equal([s.code, s.method, s.path, s.body], [0, "GET", "/v1/auth/token/lookup-self", undefined]);
  assert.is(last().headers["x-vault-token"], "hvs.CALLER");
  assert.is(s.stdout, "Key         Value\n---         -----\naccessor    acc-1\npolicies    [root]\nttl         0\n");
  s = await sent(["token", "lookup", "hvs.OTHER"]);
  assert.equal([s.code, s.method, s.path, s.body], [0, "POST", "/v1/auth/token/lookup", { token: "hvs.OTHER" }]);
  s = await sent(["token", "lookup", "-accessor", "acc-9"]);
  assert.equal([s.code, s.method, s.path, s.body], [0, "POST", "/v1/auth/token/lookup-accessor", { accessor: "acc-9" }]);
  s = await sent(["token", "lookup", "-accessor"]);
  assert.is(s.code, 1);
  assert.is(srv.requests.length, 3);
});

test("token renew: self with integer increment, token, accessor; bad duration is a usage error", async () => {
  srv.answer = { status: 200, body: envelope({ auth: sampleAuth }) };
  let s = await sent(["token", "renew", "-increment=30m"]);
  assert.equal([s.code, s.method, s.path, s.body], [0, "PUT", "/v1/auth/token/renew-self", { increment: 1800 }]);
  assert.ok(s.stdout.split("\n").includes("token_duration       1h"), s.stdout);
  s = await sent(["token", "renew", "hvs.T"]);
  assert.equal([s.code, s.method, s.path, s.body], [0, "PUT", "/v1/auth/token/renew", { token: "hvs.T", increment: 0 }]);
  s = await sent(["token", "renew", "-accessor", "-increment", "1h", "acc-2"]);
  assert.equal([s.code, s.method, s.path, s.body], [0, "POST", "/v1/auth/token/renew-accessor", { accessor: "acc-2", increment: 3600 }]);
  srv.requests.length = 0;
  s = await sent(["token", "renew", "-increment=soon"]);
  assert.is(s.code, 1);
  assert.match(s.stderr, /invalid duration "soon"/);
  assert.is(srv.requests.length, 0);
});

test("token revoke: token, -self, -accessor, -mode=orphan", async () => {
  let s = await sent(["token", "revoke", "hvs.T"]);
  assert.equal([s.code, s.method, s.path, s.body], [0, "PUT", "/v1/auth/token/revoke", { token: "hvs.T" }]);
  assert.is(s.stdout, "Success! Revoked token (if it existed)\n");
  s = await sent(["token", "revoke", "-self"]);
  assert.equal([s.code, s.method, s.path, s.body], [0, "PUT", "/v1/auth/token/revoke-self", undefined]);
  assert.is(last().headers["x-vault-token"], "hvs.CALLER");
  s = await sent(["token", "revoke", "-accessor", "acc-3"]);
  assert.equal([s.code, s.method, s.path, s.body], [0, "POST", "/v1/auth/token/revoke-accessor", { accessor: "acc-3" }]);
  s = await sent(["token", "revoke", "-mode=orphan", "hvs.P"]);
  assert.equal([s.code, s.method, s.path, s.body], [0, "PUT", "/v1/auth/token/revoke-orphan", { token: "hvs.P" }]);
  srv.requests.length = 0;
  for (const bad of [["token", "revoke"], ["token", "revoke", "-self", "hvs.X"], ["token", "revoke", "-mode=tree", "x"]]) {
    s = await sent(bad);
    assert.is(s.code, 1, bad.join(" "));
  }
  assert.is(srv.requests.length, 0);
});

test("token create: Vault's TokenCreateRequest body, token printed", async () => {
  srv.answer = { status: 200, body: envelope({ auth: sampleAuth }) };
  let s = await sent([
    "token", "create", "-policy=a", "-policy=b,c", "-ttl=1h", "-explicit-max-ttl=24h", "-period=2h",
    "-num-uses=3", "-no-default-policy", "-display-name=ci", "-metadata", "team=ops", "-metadata=env=prod",
  ]);
  assert.is(s.code, 0, s.stderr);
  assert.is(s.method, "POST");
  assert.is(s.path, "/v1/auth/token/create");
  assert.equal(s.body, {
    policies: ["a", "b", "c"],
    meta: { team: "ops", env: "prod" },
    ttl: "1h",
    explicit_max_ttl: "24h",
    period: "2h",
    no_default_policy: true,
    display_name: "ci",
    num_uses: 3,
    renewable: true,
    type: "",
    entity_alias: "",
  });
  assert.ok(s.stdout.split("\n").includes("token                hvs.NEWTOKEN123"), s.stdout);
  s = await sent(["token", "create"]);
  assert.equal(s.body, { display_name: "", num_uses: 0, renewable: true, type: "", entity_alias: "" });
  s = await sent(["token", "create", "-orphan", "-renewable=false"]);
  assert.is(s.path, "/v1/auth/token/create-orphan");
  assert.is((s.body as { renewable: boolean }).renewable, false);
  assert.not.ok("no_parent" in (s.body as object));
  s = await sent(["token", "create", "-role=deploy"]);
  assert.is(s.path, "/v1/auth/token/create/deploy");
  s = await sent(["token", "create", "-field=token"]);
  assert.is(s.stdout, "hvs.NEWTOKEN123");
  s = await sent(["token", "create", "-format=json"]);
  assert.equal(JSON.parse(s.stdout), envelope({ auth: sampleAuth }));
});

test("token create: invalid -num-uses / -ttl are usage errors with no request", async () => {
  for (const bad of [["-num-uses=-1"], ["-num-uses=x"], ["-ttl=forever"]]) {
    const s = await sent(["token", "create", ...bad]);
    assert.is(s.code, 1, bad[0]);
  }
  assert.is(srv.requests.length, 0);
});

test("token: unknown subcommand lists the subcommands, exit 1", async () => {
  const r = await runCli(["token", "mint"]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /Unknown subcommand: token mint/);
  assert.match(r.stderr, /token create/);
});

test.run();

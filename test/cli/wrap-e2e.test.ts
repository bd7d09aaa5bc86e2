// The trusted-orchestrator walk-through of the README, with the real CLI against a real server:
// `warden write -wrap-ttl` hands out a wrapping token, `warden unwrap` opens it exactly once.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { runCli } from "./harness.js";

const t = suite<{ s: TestServer }>("CLI: -wrap-ttl and unwrap against a server");
t.before(async (ctx) => {
  ctx.s = await startTestServer();
  assert.is((await ctx.s.request("POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
  assert.is((await ctx.s.request("POST", "auth/approle/role/ci", { body: { role_id: "ci-role-id", token_ttl: "10m" } })).status, 204);
});
t.after(async ({ s }) => s.close());

const as = (s: TestServer, token?: string): { env: Record<string, string> } => ({ env: token ? { WARDEN_ADDR: s.url, WARDEN_TOKEN: token } : { WARDEN_ADDR: s.url } });

t("orchestrator wraps a secret id, the workload unwraps it once and logs in", async ({ s }) => {
  const wrap = await runCli(["write", "-wrap-ttl=2m", "-field=wrapping_token", "-f", "auth/approle/role/ci/secret-id"], as(s, s.rootToken));
  assert.is(wrap.code, 0, wrap.stderr);
  const wrappingToken = wrap.stdout.trim();
  assert.match(wrappingToken, /^hvs\./);

  const opened = await runCli(["unwrap", "-field=secret_id", wrappingToken], as(s));
  assert.is(opened.code, 0, opened.stderr);
  const login = await runCli(["write", "-field=token", "auth/approle/login", "role_id=ci-role-id", `secret_id=${opened.stdout.trim()}`], as(s));
  assert.is(login.code, 0, login.stderr);
  assert.match(login.stdout, /^hvs\./);

  const again = await runCli(["unwrap", wrappingToken], as(s));
  assert.is(again.code, 1);
  assert.match(again.stderr, /Code: 400\. Errors:\n\n\* wrapping token is not valid or does not exist/);
});

t("read -wrap-ttl; unwrap with the wrapping token as the configured token; wrap and unwrap arbitrary data", async ({ s }) => {
  const read = await runCli(["read", "-wrap-ttl=1m", "-format=json", "auth/approle/role/ci/role-id"], as(s, s.rootToken));
  assert.is(read.code, 0, read.stderr);
  const answer = JSON.parse(read.stdout);
  assert.equal([answer.data, answer.wrap_info.ttl, answer.wrap_info.creation_path], [null, 60, "auth/approle/role/ci/role-id"]);
  const opened = await runCli(["unwrap"], as(s, answer.wrap_info.token));
  assert.is(opened.code, 0, opened.stderr);
  assert.match(opened.stdout, /role_id\s+ci-role-id/);

  const wrapped = await runCli(["write", "sys/wrapping/wrap", "api_key=k-42"], as(s, s.rootToken));
  assert.is(wrapped.code, 0, wrapped.stderr);
  assert.match(wrapped.stdout, /wrapping_token_ttl:\s+5m/);
  const token = /wrapping_token:\s+(\S+)/.exec(wrapped.stdout)![1]!;
  const third = await runCli(["unwrap", "-field=api_key", token], as(s, s.rootToken));
  assert.equal([third.code, third.stdout], [0, "k-42"], third.stderr);
});

t.run();

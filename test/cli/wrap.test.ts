// -wrap-ttl and `warden unwrap` against a recording server: the X-Vault-Wrap-TTL header the generic
// commands send, the wrapped-answer table, and the three unwrap payloads `vault unwrap` sends.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { envelope, runCli, recordingServer } from "./harness.js";

const srv = recordingServer(test);
const env = (extra: Record<string, string> = {}) => ({ WARDEN_ADDR: srv.url, WARDEN_TOKEN: "hvs.ROOT", ...extra });

const WRAP_INFO = {
  token: "hvs.WRAPPINGTOKEN0000000000000000000",
  accessor: "wrapAccessor000000000000",
  ttl: 120,
  creation_time: "2025-01-02T03:04:05.678Z",
  creation_path: "auth/approle/role/x/secret-id",
  wrapped_accessor: "1a2b3c4d-0000-4000-8000-000000000000",
};
const wrappedAnswer = { ...(envelope({}) as Record<string, unknown>), request_id: "", wrap_info: WRAP_INFO };

test("write -wrap-ttl: the header in seconds, and the wrapping table (Vault's row names)", async () => {
  srv.answer = { status: 200, body: wrappedAnswer };
  const r = await runCli(["write", "-wrap-ttl=2m", "-f", "auth/approle/role/x/secret-id"], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.is(srv.last().headers["x-vault-wrap-ttl"], "120s");
  const rows = Object.fromEntries(r.stdout.trimEnd().split("\n").slice(2).map((l) => l.split(/\s{4,}/) as [string, string]));
  assert.equal(rows, {
    "wrapping_token:": WRAP_INFO.token,
    "wrapping_accessor:": WRAP_INFO.accessor,
    "wrapping_token_ttl:": "2m",
    "wrapping_token_creation_time:": WRAP_INFO.creation_time,
    "wrapping_token_creation_path:": WRAP_INFO.creation_path,
    "wrapped_accessor:": WRAP_INFO.wrapped_accessor,
  });
  const field = await runCli(["write", "-wrap-ttl=120", "-field=wrapping_token", "-f", "auth/approle/role/x/secret-id"], { env: env() });
  assert.is(field.stdout, WRAP_INFO.token);
  const ttl = await runCli(["write", "-wrap-ttl=120", "-field=wrapping_token_ttl", "-f", "auth/approle/role/x/secret-id"], { env: env() });
  assert.is(ttl.stdout, "120");
});

test("read, list and delete take -wrap-ttl; WARDEN_WRAP_TTL beats VAULT_WRAP_TTL; no flag, no header", async () => {
  srv.answer = { status: 200, body: wrappedAnswer };
  for (const args of [["read", "-wrap-ttl=30s", "a/b"], ["list", "-wrap-ttl=30s", "a"], ["delete", "-wrap-ttl=30s", "a/b"]]) {
    const r = await runCli(args, { env: env() });
    assert.is(r.code, 0, `${args[0]}: ${r.stderr}`);
    assert.is(srv.last().headers["x-vault-wrap-ttl"], "30s", args[0]);
    assert.match(r.stdout, /wrapping_token:\s+hvs\.WRAPPINGTOKEN/, args[0]);
  }
  await runCli(["read", "a/b"], { env: env({ VAULT_WRAP_TTL: "1m", WARDEN_WRAP_TTL: "90" }) });
  assert.is(srv.last().headers["x-vault-wrap-ttl"], "90s");
  await runCli(["read", "a/b"], { env: env({ VAULT_WRAP_TTL: "1m" }) });
  assert.is(srv.last().headers["x-vault-wrap-ttl"], "60s");
  srv.answer = { status: 200, body: envelope({ data: { k: "v" } }) };
  await runCli(["read", "a/b"], { env: env() });
  assert.is(srv.last().headers["x-vault-wrap-ttl"], undefined);
});

test("sys/wrapping/wrap is wrapped for 5m by default (Vault's client does the same)", async () => {
  srv.answer = { status: 200, body: wrappedAnswer };
  const r = await runCli(["write", "sys/wrapping/wrap", "k=v"], { env: env() });
  assert.is(r.code, 0, r.stderr);
  assert.is(srv.last().headers["x-vault-wrap-ttl"], "5m");
});

test("-wrap-ttl that cannot mean a wrap is a usage error and sends nothing", async () => {
  for (const bad of ["-wrap-ttl=500ms", "-wrap-ttl=soon"]) {
    const r = await runCli(["write", bad, "a/b", "k=v"], { env: env() });
    assert.is(r.code, 1, bad);
    assert.match(r.stderr, /wrap-ttl/);
  }
  assert.is(srv.requests.length, 0);
});

test("unwrap: token in the body when one is configured, as X-Vault-Token when not, none = the configured one", async () => {
  srv.answer = { status: 200, body: envelope({ data: { secret_id: "s-1", secret_id_accessor: "a-1" } }) };
  const third = await runCli(["unwrap", "hvs.WRAPPED"], { env: env() });
  assert.is(third.code, 0, third.stderr);
  let req = srv.last();
  assert.equal([req.method, req.path, req.headers["x-vault-token"], req.json], ["PUT", "/v1/sys/wrapping/unwrap", "hvs.ROOT", { token: "hvs.WRAPPED" }]);
  assert.match(third.stdout, /secret_id\s+s-1/);

  const first = await runCli(["unwrap", "-field=secret_id", "hvs.WRAPPED"], { env: { WARDEN_ADDR: srv.url } });
  assert.equal([first.code, first.stdout], [0, "s-1"], first.stderr);
  req = srv.last();
  assert.equal([req.headers["x-vault-token"], req.json], ["hvs.WRAPPED", undefined]);

  for (const args of [["unwrap"], ["unwrap", "hvs.ROOT"]]) {
    await runCli(args, { env: env() });
    req = srv.last();
    assert.equal([req.headers["x-vault-token"], req.json], ["hvs.ROOT", undefined], args.join(" "));
  }
});

test("unwrap output: a list as Keys, nothing as Vault's sentence, a refusal as Vault's error", async () => {
  srv.answer = { status: 200, body: envelope({ data: { keys: ["a", "b"] } }) };
  let r = await runCli(["unwrap", "hvs.W"], { env: env() });
  assert.is(r.stdout, "Keys\n----\na\nb\n");
  srv.answer = { status: 204 };
  r = await runCli(["unwrap", "hvs.W"], { env: env() });
  assert.is(r.stdout, "Successfully unwrapped. There was no data in the wrapped secret.\n");
  srv.answer = { status: 400, body: { errors: ["wrapping token is not valid or does not exist"] } };
  r = await runCli(["unwrap", "hvs.W"], { env: env() });
  assert.is(r.code, 1);
  assert.match(r.stderr, /^Error unwrapping: Error making API request\.\n\nURL: PUT .*\/v1\/sys\/wrapping\/unwrap\nCode: 400\. Errors:\n\n\* wrapping token is not valid or does not exist/);
  r = await runCli(["unwrap", "a", "b"], { env: env() });
  assert.is(r.code, 1);
  assert.match(r.stderr, /Too many arguments \(expected 0-1, got 2\)/);
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createAuditBroker } from "../../src/core/audit/broker.js";
import { DEPTH_MARKER } from "../../src/core/audit/hash.js";
import type { AuditBroker } from "../../src/core/audit/types.js";
import type { AuditDeviceRules } from "../../src/core/audit/device-rules.js";
import {
  MemorySystem, SECRETS, authedRequest, callerAuth, expectedHash, loginRequest, loginResponse, readLines, removeDir, tempDir,
} from "./helpers.js";
import { assertRejects } from "../../src/sdk/testing/assertions.js";

async function setup(options: Record<string, string> = {}, path = "file", rules?: AuditDeviceRules) {
  const dir = await tempDir();
  const file = join(dir, "audit.log");
  const system = new MemorySystem();
  const errors: string[] = [];
  const broker = await createAuditBroker(system, { onError: (m) => errors.push(m), rules });
  await broker.enable({ path, type: "file", description: "test", options: { file_path: file, ...options } });
  const key = () => system.map.get(`audit/key/${path.endsWith("/") ? path : path + "/"}`)!;
  return { dir, file, system, errors, broker, key };
}

test("no devices: inactive, logging is a no-op that succeeds", async () => {
  const broker = await createAuditBroker(new MemorySystem(), { onError: () => undefined });
  assert.is(broker.active, false);
  assert.equal(broker.list(), []);
  await broker.logRequest(loginRequest());
  await broker.logResponse(loginRequest(), loginResponse());
  assert.is(broker.hash("file", "x"), undefined);
});

test("request entry: Vault shape, data hashed with the stored key, times/numbers/bools kept", async () => {
  const { file, broker, key, dir } = await setup();
  assert.is(broker.active, true);
  const req = loginRequest();
  await broker.logRequest(req);
  const [e] = await readLines(file);
  const k = key();
  assert.match(k, /^[0-9a-f]{64}$/);
  assert.equal(Object.keys(e!), ["time", "type", "request"]); // unauthenticated: no auth block
  assert.is(e!.type, "request");
  assert.ok(!Number.isNaN(Date.parse(e!.time)));
  const r = e!.request;
  assert.equal(Object.keys(r), ["id", "operation", "mount_point", "mount_type", "mount_accessor", "client_token", "client_token_accessor", "path", "data", "remote_address", "remote_port"]);
  assert.is(r.id, "req-1");
  assert.is(r.operation, "update");
  assert.is(r.path, "auth/alicloud/login");
  assert.is(r.mount_point, "auth/alicloud/");
  assert.is(r.mount_type, "alicloud");
  assert.is(r.mount_accessor, "auth_alicloud_1234");
  assert.is(r.remote_address, "10.1.2.3");
  assert.is(r.remote_port, 50123);
  assert.is(r.client_token, "");
  const d = req.data as any;
  assert.is(r.data.role, expectedHash(k, "dev"));
  assert.is(r.data.identity_request_url, expectedHash(k, d.identity_request_url));
  assert.equal(r.data.identity_request_headers.Authorization, [expectedHash(k, d.identity_request_headers.Authorization[0])]);
  assert.is(r.data.nested.list[0], expectedHash(k, "plain"));
  assert.is(r.data.nested.list[1].deeper, expectedHash(k, SECRETS.secretId));
  assert.is(r.data.nested.count, 3);
  assert.is(r.data.nested.flag, true);
  assert.is(r.data.signed_at, "2024-05-01T10:00:00Z");
  assert.is(r.data.secret_id, expectedHash(k, SECRETS.secretId));
  await broker.close();
  await removeDir(dir);
});

test("authenticated request and response: auth blocks hashed, readable fields kept", async () => {
  const { file, broker, key, dir } = await setup();
  const req = authedRequest();
  await broker.logRequest(req);
  await broker.logResponse(req, loginResponse({ error: "permission denied" }));
  const [q, s] = await readLines(file);
  const k = key();
  assert.equal(q!.auth, {
    client_token: expectedHash(k, SECRETS.callerToken),
    accessor: expectedHash(k, SECRETS.callerAccessor),
    display_name: "token-ci",
    policies: ["default", "ci"],
    token_policies: ["default", "ci"],
    identity_policies: ["idp"],
    metadata: { team: "platform" },
    entity_id: "ent-1",
    remaining_uses: 0,
    token_type: "service",
    token_ttl: 3600,
    token_issue_time: "2024-05-01T10:00:00Z",
  });
  assert.is(q!.request.client_token, expectedHash(k, SECRETS.callerToken));
  assert.is(q!.request.client_token_accessor, expectedHash(k, SECRETS.callerAccessor));
  assert.is(q!.request.data.ttl, expectedHash(k, "1h"));

  assert.is(s!.type, "response");
  assert.equal(Object.keys(s!), ["time", "type", "auth", "request", "response", "error"]);
  assert.is(s!.error, "permission denied");
  assert.equal(s!.auth, q!.auth);
  assert.equal(s!.request, q!.request);
  const r = s!.response;
  assert.equal(Object.keys(r), ["mount_point", "mount_type", "mount_accessor", "auth", "data", "warnings"]);
  assert.is(r.mount_point, "auth/token/");
  assert.is(r.auth.client_token, expectedHash(k, SECRETS.newToken));
  assert.is(r.auth.accessor, expectedHash(k, SECRETS.newAccessor));
  assert.is(r.auth.display_name, "alicloud-dev");
  assert.is(r.data.echo, expectedHash(k, SECRETS.securityToken));
  assert.is(r.data.expires, "2030-01-01T00:00:00.5+02:00");
  assert.is(r.data.n, 7);
  assert.equal(r.warnings, ["role has no bound CIDRs"]);
  await broker.close();
  await removeDir(dir);
});

test("no raw token, accessor, signature, key id, security token, secret id, nonce or jwt anywhere in the file", async () => {
  const { file, broker, dir } = await setup();
  const req = loginRequest();
  await broker.logRequest(req);
  await broker.logResponse(req, loginResponse());
  const authed = authedRequest({ path: `auth/token/lookup/${SECRETS.callerToken}` });
  await broker.logRequest(authed);
  // A plugin echoing the caller's token in a warning or the error text must not leak it either.
  await broker.logResponse(authed, loginResponse({ warnings: [`token ${SECRETS.callerToken} is old`], error: `bad ${SECRETS.newAccessor}` }));
  const text = await readFile(file, "utf8");
  assert.is(text.split("\n").filter(Boolean).length, 4);
  const d = req.data as any;
  for (const raw of [...Object.values(SECRETS), d.identity_request_url, d.raw_url]) {
    assert.not.ok(text.includes(raw), `leaked ${raw}`);
  }
  // Sanity: the file is not empty of structure (the test would pass trivially on an empty file otherwise).
  assert.ok(text.includes("auth/alicloud/login"));
  await broker.close();
  await removeDir(dir);
});

test("hash(): the device's key, matches an independent HMAC; path with or without slash", async () => {
  const { broker, key, dir } = await setup();
  assert.is(broker.hash("file", SECRETS.callerToken), expectedHash(key(), SECRETS.callerToken));
  assert.is(broker.hash("file/", "x"), expectedHash(key(), "x"));
  assert.is(broker.hash("other", "x"), undefined);
  assert.is(broker.hash("../file", "x"), undefined);
  await broker.close();
  await removeDir(dir);
});

test("log_raw=true writes clear values; only the exact string enables it", async () => {
  const { file, broker, dir, key } = await setup({ log_raw: "true" });
  const req = authedRequest();
  await broker.logRequest(req);
  const [e] = await readLines(file);
  assert.is(e!.request.client_token, SECRETS.callerToken);
  assert.is(e!.auth.accessor, SECRETS.callerAccessor);
  assert.is(e!.request.data.ttl, "1h");
  // sys/audit-hash still answers with the key.
  assert.is(broker.hash("file", "x"), expectedHash(key(), "x"));
  for (const v of ["yes", "1", "TRUE", "True"]) {
    await assertRejects(broker.enable({ path: "raw" + v.length + v.toLowerCase(), type: "file", description: "", options: { file_path: join(dir, "b.log"), log_raw: v } }), 400, /log_raw/);
  }
  await broker.close();
  await removeDir(dir);
});

test("hmac_accessor=false: accessors clear, tokens still hashed", async () => {
  const { file, broker, dir, key } = await setup({ hmac_accessor: "false" });
  const req = authedRequest();
  await broker.logResponse(req, loginResponse());
  const [e] = await readLines(file);
  assert.is(e!.auth.accessor, SECRETS.callerAccessor);
  assert.is(e!.request.client_token_accessor, SECRETS.callerAccessor);
  assert.is(e!.response.auth.accessor, SECRETS.newAccessor);
  assert.is(e!.auth.client_token, expectedHash(key(), SECRETS.callerToken));
  assert.is(e!.response.auth.client_token, expectedHash(key(), SECRETS.newToken));
  await broker.close();
  await removeDir(dir);
});

test("persistence: a new broker over the same store has the device and the same key; disable forgets both", async () => {
  const prefixing: AuditDeviceRules = { allowPrefixing: true, protectedDirs: [] };
  const { file, broker, dir, system } = await setup({ mode: "0640", prefix: "AUDIT " }, "file", prefixing);
  const firstHash = broker.hash("file", "abc")!;
  await broker.close();
  // The stored prefix is refused by a server whose config no longer allows prefixing: it does not start.
  const refused = await createAuditBroker(system, { onError: () => undefined }).then(() => undefined, (e: Error) => e);
  assert.match(String(refused?.message), /audit device file\/ in the device table is refused: audit log prefixing is not allowed/);
  const again = await createAuditBroker(system, { onError: () => undefined, rules: prefixing });
  assert.is(again.active, true);
  assert.equal(again.list(), [{ path: "file/", type: "file", description: "test", options: { file_path: file, mode: "0640", prefix: "AUDIT " } }]);
  assert.is(again.hash("file", "abc"), firstHash);
  await again.logRequest(loginRequest());
  const text = await readFile(file, "utf8");
  assert.ok(text.startsWith("AUDIT {"));
  assert.is((await stat(file)).mode & 0o777, 0o640);

  assert.is(await again.disable("file"), true);
  assert.is(await again.disable("file"), false);
  assert.is(again.active, false);
  assert.is(system.map.get("audit/key/file/"), undefined);
  assert.equal(JSON.parse(system.map.get("audit/devices")!), []);
  const third = await createAuditBroker(system, { onError: () => undefined });
  assert.is(third.active, false);
  // Re-enabled: a fresh key.
  await third.enable({ path: "file", type: "file", description: "", options: { file_path: file } });
  assert.is.not(third.hash("file", "abc"), firstHash);
  await third.close();
  await removeDir(dir);
});

test("file created with mode 0600 by default, lines appended in call order", async () => {
  const { file, broker, dir } = await setup();
  assert.is((await stat(file)).mode & 0o777, 0o600);
  await Promise.all(Array.from({ length: 300 }, (_, i) => broker.logRequest(loginRequest({ id: `r${i}` }))));
  const lines = await readLines(file);
  assert.equal(lines.map((l) => l.request.id), Array.from({ length: 300 }, (_, i) => `r${i}`));
  await broker.close();
  await removeDir(dir);
});

test("fail closed: directory removed -> 500 and an operator error", async () => {
  const { broker, dir, errors } = await setup();
  await broker.logRequest(loginRequest());
  await rm(dir, { recursive: true, force: true });
  await assertRejects(broker.logRequest(loginRequest()), 500, /internal error/);
  await assertRejects(broker.logResponse(loginRequest(), loginResponse()), 500);
  assert.ok(errors.some((m) => m.includes("file/") && m.includes("ENOENT")));
  assert.not.ok(errors.some((m) => m.includes(SECRETS.secretId)));
  await broker.close();
});

test("fail closed: a directory in place of the file -> 500; file recreated if only the file is removed", async () => {
  const { broker, dir, file } = await setup();
  await rm(file);
  // Only the file went: it is recreated and the entry lands in the new file.
  await broker.logRequest(loginRequest({ id: "after-rm" }));
  assert.equal((await readLines(file)).map((l) => l.request.id), ["after-rm"]);
  await rm(file);
  await mkdir(file);
  await assertRejects(broker.logRequest(loginRequest()), 500);
  // Once the path is a file again, writes resume.
  await rm(file, { recursive: true });
  await writeFile(file, '{"partial":');
  await broker.logRequest(loginRequest({ id: "resumed" }));
  const text = await readFile(file, "utf8");
  // The partial line is terminated first, so the new entry is a whole line of its own.
  assert.is(JSON.parse(text.split("\n")[1]!).request.id, "resumed");
  await broker.close();
  await removeDir(dir);
});

test("one of two devices failing still succeeds; the healthy one has the entry", async () => {
  const { broker, dir, errors } = await setup();
  const other = await tempDir();
  const good = join(other, "good.log");
  await broker.enable({ path: "good", type: "file", description: "", options: { file_path: good } });
  await rm(dir, { recursive: true, force: true });
  await broker.logRequest(loginRequest({ id: "one-ok" }));
  assert.equal((await readLines(good)).map((l) => l.request.id), ["one-ok"]);
  assert.ok(errors.some((m) => m.includes("file/")));
  await rm(other, { recursive: true, force: true });
  await assertRejects(broker.logRequest(loginRequest()), 500);
  await broker.close();
});

test("startup with an unreachable file: the device stays and fails closed", async () => {
  const { broker, dir, system } = await setup();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
  const errors: string[] = [];
  const again = await createAuditBroker(system, { onError: (m) => errors.push(m) });
  assert.is(again.active, true);
  assert.ok(errors.some((m) => m.includes("cannot open")));
  await assertRejects(again.logRequest(loginRequest()), 500);
  // The directory comes back: writes succeed again without a restart.
  await mkdir(dir);
  await again.logRequest(loginRequest({ id: "back" }));
  assert.equal((await readLines(join(dir, "audit.log"))).map((l) => l.request.id), ["back"]);
  await again.close();
  await removeDir(dir);
});

test("deep JSON in request data is audited with a marker, no RangeError", async () => {
  const { file, broker, dir } = await setup();
  let deep: unknown = "leaf";
  for (let i = 0; i < 100_000; i++) deep = { d: deep };
  await broker.logRequest(loginRequest({ data: { deep } }));
  const [e] = await readLines(file);
  assert.ok(JSON.stringify(e).includes(DEPTH_MARKER));
  await broker.close();
  await removeDir(dir);
});

test("enable validation: type, path rules, conflicts, file_path and options", async () => {
  const { broker, dir, file, system } = await setup();
  const opts = (o: Record<string, string>) => ({ path: "x", type: "file" as const, description: "", options: o });
  const ok = join(dir, "other.log");
  await assertRejects(broker.enable({ ...opts({ file_path: ok }), type: "syslog" as any }), 400, /type/);
  for (const p of ["", "Bad", "../x", "a//b", "a/../b", "-a", "a.b", "/a", "a b"]) {
    await assertRejects(broker.enable({ ...opts({ file_path: ok }), path: p }), 400, /invalid audit device path/);
  }
  await assertRejects(broker.enable({ ...opts({ file_path: ok }), path: "file/" }), 400, /path already in use/);
  await assertRejects(broker.enable({ ...opts({ file_path: ok }), path: "file/sub" }), 400, /path already in use/);
  await assertRejects(broker.enable(opts({ file_path: dir })), 400, /is a directory/);
  await assertRejects(broker.enable(opts({ file_path: join(dir, "missing", "a.log") })), 400, /does not exist/);
  await assertRejects(broker.enable(opts({ file_path: "audit.log" })), 400, /absolute/);
  await assertRejects(broker.enable(opts({})), 400, /file_path is required/);
  await assertRejects(broker.enable(opts({ file_path: ok, elide_list_responses: "true" })), 400, /unknown option/);
  await assertRejects(broker.enable(opts({ file_path: ok, mode: "rw" })), 400, /mode/);
  await assertRejects(broker.enable(opts({ file_path: ok, mode: "4755" })), 400, /mode/);
  for (const mode of ["0755", "0777", "0700", "0610", "0601", "744"]) {
    await assertRejects(broker.enable(opts({ file_path: ok, mode })), 400, /file audit devices cannot use file modes with executable permissions/);
  }
  await assertRejects(broker.enable(opts({ file_path: ok, prefix: "a\n{\"forged\":1}" })), 400, /prefix/);
  await assertRejects(broker.enable(opts({ file_path: ok, format: "jsonx" })), 400, /format/);
  await assertRejects(broker.enable(opts({ file_path: ok, hmac_accessor: "no" })), 400, /hmac_accessor/);
  await assertRejects(broker.enable(opts({ file_path: file })), 400, /already used/);
  // Nothing of the refused devices was persisted or created.
  assert.equal(broker.list().map((d) => d.path), ["file/"]);
  assert.equal(JSON.parse(system.map.get("audit/devices")!).map((d: { path: string }) => d.path), ["file/"]);
  assert.equal([...system.map.keys()].filter((k) => k.startsWith("audit/key/")), ["audit/key/file/"]);
  let created = true;
  await stat(ok).catch(() => (created = false));
  assert.not.ok(created, "a refused enable must not create its file");
  // "path" is Vault's alias of file_path; a nested path is fine; discard needs no file.
  await broker.enable({ path: "team/a", type: "file", description: "d", options: { path: ok } });
  await broker.enable({ path: "null", type: "file", description: "", options: { file_path: "discard" } });
  assert.equal(broker.list().map((d) => [d.path, d.options.file_path]), [["file/", file], ["team/a/", ok], ["null/", "discard"]]);
  await broker.close();
  await removeDir(dir);
});

test("concurrent enables of one path: exactly one wins", async () => {
  const dir = await tempDir();
  const broker = await createAuditBroker(new MemorySystem(), { onError: () => undefined });
  const results = await Promise.allSettled(
    [1, 2, 3].map((i) => broker.enable({ path: "race", type: "file", description: "", options: { file_path: join(dir, `${i}.log`) } })),
  );
  assert.is(results.filter((r) => r.status === "fulfilled").length, 1);
  assert.is(broker.list().length, 1);
  await broker.close();
  await removeDir(dir);
});

test("a corrupt device table stops startup instead of running unaudited", async () => {
  const system = new MemorySystem();
  await system.put("audit/devices", "{not json");
  let threw = false;
  try {
    await createAuditBroker(system, { onError: () => undefined });
  } catch {
    threw = true;
  }
  assert.ok(threw);
});

test("request entry for the caller auth keeps identity_policies optional and omits absent parts", async () => {
  const { file, broker, dir } = await setup();
  const auth = callerAuth();
  delete auth.identityPolicies;
  await broker.logResponse(authedRequest({ auth, data: null, remotePort: undefined }), loginResponse({ auth: null, data: null, warnings: [], error: null }));
  const [e] = await readLines(file);
  assert.not.ok("identity_policies" in e!.auth);
  assert.not.ok("data" in e!.request);
  assert.not.ok("remote_port" in e!.request);
  assert.equal(Object.keys(e!.response), ["mount_point", "mount_type", "mount_accessor"]);
  assert.not.ok("error" in e!);
  await broker.close();
  await removeDir(dir);
});

test.run();

// The server's logger (pino behind src/core/logging/logger.ts) as a unit: one JSON object per line,
// levels, the mount and request bindings, the level change SIGHUP makes, and the redaction rule.
// The end-to-end log scans (approle, alicloud, oci, jwt, oidc...) read the same logger's lines.
import * as assert from "uvu/assert";
import { test } from "../../src/sdk/testing/suite.js";
import { createLogger } from "../../src/core/logging/logger.js";

function capture(level: Parameters<typeof createLogger>[0]) {
  const lines: string[] = [];
  const log = createLogger(level, "core", (l) => lines.push(l));
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, parsed };
}

test("a line is one JSON object: level label, ISO time, scope, msg and the fields", () => {
  const { log, lines, parsed } = capture("info");
  log.info("hello", { n: 3 });
  assert.is(lines.length, 1);
  assert.ok(lines[0]!.endsWith("\n"), "newline-terminated");
  const [line] = parsed();
  assert.is(line!.level, "info");
  assert.is(line!.scope, "core");
  assert.is(line!.msg, "hello");
  assert.is(line!.n, 3);
  assert.ok(!Number.isNaN(Date.parse(String(line!.time))), `ISO time: ${line!.time}`);
});

test("levels: lines below the level are dropped; setLevel changes every logger of the root, children made before included", () => {
  const { log, parsed } = capture("info");
  const mount = log.child("mount", { mount: "auth/approle/" });
  const req = mount.forRequest("req-1");
  mount.debug("dropped");
  req.debug("dropped too");
  log.setLevel("debug");
  assert.is(mount.level, "debug");
  mount.debug("kept", { k: 1 });
  req.debug("kept too");
  log.setLevel("error");
  mount.warn("dropped at error");
  req.warn("dropped at error too");
  mount.error("kept at error");
  assert.equal(parsed().map((l) => l.msg), ["kept", "kept too", "kept at error"]);
});

test("a mount's child carries its path; a request's lines carry the request id", () => {
  const { log, parsed } = capture("debug");
  const mount = log.child("mount", { mount: "auth/approle/" });
  mount.forRequest("0f6a-req").info("login refused", { role: "r1" });
  mount.warn("no request here");
  const [a, b] = parsed();
  assert.equal([a!.scope, a!.mount, a!.request_id, a!.role], ["mount", "auth/approle/", "0f6a-req", "r1"]);
  assert.is(b!.request_id, undefined);
  assert.is(b!.mount, "auth/approle/");
});

test("secret-named fields keep their name and lose their value, on every kind of logger", () => {
  const { log, lines } = capture("trace");
  const secrets = { client_token: "hvs.SECRETTOKEN1", secret_id: "sid-SECRET2", signature: "SIG-SECRET3", AccessKeyId: "AK-SECRET4", password: "pw-SECRET5", authorization: "Bearer SECRET6", jwt: "eyJ.SECRET7", nonce: "NONCE-SECRET8", credentials: "CRED-SECRET9", identity_request_body: "IRB-SECRET10" };
  log.info("core line", secrets);
  log.child("mount", { mount: "auth/x/" }).warn("mount line", secrets);
  log.child("mount", { mount: "auth/x/" }).forRequest("r").error("request line", { ...secrets, role: "kept" });
  const text = lines.join("");
  for (const v of Object.values(secrets)) assert.not.ok(text.includes(v), `leaked ${v}`);
  assert.is(lines.length, 3);
  for (const l of lines) assert.is(JSON.parse(l).client_token, "[redacted]");
  assert.ok(text.includes('"role":"kept"'), "other fields stay");
});

test("a child of a child: one scope key (the child's), the parent's other bindings kept", () => {
  const { log, lines } = capture("info");
  log.child("mount", { mount: "auth/a/" }).child("seal").info("x");
  assert.is(lines[0]!.match(/"scope"/g)?.length, 1, lines[0]);
  assert.equal([JSON.parse(lines[0]!).scope, JSON.parse(lines[0]!).mount], ["seal", "auth/a/"]);
});

test("the caller's fields object is not changed by redaction", () => {
  const { log } = capture("info");
  const fields = { token: "t-1", path: "p" };
  log.info("x", fields);
  assert.equal(fields, { token: "t-1", path: "p" });
});

test.run();

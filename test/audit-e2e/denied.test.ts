// Denied and unauthenticated requests reach the audit log (issue 11 §2), over real HTTP with a file
// audit device: a bad token, no token, a permission-denied write, an unknown path and a field error
// each leave a request entry and a response entry carrying the error, HMAC'd as usual (the bad token
// is only ever written as its hash), and the log stays fail-closed for them too.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type AuditEntry, auditHash, enableFileAudit, waitForAudit } from "../helpers/audit-log.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

interface Ctx {
  s: TestServer;
  dir: string;
  file: string;
  user: string;
}

const BAD_TOKEN = "hvs.this-token-was-never-issued-0123456789";

const t = suite<Ctx>("audit: denied and unauthenticated requests");
t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-audit-denied-"));
  ctx.s = await startTestServer();
  ctx.file = await enableFileAudit(ctx.s, join(ctx.dir, "audit.log"));
  const created = await ctx.s.write("auth/token/create", { policies: ["default"], display_name: "plain-user" });
  assert.is(created.status, 200, created.text);
  ctx.user = created.body.auth.client_token;
});
t.after(async ({ s, dir }) => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The request and response entries of the one request with this id-less shape: path + client token hash. */
async function pairFor(file: string, path: string, clientToken: string): Promise<{ request: AuditEntry; response: AuditEntry }> {
  const mine = (e: AuditEntry) => e.request?.path === path && e.request?.client_token === clientToken;
  const entries = await waitForAudit(file, (es) => es.some((e) => mine(e) && e.type === "response"), `the response entry of ${path}`);
  const request = entries.find((e) => mine(e) && e.type === "request");
  const response = entries.find((e) => mine(e) && e.type === "response");
  assert.ok(request, `a request entry for ${path}`);
  assert.is(request.request.id, response.request.id, "the two entries are one request's");
  return { request, response };
}

t("a bad token: 403, both entries with the error, the token only as its HMAC", async ({ s, file }) => {
  const r = await s.read("auth/token/lookup-self", BAD_TOKEN);
  assert.is(r.status, 403);
  const { request, response } = await pairFor(file, "auth/token/lookup-self", await auditHash(s, "file", BAD_TOKEN));
  assert.is(request.error, "permission denied");
  assert.is(response.error, "permission denied");
  assert.is(request.auth, undefined, "no caller was established");
  assert.is(request.request.mount_type, "token");
  assert.not.ok(readFileSync(file, "utf8").includes(BAD_TOKEN), "the raw bad token is nowhere in the log");
  assert.not.ok(readFileSync(file, "utf8").includes("this-token-was-never-issued"), "not even a part of it");
});

t("no token at all: 403, both entries with the error and an empty client token", async ({ s, file }) => {
  const r = await s.read("sys/policies/acl", null);
  assert.is(r.status, 403);
  const { request, response } = await pairFor(file, "sys/policies/acl", "");
  assert.is(request.error, "permission denied");
  assert.is(response.error, "permission denied");
  assert.is(request.request.operation, "read");
});

t("a permission-denied write to sys/policies/acl/x: the caller, the hashed body and the error", async ({ s, file, user }) => {
  const policy = 'path "*" { capabilities = ["sudo", "create", "update"] }';
  const r = await s.write("sys/policies/acl/x", { policy }, user);
  assert.is(r.status, 403);
  assert.is((await s.read("sys/policies/acl/x")).status, 404, "nothing was written");
  const { request, response } = await pairFor(file, "sys/policies/acl/x", await auditHash(s, "file", user));
  assert.is(request.error, "permission denied");
  assert.is(response.error, "permission denied");
  assert.is(request.auth.display_name, "token-plain-user");
  assert.equal(request.auth.policies, ["default"]);
  assert.is(request.request.operation, "update");
  assert.is(request.request.data.policy, await auditHash(s, "file", policy), "the body is hashed as usual");
  assert.is(request.request.client_token_accessor.startsWith("hmac-sha256:"), true);
});

t("an unknown path and a field error are audited with their errors", async ({ s, file }) => {
  const root = await auditHash(s, "file", s.rootToken);
  assert.is((await s.read("sys/no-such-endpoint")).status, 404);
  const unknown = await pairFor(file, "sys/no-such-endpoint", root);
  assert.is(unknown.response.error, "unsupported path");
  assert.is(unknown.request.request.mount_type, "system");

  const bad = await s.write("auth/token/create", { ttl: "soon" });
  assert.is(bad.status, 400);
  const entries = await waitForAudit(file, (es) => es.some((e) => e.type === "response" && e.request?.path === "auth/token/create" && e.error), "the failed create");
  const failed = entries.find((e) => e.type === "response" && e.request?.path === "auth/token/create" && e.error);
  assert.match(failed.error, /ttl/);
  assert.is(entries.filter((e) => e.request?.id === failed.request.id).length, 2, "one request entry, one response entry");
});

t("fail closed: a denied request the log cannot take is answered 500", async ({ s, dir }) => {
  const sub = join(dir, "gone");
  mkdirSync(sub);
  await enableFileAudit(s, join(sub, "a.log"), "doomed");
  assert.is((await s.request("DELETE", "sys/audit/file")).status, 204);
  rmSync(sub, { recursive: true, force: true });
  const r = await s.read("auth/token/lookup-self", BAD_TOKEN);
  assert.is(r.status, 500, r.text);
  assert.equal(r.body, { errors: ["internal error"] });
  await s.server.core.audit.disable("doomed");
  assert.is((await s.read("auth/token/lookup-self", BAD_TOKEN)).status, 403);
});

t.run();

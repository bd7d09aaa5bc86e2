// Isolation of out-of-tree plugins, over real HTTP: a plugin that throws, hangs or leaves a promise
// rejected costs its own request a generic 500 (logged and audited), never the server; two mounts
// of different plugins never see each other's keys; outbound calls go only where the mount's
// allow-list says.
import { readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { TestServer } from "../helpers/server.js";
import { type PluginDir, pluginDir, probeSource, register, serverWithPlugins } from "./fixtures.js";

interface Ctx {
  s: TestServer;
  p: PluginDir;
  upstream: Server;
  upstreamUrl: string;
  auditFile: string;
}
const DEADLINE_MS = 400;
const t = suite<Ctx>("plugin isolation");
t.before(async (ctx) => {
  ctx.p = pluginDir();
  ctx.s = await serverWithPlugins(ctx.p.dir, { deadlineMs: DEADLINE_MS });
  const { s, p } = ctx;
  assert.is((await register(s, "probe", "probe.js", p.put("probe.js", probeSource("probe", "a")))).status, 204);
  assert.is((await register(s, "other", "other.js", p.put("other.js", probeSource("other", "b")))).status, 204);
  await s.enableAuth("a", "probe");
  await s.enableAuth("b", "other");
  ctx.auditFile = join(ctx.p.dir, "..", `${ctx.p.dir.split("/").pop()}-audit.log`);
  assert.is((await s.request("PUT", "sys/audit/file", { body: { type: "file", options: { file_path: ctx.auditFile } } })).status, 204);
  ctx.upstream = createServer((_req, res) => res.end("{}"));
  await new Promise<void>((r) => ctx.upstream.listen(0, "127.0.0.1", r));
  const addr = ctx.upstream.address() as { port: number };
  ctx.upstreamUrl = `http://127.0.0.1:${addr.port}`;
});
t.after(async ({ s, p, upstream, auditFile }) => {
  await s.close();
  upstream.close();
  rmSync(p.dir, { recursive: true, force: true });
  rmSync(auditFile, { force: true });
});

t("a throwing handler: generic 500 for that request, logged and audited; the server keeps serving", async ({ s, auditFile }) => {
  const r = await s.read("auth/a/crash");
  assert.is(r.status, 500);
  assert.equal(r.body.errors, ["internal error"], "nothing of the exception reaches the client");
  assert.not.match(r.text, /secret internals/);
  assert.ok(s.logs.some((l) => l.includes("boom: secret internals")), "the cause is in the server log");
  const audit = readFileSync(auditFile, "utf8");
  assert.ok(audit.split("\n").some((l) => l.includes('"auth/a/crash"') && l.includes('"response"') && l.includes("internal error")), "audited");
  assert.is((await s.read("auth/a/hello")).status, 200);
  assert.is((await s.read("auth/b/hello")).status, 200);
});

t("plugin code that answers or throws without a promise (an existence check): answered as if it had one", async ({ s }) => {
  const present = await s.request("PUT", "auth/a/exists/present", { body: {} });
  assert.is(present.status, 200);
  assert.is(present.body.data.op, "update", "a check that returns true at once: update");
  const absent = await s.request("PUT", "auth/a/exists/absent", { body: {} });
  assert.is(absent.status, 200);
  assert.is(absent.body.data.op, "create", "a check that returns false at once: create");
  const threw = await s.request("PUT", "auth/a/exists-throws", { body: {} });
  assert.is(threw.status, 500);
  assert.equal(threw.body.errors, ["internal error"], "nothing of the exception reaches the client");
  assert.ok(s.logs.some((l) => l.includes("boom: a check that throws at once")), "the cause is in the server log");
  assert.is((await s.read("auth/a/hello")).status, 200, "the server keeps serving");
});

t("a hanging handler: 500 after the deadline, while other requests are answered meanwhile", async ({ s, auditFile }) => {
  const started = Date.now();
  const hung = s.read("auth/a/hang");
  // Requests to the same and other mounts go through while the hung one waits.
  const [other, same, health] = await Promise.all([s.read("auth/b/hello"), s.read("auth/a/hello"), s.read("sys/health")]);
  assert.is(other.status, 200);
  assert.is(same.status, 200);
  assert.is(health.status, 200);
  assert.ok(Date.now() - started < DEADLINE_MS, "not queued behind the hung handler");
  const r = await hung;
  assert.is(r.status, 500);
  assert.equal(r.body.errors, ["internal error"]);
  assert.ok(Date.now() - started >= DEADLINE_MS - 20);
  assert.ok(s.logs.some((l) => l.includes("exceeded its deadline") && l.includes("auth/a/")));
  assert.ok(readFileSync(auditFile, "utf8").includes('"auth/a/hang"'));
  assert.is((await s.read("auth/a/hello")).status, 200);
});

t("a floating rejected promise is logged; the process stays up", async ({ s }) => {
  const r = await s.read("auth/a/float");
  assert.is(r.status, 200, r.text);
  await new Promise((res) => setTimeout(res, 50));
  assert.ok(s.logs.some((l) => l.includes("unhandled promise rejection") && l.includes("forgotten await")));
  assert.is((await s.read("auth/b/hello")).status, 200);
});

t("storage: two mounts of different plugins never see each other's keys", async ({ s }) => {
  assert.is((await s.write("auth/a/kv/shared", { value: "from-a" })).status, 204);
  assert.is((await s.read("auth/b/kv/shared")).status, 404, "b cannot read a's key");
  assert.is((await s.write("auth/b/kv/shared", { value: "from-b" })).status, 204);
  assert.is((await s.read("auth/a/kv/shared")).body.data.value, "from-a", "b's write did not touch a's key");
  assert.is((await s.read("auth/b/kv/shared")).body.data.value, "from-b");
  // Keys that look like paths stay inside the mount's namespace.
  assert.is((await s.read("auth/b/kv/..")).status >= 400, true);
});

t("outbound: refused unless the declared host or the mount's configured endpoint", async ({ s, upstreamUrl }) => {
  const refused = await s.write("auth/a/fetch", { url: `${upstreamUrl}/x` });
  assert.is(refused.status, 503, refused.text);
  assert.ok(s.logs.some((l) => l.includes("refused by the mount's allow-list") && l.includes(upstreamUrl)));
  for (const url of ["http://169.254.169.254/latest/meta-data/", "http://allowed.example/", "https://allowed.example:8443/"]) {
    assert.is((await s.write("auth/a/fetch", { url })).status, 503, url);
  }
  // The operator names the endpoint in the mount's config: now it may be called, by this mount only.
  assert.is((await s.write("auth/a/kv/endpoint", { value: upstreamUrl })).status, 204);
  const ok = await s.write("auth/a/fetch", { url: `${upstreamUrl}/x` });
  assert.is(ok.status, 200, ok.text);
  assert.is(ok.body.data.status, 200);
  assert.is((await s.write("auth/b/fetch", { url: `${upstreamUrl}/x` })).status, 503, "mount b did not configure it");
});

t.run();

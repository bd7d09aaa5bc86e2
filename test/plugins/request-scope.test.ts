// Plugins see only what is theirs (issue 12 §1), over real HTTP: an out-of-tree plugin loaded from
// the catalog walks everything reachable from the request its handlers and existence check get, and
// finds neither the caller's token, nor its accessor, nor its ACL; it finds what the SDK documents.
import { rmSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { TestServer } from "../helpers/server.js";
import { type PluginDir, pluginDir, register, serverWithPlugins } from "./fixtures.js";
import { spySource } from "./request-spy.js";

interface Walk {
  strings: string[];
  suspicious: string[];
  objects: number;
}
interface Report {
  keys: string[];
  caller: { entityId: string; displayName: string; policies: string[] } | null;
  walk: Walk;
}
interface Ctx {
  s: TestServer;
  p: PluginDir;
  token: string;
  accessor: string;
}

/** The properties docs/plugins.md lists for PluginRequest. */
const DOCUMENTED = ["caller", "clientAddress", "data", "has", "http", "log", "mount", "operation", "path", "requestHost", "storage"];

const t = suite<Ctx>("plugin request scope");
t.before(async (ctx) => {
  ctx.p = pluginDir();
  ctx.s = await serverWithPlugins(ctx.p.dir);
  const { s, p } = ctx;
  assert.is((await register(s, "spy", "spy.js", p.put("spy.js", spySource("spy")))).status, 204);
  await s.enableAuth("spy", "spy");
  const pol = await s.write("sys/policies/acl/spy-user", { policy: 'path "auth/spy/*" { capabilities = ["create", "read", "update"] }' });
  assert.is(pol.status, 204, pol.text);
  const created = await s.write("auth/token/create", { policies: ["spy-user"], display_name: "spy-caller" });
  assert.is(created.status, 200, created.text);
  ctx.token = created.body.auth.client_token;
  ctx.accessor = created.body.auth.accessor;
});
t.after(async ({ s, p }) => {
  await s.close();
  rmSync(p.dir, { recursive: true, force: true });
});

function assertClean(r: Report, secrets: Record<string, string>, where: string): void {
  assert.equal(r.walk.suspicious, [], `${where}: nothing shaped like an ACL or a token field`);
  for (const [name, secret] of Object.entries(secrets)) {
    const hit = r.walk.strings.find((s) => s.includes(secret));
    assert.is(hit, undefined, `${where}: the ${name} is reachable from the request`);
  }
  assert.ok(r.walk.objects > 5, `${where}: the walk went somewhere (${r.walk.objects} objects)`);
}

t("the walker's control: it does find a token and an ACL put on a request", async ({ s, token }) => {
  const r = await s.read("auth/spy/control", token);
  assert.is(r.status, 200, r.text);
  const walk: Walk = r.body.data.handler.walk;
  assert.ok(walk.strings.includes("hvs.control-token"));
  assert.ok(walk.suspicious.some((x) => x.includes("ACL")), JSON.stringify(walk.suspicious));
  assert.ok(walk.suspicious.some((x) => x.endsWith(".token")));
});

t("a write: handler and existence check get only the documented fields; no token, accessor or ACL", async ({ s, token, accessor }) => {
  const r = await s.request("PUT", "auth/spy/probe/x", { token, body: { planted: "planted-marker-1234" } });
  assert.is(r.status, 200, r.text);
  const secrets = { "caller's token": token, "caller's accessor": accessor, "root token": s.rootToken };
  for (const [where, report] of [["handler", r.body.data.handler], ["existence check", r.body.data.existence]] as const) {
    assert.ok(report, `${where} ran`);
    assert.equal(report.keys, DOCUMENTED, `${where}: the request's properties`);
    assertClean(report, secrets, where);
    assert.ok(report.walk.strings.includes("planted-marker-1234"), `${where}: the walk reaches req.data`);
    assert.equal(report.caller, { entityId: "", displayName: "token-spy-caller", policies: ["default", "spy-user"] });
  }
});

t("a read, and a login path (no caller at all)", async ({ s, token, accessor }) => {
  const r = await s.read("auth/spy/probe/y", token);
  assert.is(r.status, 200, r.text);
  assertClean(r.body.data.handler, { token, accessor }, "read");
  const login = await s.request("PUT", "auth/spy/login", { token, body: {} });
  assert.is(login.status, 200, login.text);
  const report: Report = login.body.data.handler;
  assert.equal(report.keys, DOCUMENTED.filter((k) => k !== "caller"));
  assert.is(report.caller, null);
  assertClean(report, { token, accessor }, "login");
});

t.run();

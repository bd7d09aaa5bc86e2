// sys/version-history (recorded once per version, through the barrier), sys/capabilities,
// sys/capabilities-accessor and sys/capabilities-self over real HTTP, and the CLI commands on top:
// `warden version` and `warden token capabilities`.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { recordRunningVersion } from "../../src/core/sys/sys-version.js";
import { WARDEN_VERSION } from "../../src/core/version.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { freshHome, runCli } from "../cli/harness.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface Ctx {
  s: TestServer;
  /** A token with policy "team": read on secret-ish paths, nothing on sys/capabilities. */
  team: string;
  teamAccessor: string;
}

const t = suite<Ctx>("version history and capabilities");

t.before(async (ctx) => {
  ctx.s = await startTestServer();
  const put = await ctx.s.request("PUT", "sys/policies/acl/team", { body: { policy: 'path "auth/team/*" { capabilities = ["read", "list"] }\npath "auth/team/admin" { capabilities = ["deny"] }\n' } });
  assert.is(put.status, 204, put.text);
  const tok = await ctx.s.request("POST", "auth/token/create", { body: { policies: ["team"], ttl: "1h" } });
  assert.is(tok.status, 200, tok.text);
  ctx.team = tok.body.auth.client_token;
  ctx.teamAccessor = tok.body.auth.accessor;
});
t.after(async (ctx) => ctx.s.close());

t("sys/version-history: the running version, recorded at boot, in Vault's shape; LIST and GET agree", async ({ s }) => {
  const list = await s.list("sys/version-history");
  assert.is(list.status, 200, list.text);
  assert.equal(list.body.data.keys, [WARDEN_VERSION]);
  const info = list.body.data.key_info[WARDEN_VERSION];
  assert.equal(Object.keys(info).sort(), ["build_date", "previous_version", "timestamp_installed"]);
  assert.is(info.previous_version, null);
  assert.match(info.timestamp_installed, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const get = await s.read("sys/version-history");
  assert.equal(get.body.data, list.body.data);
  assert.is((await s.list("sys/version-history", await defaultToken(s))).status, 403, "needs a policy granting it");
});

async function defaultToken(s: TestServer): Promise<string> {
  const r = await s.request("POST", "auth/token/create", { body: { policies: ["default"], ttl: "1h" } });
  return r.body.auth.client_token;
}

t("once per version: a second boot of the same version keeps the first time; a new version lists the one before it; the record is behind the barrier", async ({ s }) => {
  const before = (await s.list("sys/version-history")).body.data.key_info[WARDEN_VERSION].timestamp_installed;
  s.clock.advance(60_000);
  await recordRunningVersion(s.server.core.storage.kv, s.clock);
  assert.is((await s.list("sys/version-history")).body.data.key_info[WARDEN_VERSION].timestamp_installed, before, "not re-recorded");
  s.clock.advance(60_000);
  await recordRunningVersion(s.server.core.storage.kv, s.clock, { version: "99.0.0", revision: "", buildDate: "2030-01-01T00:00:00Z" });
  const after = (await s.list("sys/version-history")).body.data;
  assert.equal(after.keys, [WARDEN_VERSION, "99.0.0"]);
  assert.is(after.key_info["99.0.0"].previous_version, WARDEN_VERSION);
  assert.is(after.key_info["99.0.0"].build_date, "2030-01-01T00:00:00Z");
  const raw = await s.storageText();
  assert.not.ok(raw.includes("timestamp_installed") || raw.includes("2030-01-01T00:00:00Z"), "a version record is stored in clear");
});

t("sys/capabilities (token) and sys/capabilities-accessor: the token's capabilities, deny when nothing, root for root; bad operands are 400", async (ctx) => {
  const { s } = ctx;
  const paths = ["auth/team/x", "auth/team/admin", "sys/mounts"];
  const byToken = await s.write("sys/capabilities", { token: ctx.team, paths });
  assert.is(byToken.status, 200, byToken.text);
  assert.equal([...byToken.body.data["auth/team/x"]].sort(), ["list", "read"]);
  assert.equal(byToken.body.data["auth/team/admin"], ["deny"]);
  assert.equal(byToken.body.data["sys/mounts"], ["deny"]);
  const byAccessor = await s.write("sys/capabilities-accessor", { accessor: ctx.teamAccessor, paths });
  assert.is(byAccessor.status, 200, byAccessor.text);
  assert.equal(byAccessor.body.data, byToken.body.data);
  const self = await s.request("POST", "sys/capabilities-self", { token: ctx.team, body: { paths } });
  assert.equal(self.body.data, byToken.body.data, "the same answer as the token asking for itself");
  const root = await s.write("sys/capabilities", { token: s.rootToken, path: "anything/at/all" });
  assert.equal(root.body.data.capabilities, ["root"]);

  for (const [path, body, error] of [
    ["sys/capabilities", { token: "hvs.not-a-real-token-at-all", paths }, "invalid token"],
    ["sys/capabilities", { paths }, "missing token"],
    ["sys/capabilities-accessor", { accessor: "nosuchaccessor", paths }, "invalid accessor"],
    ["sys/capabilities-accessor", { paths }, "missing accessor"],
  ] as const) {
    const r = await s.write(path, body);
    assert.is(r.status, 400, `${path}: ${r.text}`);
    assert.equal(r.body.errors, [error]);
  }
  // The default policy grants capabilities-self only.
  assert.is((await s.request("POST", "sys/capabilities", { token: ctx.team, body: { token: ctx.team, paths } })).status, 403);
  assert.is((await s.request("POST", "sys/capabilities-accessor", { token: ctx.team, body: { accessor: ctx.teamAccessor, paths } })).status, 403);
});

t("the policies of the token's entity count, as for a request made with it", async ({ s }) => {
  await s.enableAuth("caps-approle", "approle");
  assert.is((await s.write("auth/caps-approle/role/r", { role_id: "caps-role", token_policies: "default", bind_secret_id: false, secret_id_bound_cidrs: "127.0.0.0/8" })).status, 204);
  const login = await s.write("auth/caps-approle/login", { role_id: "caps-role" }, null);
  assert.is(login.status, 200, login.text);
  const { client_token: token, accessor, entity_id: entityId } = login.body.auth;
  assert.ok(entityId, "the login made an entity");
  assert.equal((await s.write("sys/capabilities", { token, path: "auth/team/x" })).body.data.capabilities, ["deny"]);
  assert.is((await s.write(`identity/entity/id/${entityId}`, { policies: ["team"] })).status, 200);
  assert.equal([...(await s.write("sys/capabilities", { token, path: "auth/team/x" })).body.data.capabilities].sort(), ["list", "read"]);
  assert.equal([...(await s.write("sys/capabilities-accessor", { accessor, path: "auth/team/x" })).body.data.capabilities].sort(), ["list", "read"]);
});

t("CLI: warden token capabilities [TOKEN | -accessor ACCESSOR] PATH", async (ctx) => {
  const { s } = ctx;
  const home = freshHome();
  const env = { WARDEN_ADDR: s.url, WARDEN_TOKEN: s.rootToken };
  const self = await runCli(["token", "capabilities", "auth/team/x"], { env: { ...env, WARDEN_TOKEN: ctx.team }, home });
  assert.is(self.code, 0, self.stderr);
  assert.is(self.stdout, "list, read\n");
  const other = await runCli(["token", "capabilities", ctx.team, "auth/team/admin"], { env, home });
  assert.is(other.stdout, "deny\n", other.stderr);
  const acc = await runCli(["token", "capabilities", "-accessor", ctx.teamAccessor, "auth/team/x"], { env, home });
  assert.is(acc.stdout, "list, read\n", acc.stderr);
  const root = await runCli(["token", "capabilities", "sys/mounts"], { env, home });
  assert.is(root.stdout, "root\n");
  const json = await runCli(["token", "capabilities", "-format=json", ctx.team, "auth/team/x"], { env, home });
  assert.equal(JSON.parse(json.stdout), ["list", "read"]);
  const bad = await runCli(["token", "capabilities", "hvs.not-a-real-token-at-all", "auth/team/x"], { env, home });
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /invalid token/);
  assert.not.match(bad.stderr + bad.stdout, /not-a-real-token-at-all/);
  const usage = await runCli(["token", "capabilities"], { env, home });
  assert.is(usage.code, 1);
  assert.match(usage.stderr, /Usage: warden token capabilities/);
});

t("CLI: warden version (and -v) prints the package version with the recorded build info", async () => {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")).version as string;
  assert.is(WARDEN_VERSION, pkg);
  execFileSync(process.execPath, [`${ROOT}scripts/build-info.mjs`]);
  const info = JSON.parse(readFileSync(`${ROOT}dist/build-info.json`, "utf8")) as { revision: string; build_date: string };
  const expected = `Warden v${pkg}${info.revision ? ` (${info.revision})` : ""}, built ${info.build_date}\n`;
  assert.match(info.build_date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const r = await runCli(["version"]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, expected);
  assert.is((await runCli(["-v"])).stdout, expected);
  assert.is((await runCli(["version", "extra"])).code, 1);
});

t.run();

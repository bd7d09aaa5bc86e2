// The web console end to end: a real server (this pass's storage) serving /ui/, driven in headless
// Chromium by accessible names only, with every change checked through the JSON API the CLI uses.
// Sign in, enable approle, a role through the generated form (a server validation error shown at its
// field), a policy with an error at its line then fixed, a secret id generated in the page and used
// to log in over HTTP, that login's token revoked by accessor; a catalog plugin's roles edited with
// no console code; tune/disable, identity, audit devices, token creation; the unseal form.
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { WARDEN_VERSION } from "../../src/core/version.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { launchChromium, newPage, screenshot } from "../helpers/browser.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { type PluginDir, pluginDir, register } from "../plugins/fixtures.js";

interface Ctx {
  s: TestServer;
  p: PluginDir;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  problems: string[];
  /** Shared between steps: the AppRole login's token and accessor. */
  login?: { token: string; accessor: string };
}

const t = suite<Ctx>("web console in Chromium");

/** A catalog plugin the console has never heard of: its role fields exist only in its own schema. */
const BADGE_PLUGIN = `import { badRequest, definePath, definePlugin, roleCrudPaths, roleStore, SDK_VERSION } from "warden/sdk";
const config = definePath({
  pattern: "config",
  fields: { door_service: { type: "string", description: "URL of the door controller" }, audit_doors: { type: "bool", default: false, description: "Log every door opened" } },
  operations: {
    read: async (req) => {
      const c = await req.storage.get("config");
      return c === undefined ? undefined : { data: c };
    },
    update: async (req) => {
      const url = String(req.data.door_service ?? "");
      if (!/^https?:\\/\\//.test(url)) throw badRequest("door_service must be an http(s) URL");
      await req.storage.put("config", { door_service: url, audit_doors: req.data.audit_doors ?? false });
    },
  },
});
const store = roleStore((v) => typeof v === "object" && v !== null && typeof v.team === "string");
const paths = roleCrudPaths({
  store,
  fields: {
    team: { type: "string", description: "Team whose badges may log in (lower-case letters)" },
    max_badges: { type: "int", default: 3, description: "How many badges one person may hold" },
    doors: { type: "comma_string_slice", description: "Doors the badge opens" },
    night_access: { type: "bool", default: false, description: "Whether the badge works at night" },
    tier: { type: "string", allowedValues: ["gold", "silver"], default: "silver", description: "Badge tier" },
  },
  write(req, existing, token) {
    const team = req.has("team") ? String(req.data.team) : existing?.team;
    if (team === undefined) throw badRequest("missing team");
    if (!/^[a-z]+$/.test(team)) throw badRequest("team must be lower-case letters only");
    const pick = (name, dflt) => (req.has(name) ? req.data[name] : existing ? existing[name] : dflt);
    return { team, max_badges: pick("max_badges", 3), doors: pick("doors", []), night_access: pick("night_access", false), tier: pick("tier", "silver"), token };
  },
  view: (r) => ({ team: r.team, max_badges: r.max_badges, doors: r.doors, night_access: r.night_access, tier: r.tier }),
});
export default definePlugin({ type: "badge", sdkVersion: SDK_VERSION, description: "badge readers (console test)", paths: [...paths, config] });
`;

t.before(async (ctx) => {
  // Chromium first: a machine without it fails here, before anything else is started.
  ctx.browser = await launchChromium();
  ctx.p = pluginDir();
  ctx.s = await startTestServer({ configure: (c) => (c.pluginDirectory = ctx.p.dir) });
  Object.assign(ctx, await newPage(ctx.browser));
  await ctx.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: ctx.s.url });
});
t.after(async (ctx) => {
  await ctx.browser?.close();
  await ctx.s?.close();
  if (ctx.p) rmSync(ctx.p.dir, { recursive: true, force: true });
});

const button = (page: Page, name: string) => page.getByRole("button", { name, exact: true });
const field = (page: Page, name: string) => page.getByLabel(name, { exact: true });
const status = (page: Page) => page.getByRole("status").first();
/** An input's value once the page has filled it in (values loaded from the API arrive after the input). */
async function filledValue(page: Page, label: string): Promise<string> {
  const input = field(page, label);
  await input.waitFor();
  await page.waitForFunction((el) => (el as HTMLInputElement).value !== "", await input.elementHandle());
  return input.inputValue();
}

t("served with a strict CSP, DENY framing and immutable hashed assets", async ({ s }) => {
  const index = await fetch(`${s.url}/ui/`);
  assert.is(index.status, 200);
  const csp = index.headers.get("content-security-policy") ?? "";
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.not.match(csp, /unsafe-inline|unsafe-eval|https?:/);
  assert.is(index.headers.get("x-frame-options"), "DENY");
  assert.is(index.headers.get("cache-control"), "no-cache");
  const html = await index.text();
  // No inline script: every <script> names a file of this server.
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    assert.match(m[1]!, /src="\/ui\/assets\/[^"]+\.js"/);
    assert.is(m[2]!.trim(), "");
  }
  assert.not.match(html, /https?:\/\//, "nothing from another origin");
  const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)![1]!;
  const js = await fetch(`${s.url}${asset}`);
  assert.is(js.status, 200);
  assert.match(js.headers.get("cache-control") ?? "", /max-age=31536000, immutable/);
  assert.match(js.headers.get("content-type") ?? "", /text\/javascript/);
  const missing = await fetch(`${s.url}/ui/assets/nope-123.js`);
  assert.is(missing.status, 404, "a missing asset is never answered with index.html");
  await missing.text();
  const root = await fetch(`${s.url}/`, { redirect: "manual" });
  assert.is(root.status, 307);
  assert.is(root.headers.get("location"), "/ui/");
  await root.text();
  assert.is(await (await fetch(`${s.url}/robots.txt`)).text(), "User-agent: *\nDisallow: /\n");
  const api = await fetch(`${s.url}/v1/sys/health`);
  assert.is(api.headers.get("content-security-policy"), null, "the API's answers are untouched");
  await api.text();
});

t("sign in: a bad token is refused in the page; the root token opens the console (kept in sessionStorage only)", async ({ s, page, problems }) => {
  await page.goto(`${s.url}/ui/`);
  await field(page, "Token").fill("hvs.not-a-token");
  await button(page, "Sign in").click();
  await page.getByRole("alert").getByText("not valid").waitFor();
  await screenshot(page, "console-sign-in");
  await field(page, "Token").fill(s.rootToken);
  await button(page, "Sign in").click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  for (const name of ["Auth methods", "Policies", "Tokens", "Identity"]) assert.ok(await page.getByRole("link", { name, exact: true }).isVisible(), name);
  const stored = await page.evaluate(() => ({ session: sessionStorage.getItem("warden.token"), local: Object.keys(localStorage).length }));
  assert.is(stored.session, s.rootToken);
  assert.is(stored.local, 0, "nothing in localStorage");
  // The overview's facts come from the API: this pass's storage, the version, live tokens.
  const facts = page.getByRole("region", { name: "Server" });
  await facts.getByText(s.storage, { exact: true }).waitFor();
  await facts.getByText(WARDEN_VERSION, { exact: true }).waitFor();
  await facts.getByText("active", { exact: true }).waitFor();
  await page.getByRole("region", { name: "Activity" }).getByText(/^\d+$/).first().waitFor();
  await page.getByRole("region", { name: "Activity" }).getByText(/^\d+\.\d per minute/).waitFor();
  await page.getByRole("region", { name: "Mounts" }).getByText("auth/token/", { exact: true }).waitFor();
  await screenshot(page, "console-overview");
  assert.equal(problems, [], "no script error or CSP violation");
});

t("auth methods: enable approle, tune it, disable another one only after confirmation", async ({ s, page }) => {
  await page.getByRole("link", { name: "Auth methods", exact: true }).click();
  await field(page, "Type").selectOption("approle");
  await field(page, "Path").fill("approle");
  await button(page, "Enable").click();
  await status(page).getByText("Enabled auth/approle/").waitFor();
  assert.is((await s.read("sys/auth")).body.data["approle/"].type, "approle");

  await button(page, "Tune approle/").click();
  await field(page, "default_lease_ttl").fill("1h");
  await field(page, "description").fill("machines");
  await button(page, "Save").click();
  await status(page).getByText("Tuned auth/approle/").waitFor();
  const tuned = (await s.read("sys/auth/approle/tune")).body.data;
  assert.is(tuned.default_lease_ttl, 3600);
  assert.is(tuned.description, "machines");
  // The list reads the tuned TTL as a duration, and the untouched one (0) as the system default.
  await page.getByRole("row").filter({ hasText: "approle/" }).getByRole("cell", { name: "1h / system default", exact: true }).waitFor();
  // The tune form (generated from sys/auth/{path}/tune's declaration) opens with the current values.
  await button(page, "Tune approle/").click();
  assert.is(await filledValue(page, "default_lease_ttl"), "3600");
  assert.is(await field(page, "description").inputValue(), "machines");
  await button(page, "Tune approle/").click();

  await field(page, "Type").selectOption("approle");
  await field(page, "Path").fill("scratch");
  await button(page, "Enable").click();
  await status(page).getByText("Enabled auth/scratch/").waitFor();
  await button(page, "Disable scratch/").click();
  await button(page, "Cancel").click();
  assert.ok((await s.read("sys/auth")).body.data["scratch/"], "Cancel keeps the mount");
  await button(page, "Disable scratch/").click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Confirm" }).click();
  await status(page).getByText("Disabled auth/scratch/").waitFor();
  assert.is((await s.read("sys/auth")).body.data["scratch/"], undefined);
  await screenshot(page, "console-auth-methods");
});

t("roles: the generated approle form shows the server's validation error at its field, then saves", async ({ s, page }) => {
  await page.getByRole("link", { name: "approle/", exact: true }).click();
  await page.getByRole("heading", { name: /Roles of auth\/approle\// }).waitFor();
  await field(page, "role_name").fill("web");
  await field(page, "token_policies").fill("app-read, default");
  await field(page, "secret_id_ttl").fill("10m");
  await field(page, "token_ttl").fill("soon");
  await button(page, "Save").click();
  const ttl = field(page, "token_ttl");
  await page.locator("#field-token_ttl-error").getByText(/token_ttl/).waitFor();
  assert.is(await ttl.getAttribute("aria-invalid"), "true");
  assert.match((await ttl.getAttribute("aria-describedby")) ?? "", /field-token_ttl-error/);
  assert.is((await s.read("auth/approle/role/web")).status, 404, "nothing saved");
  await screenshot(page, "console-role-error");

  await ttl.fill("20m");
  await button(page, "Save").click();
  await status(page).getByText("Saved role web").waitFor();
  const role = (await s.read("auth/approle/role/web")).body.data;
  assert.equal(role.token_policies, ["app-read", "default"]);
  assert.is(role.secret_id_ttl, 600);
  assert.is(role.token_ttl, 1200);
  // The saved role opens with its stored values in the same generated fields.
  assert.is(await filledValue(page, "token_policies"), "app-read, default");
});

t("policies: an error is shown at its line, then the fixed policy saves", async ({ s, page }) => {
  await page.getByRole("link", { name: "Policies", exact: true }).click();
  await page.getByRole("link", { name: "New policy" }).click();
  await field(page, "Name").fill("app-read");
  const bad = ['path "secret/app/*" {', '  capabilities = ["read", "list"]', "}", 'path "auth/token/lookup-self" {', '  capabilities = ["reed"]', "}"].join("\n");
  await field(page, "Policy").fill(bad);
  await button(page, "Save").click();
  await page.getByRole("alert").getByText('Line 5: path "auth/token/lookup-self": invalid capability "reed"').waitFor();
  assert.is(await page.locator(".gutter li.bad").textContent(), "5", "the gutter marks line 5");
  const cursorLine = await field(page, "Policy").evaluate((el) => {
    const area = el as HTMLTextAreaElement;
    return area.value.slice(0, area.selectionStart).split("\n").length;
  });
  assert.is(cursorLine, 5, "the cursor is put on the bad line");
  assert.is((await s.read("sys/policies/acl/app-read")).status, 404, "nothing stored");
  await screenshot(page, "console-policy-error");

  const good = bad.replace('"reed"', '"read"');
  await field(page, "Policy").fill(good);
  await button(page, "Save").click();
  await status(page).getByText("Saved policy app-read").waitFor();
  assert.match(page.url(), /#\/policies\/app-read$/);
  assert.is((await s.read("sys/policies/acl/app-read")).body.data.policy, good);
  assert.is(await page.getByRole("alert").count(), 0, "the error is gone");
});

t("approle: a secret id generated in the page (shown once, copyable) logs in over HTTP", async (ctx) => {
  const { s, page } = ctx;
  await page.goto(`${s.url}/ui/#/auth/approle/web`);
  const roleId = await filledValue(page, "Role ID");
  assert.match(roleId, /^[0-9a-f-]{36}$/, roleId);
  await button(page, "Generate secret ID").click();
  const secretId = await filledValue(page, "Secret ID");
  assert.ok(secretId.length >= 32, "a secret id");
  await button(page, "Copy Secret ID").click();
  await page.getByText("Copied").waitFor();
  assert.is(await page.evaluate(() => navigator.clipboard.readText()), secretId);
  await screenshot(page, "console-secret-id");

  const login = await s.request("POST", "auth/approle/login", { token: null, body: { role_id: roleId, secret_id: secretId } });
  assert.is(login.status, 200, login.text);
  assert.ok(login.body.auth.policies.includes("app-read"), JSON.stringify(login.body.auth.policies));
  ctx.login = { token: login.body.auth.client_token, accessor: login.body.auth.accessor };
  // Shown once: coming back to the page shows no secret.
  await page.reload();
  await field(page, "Role ID").waitFor();
  assert.is(await field(page, "Secret ID").count(), 0);
});

t("tokens: look up the login's token by accessor and revoke it; create a token", async (ctx) => {
  const { s, page } = ctx;
  const login = ctx.login!;
  assert.is((await s.read("auth/token/lookup-self", login.token)).status, 200);
  await page.getByRole("link", { name: "Tokens", exact: true }).click();
  await field(page, "Accessor").fill(login.accessor);
  await button(page, "Look up").click();
  const details = page.getByRole("definition").filter({ hasText: "app-read" });
  await details.waitFor();
  await button(page, "Revoke").click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Confirm" }).click();
  await status(page).getByText(`Revoked the token with accessor ${login.accessor}`).waitFor();
  assert.is((await s.read("auth/token/lookup-self", login.token)).status, 403, "the token no longer works");

  await field(page, "Policies").fill("app-read");
  await field(page, "TTL").fill("45m");
  await button(page, "Create token").click();
  const created = await filledValue(page, "New token");
  const self = await s.read("auth/token/lookup-self", created);
  assert.is(self.status, 200, self.text);
  assert.equal(self.body.data.policies, ["app-read", "default"]);
  assert.ok(self.body.data.ttl > 2600 && self.body.data.ttl <= 2700, String(self.body.data.ttl));
  await screenshot(page, "console-tokens");
});

t("a catalog plugin's roles get a working generated form with no console code", async ({ s, p, page }) => {
  const sha = p.put("badge.js", BADGE_PLUGIN);
  const r = await register(s, "badge", "badge.js", sha);
  assert.is(r.status, 204, r.text);
  await page.getByRole("link", { name: "Auth methods", exact: true }).click();
  await field(page, "Type").selectOption("badge");
  await button(page, "Enable").click();
  await status(page).getByText("Enabled auth/badge/").waitFor();
  await page.getByRole("link", { name: "badge/", exact: true }).click();
  // Every field of the plugin's schema, labelled with its name, typed by its schema.
  await field(page, "role").fill("lobby");
  await field(page, "team").fill("Ops!");
  await field(page, "max_badges").fill("5");
  await field(page, "doors").fill("front, side");
  await field(page, "night_access").check();
  await field(page, "tier").selectOption("gold");
  await field(page, "token_policies").fill("app-read");
  assert.match((await page.locator("#field-team-desc").textContent()) ?? "", /lower-case letters/, "the schema's description");
  await button(page, "Save").click();
  await page.locator("#field-team-error").getByText("team must be lower-case letters only").waitFor();
  await screenshot(page, "console-plugin-role");
  await field(page, "team").fill("ops");
  await button(page, "Save").click();
  await status(page).getByText("Saved role lobby").waitFor();
  const role = (await s.read("auth/badge/role/lobby")).body.data;
  assert.equal(
    { team: role.team, max_badges: role.max_badges, doors: role.doors, night_access: role.night_access, tier: role.tier, token_policies: role.token_policies },
    { team: "ops", max_badges: 5, doors: ["front", "side"], night_access: true, tier: "gold", token_policies: ["app-read"] },
  );
});

t("a catalog plugin's configuration gets a generated form too, its server error at the field", async ({ s, page }) => {
  await page.getByRole("link", { name: "Auth methods", exact: true }).click();
  await page.getByRole("link", { name: "badge/", exact: true }).click();
  const config = page.getByRole("region", { name: "Configuration" });
  await config.getByRole("button", { name: "Edit configuration" }).click();
  await config.getByLabel("door_service", { exact: true }).fill("ftp://doors");
  await config.getByRole("button", { name: "Save" }).click();
  await page.locator("#config-field-door_service-error").getByText("door_service must be an http(s) URL").waitFor();
  assert.is((await s.read("auth/badge/config")).status, 404, "nothing stored");
  await config.getByLabel("door_service", { exact: true }).fill("https://doors.example");
  await config.getByLabel("audit_doors", { exact: true }).check();
  await config.getByRole("button", { name: "Save" }).click();
  await status(page).getByText("Saved the configuration of auth/badge/").waitFor();
  assert.equal((await s.read("auth/badge/config")).body.data, { door_service: "https://doors.example", audit_doors: true });
  // Opened again, it shows what is stored.
  await config.getByRole("button", { name: "Edit configuration" }).click();
  assert.is(await filledValue(page, "door_service"), "https://doors.example");
  assert.ok(await config.getByLabel("audit_doors", { exact: true }).isChecked());
});

t("identity: entities, aliases and groups", async ({ s, page }) => {
  await page.getByRole("link", { name: "Identity", exact: true }).click();
  await field(page, "Entity name").fill("alice");
  await field(page, "Entity policies").fill("app-read");
  await button(page, "Create entity").click();
  await status(page).getByText("Created entity alice").waitFor();
  await field(page, "Alias name").fill("alice-web");
  await field(page, "Entity").selectOption({ label: "alice" });
  await field(page, "Auth mount").selectOption({ label: "approle/" });
  await button(page, "Create alias").click();
  await status(page).getByText("Created alias alice-web").waitFor();
  await field(page, "Group name").fill("ops");
  await field(page, "Member entities").selectOption({ label: "alice" });
  await button(page, "Create group").click();
  await status(page).getByText("Created group ops").waitFor();
  const entity = (await s.read("identity/entity/name/alice")).body.data;
  assert.equal(entity.policies, ["app-read"]);
  assert.is(entity.aliases[0].name, "alice-web");
  const group = (await s.read("identity/group/name/ops")).body.data;
  assert.equal(group.member_entity_ids, [entity.id]);
  await page.getByRole("region", { name: "Aliases" }).getByRole("cell", { name: "alice-web" }).waitFor();
});

t("audit devices: enable a file device, disable it after confirmation", async ({ s, page }) => {
  const file = join(tmpdir(), `warden-console-audit-${process.pid}-${Date.now()}.log`);
  await page.getByRole("link", { name: "Audit devices", exact: true }).click();
  await field(page, "Audit path").fill("file");
  await field(page, "file_path").fill(file);
  await button(page, "Enable device").click();
  await status(page).getByText("Enabled audit device file/").waitFor();
  assert.is((await s.read("sys/audit")).body.data["file/"].options.file_path, file);
  await button(page, "Disable file/").click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Confirm" }).click();
  await status(page).getByText("Disabled audit device file/").waitFor();
  assert.is((await s.read("sys/audit")).body.data["file/"], undefined);
  rmSync(file, { force: true });
});

t("sealed: the console offers the unseal form, and the unseal key opens it again", async ({ s, page, problems }) => {
  assert.is((await s.write("sys/seal", {})).status, 204);
  await page.reload();
  await page.getByRole("heading", { name: "Unseal" }).waitFor();
  await screenshot(page, "console-unseal");
  await field(page, "Unseal key").fill(s.unsealKeys[0]!);
  await button(page, "Unseal").click();
  // Back where it was (the audit page), signed in with the same tab's token.
  await page.getByRole("heading", { name: "Audit devices" }).waitFor();
  assert.is((await s.read("sys/seal-status", null)).body.sealed, false);
  assert.equal(problems, [], "no script error or CSP violation in the whole run");
});

t.run();

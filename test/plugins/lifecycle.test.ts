// Plugin mounts as instances, over real HTTP: each mount gets its own instance from setup; disable,
// reload and shutdown clean it up (and a remount or reload starts afresh); tune keeps it and tells
// it; a setup that fails refuses the enable; the older paths-only shape still loads, with one
// deprecation line per type.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { builtinPlugins } from "../../plugins/index.js";
import { definePath, definePlugin, type MountSettings, SDK_VERSION } from "../../src/sdk/index.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { waitFor } from "../cluster/cluster.js";
import { pluginDir, register } from "./fixtures.js";
import { LIFECYCLE_LOG_ENV, lifecycleEvents, lifecycleSource } from "./lifecycle-fixture.js";

/** What the counter plugin's instances were told, in order. */
const seen: Array<{ event: "setup" | "cleanup" | "tuned"; path: string; id: number; settings?: MountSettings }> = [];
let nextId = 0;

/** Every instance counts its own reads: a count that restarts at 1 is a fresh instance. */
const counter = definePlugin({
  type: "counter",
  sdkVersion: SDK_VERSION,
  description: "lifecycle test: counts per instance",
  setup({ mount }) {
    const id = ++nextId;
    let count = 0;
    seen.push({ event: "setup", path: mount.path, id });
    return {
      paths: [definePath({ pattern: "count", fields: {}, operations: { read: async () => ({ data: { id, count: ++count } }) } })],
      tuned: (settings) => void seen.push({ event: "tuned", path: mount.path, id, settings }),
      cleanup: () => void seen.push({ event: "cleanup", path: mount.path, id }),
    };
  },
});

const broken = definePlugin({
  type: "broken",
  sdkVersion: SDK_VERSION,
  description: "lifecycle test: setup throws",
  setup() {
    throw new Error("cannot start: no upstream configured");
  },
});

const empty = definePlugin({ type: "empty", sdkVersion: SDK_VERSION, description: "lifecycle test: no paths", setup: () => ({ paths: [] }) });

const legacy = definePlugin({
  type: "legacy",
  sdkVersion: SDK_VERSION,
  description: "lifecycle test: the paths-only shape",
  paths: [definePath({ pattern: "hello", fields: {}, operations: { read: async () => ({ data: { hello: "world" } }) } })],
});

/** setup waits until the test releases it: past the deadline, its late instance must be cleaned up. */
let release: () => void = () => {};
const slow = definePlugin({
  type: "slow",
  sdkVersion: SDK_VERSION,
  description: "lifecycle test: setup past the deadline",
  async setup({ mount }) {
    await new Promise<void>((r) => (release = r));
    return {
      paths: [definePath({ pattern: "x", fields: {}, operations: { read: async () => ({}) } })],
      cleanup: () => void seen.push({ event: "cleanup", path: mount.path, id: -1 }),
    };
  },
});

const plugins = [...builtinPlugins, counter, broken, empty, legacy, slow];
const count = async (s: TestServer, mount: string): Promise<{ id: number; count: number }> => {
  const r = await s.read(`auth/${mount}/count`);
  assert.is(r.status, 200, r.text);
  return r.body.data;
};
const events = (event: string, path: string) => seen.filter((e) => e.event === event && e.path === `auth/${path}/`);

const t = suite<{ s: TestServer }>("plugin mounts: instances with a lifecycle");
t.before(async (ctx) => {
  ctx.s = await startTestServer({ plugins });
});
t.after(async ({ s }) => s?.close());

t("each mount gets its own instance, with its own state", async ({ s }) => {
  await s.enableAuth("a", "counter");
  await s.enableAuth("b", "counter");
  assert.equal(events("setup", "a").length, 1);
  assert.equal(events("setup", "b").length, 1);
  assert.is((await count(s, "a")).count, 1);
  assert.is((await count(s, "a")).count, 2);
  assert.is((await count(s, "b")).count, 1, "b's instance has not seen a's reads");
  assert.is.not((await count(s, "a")).id, (await count(s, "b")).id);
});

t("disable cleans the mount's instance up (once); a remount at the same path starts afresh", async ({ s }) => {
  const before = await count(s, "a");
  assert.is((await s.delete("sys/auth/a")).status, 204);
  assert.equal(events("cleanup", "a").map((e) => e.id), [before.id], "the disabled mount's instance, once");
  assert.equal(events("cleanup", "b"), [], "the other mount is untouched");
  assert.is((await count(s, "b")).count, 3, "b keeps its state");
  await s.enableAuth("a", "counter");
  const fresh = await count(s, "a");
  assert.is.not(fresh.id, before.id);
  assert.is(fresh.count, 1);
});

t("tune keeps the instance and tells it the new settings", async ({ s }) => {
  const before = await count(s, "b");
  assert.is((await s.write("sys/auth/b/tune", { description: "tuned", default_lease_ttl: "10m", max_lease_ttl: "1h" })).status, 204);
  assert.equal(events("tuned", "b").at(-1)?.settings, { description: "tuned", defaultLeaseTtl: 600, maxLeaseTtl: 3600 });
  const after = await count(s, "b");
  assert.is(after.id, before.id, "same instance");
  assert.is(after.count, before.count + 1);
  assert.equal(events("cleanup", "b"), []);
});

t("a setup that throws, or returns nothing to serve, refuses the enable (400) and mounts nothing", async ({ s }) => {
  const r = await s.write("sys/auth/x", { type: "broken" });
  assert.is(r.status, 400, r.text);
  assert.match(r.body.errors[0], /plugin "broken": setup failed: cannot start: no upstream configured/);
  const e = await s.write("sys/auth/y", { type: "empty" });
  assert.is(e.status, 400, e.text);
  assert.match(e.body.errors[0], /plugin "empty": setup did not return a valid instance: paths must be a non-empty array/);
  const mounts = Object.keys((await s.read("sys/auth")).body.data);
  assert.not.ok(mounts.includes("x/") || mounts.includes("y/"), mounts.join(","));
});

t("a setup past the plugin deadline refuses the enable; its instance, when it comes, is cleaned up", async () => {
  const s = await startTestServer({ plugins, configure: (c) => (c.pluginDeadlineMs = 300) });
  try {
    const r = await s.write("sys/auth/late", { type: "slow" });
    assert.is(r.status, 400, r.text);
    assert.match(r.body.errors[0], /plugin "slow": setup did not finish within 300 ms/);
    assert.not.ok(Object.keys((await s.read("sys/auth")).body.data).includes("late/"));
    release();
    await waitFor("the late instance's cleanup", 5_000, async () => events("cleanup", "late").length === 1);
  } finally {
    await s.close();
  }
});

t("the paths-only shape still loads and serves; its deprecation is logged once per type", async ({ s }) => {
  await s.enableAuth("old1", "legacy");
  await s.enableAuth("old2", "legacy");
  for (const m of ["old1", "old2"]) assert.is((await s.read(`auth/${m}/hello`)).body.data.hello, "world");
  const lines = s.logs.filter((l) => l.includes("deprecated") && l.includes('"legacy"'));
  assert.is(lines.length, 1, lines.join("\n"));
  assert.match(lines[0]!, /setup\(\)/);
});

t("server shutdown cleans up every plugin instance", async () => {
  const s = await startTestServer({ plugins });
  await s.enableAuth("s1", "counter");
  await s.enableAuth("s2", "counter");
  const ids = [(await count(s, "s1")).id, (await count(s, "s2")).id];
  await s.close();
  assert.equal([...events("cleanup", "s1"), ...events("cleanup", "s2")].map((e) => e.id), ids);
});

t("a catalog plugin's reload swaps in a fresh instance and cleans the old one up", async () => {
  const p = pluginDir();
  const log = join(mkdtempSync(join(tmpdir(), "warden-lifecycle-")), "events.jsonl");
  process.env[LIFECYCLE_LOG_ENV] = log;
  const s = await startTestServer({ configure: (c) => (c.pluginDirectory = p.dir) });
  try {
    assert.is((await register(s, "lifecycle", "lifecycle.js", p.put("lifecycle.js", lifecycleSource("lifecycle")))).status, 204);
    await s.enableAuth("lc", "lifecycle");
    const first = (await s.read("auth/lc/state")).body.data;
    assert.is((await s.read("auth/lc/state")).body.data.calls, 2);
    const r = await s.write("sys/plugins/reload/backend", { plugin: "lifecycle" });
    assert.is(r.status, 200, r.text);
    const second = (await s.read("auth/lc/state")).body.data;
    assert.is.not(second.instance, first.instance);
    assert.is(second.calls, 1, "the reloaded instance starts with no state");
    const cleaned = lifecycleEvents(log).filter((e) => e.event === "cleanup");
    assert.equal(cleaned.map((e) => e.instance), [first.instance]);
    assert.is((await s.delete("sys/auth/lc")).status, 204);
    assert.ok(lifecycleEvents(log).some((e) => e.event === "cleanup" && e.instance === second.instance), "disable cleaned the reloaded instance up");
  } finally {
    await s.close();
    delete process.env[LIFECYCLE_LOG_ENV];
    rmSync(p.dir, { recursive: true, force: true });
    rmSync(join(log, ".."), { recursive: true, force: true });
  }
});

t("catalog plugins of the new shape: a bad login handler and a failing setup are refused at enable (registration runs no plugin code)", async () => {
  const p = pluginDir();
  const s = await startTestServer({ configure: (c) => (c.pluginDirectory = p.dir) });
  const factory = (extra: string) => `import { definePath, definePlugin, SDK_VERSION } from "warden/sdk";
export default definePlugin({ type: "f", sdkVersion: SDK_VERSION, description: "f", ${extra} });
`;
  try {
    assert.is((await register(s, "badlogin", "badlogin.js", p.put("badlogin.js", factory('login: { help: 1 }, setup: () => ({ paths: [] })')))).status, 204);
    const badLogin = await s.write("sys/auth/bl", { type: "badlogin" });
    assert.is(badLogin.status, 400, badLogin.text);
    assert.match(badLogin.body.errors[0], /login must be a login handler/);
    const throwing = factory('setup: () => { throw new Error("needs a database"); }');
    assert.is((await register(s, "throwing", "throwing.js", p.put("throwing.js", throwing))).status, 204);
    const enable = await s.write("sys/auth/th", { type: "throwing" });
    assert.is(enable.status, 400, enable.text);
    assert.match(enable.body.errors[0], /plugin "throwing": setup failed: needs a database/);
    assert.not.ok(Object.keys((await s.read("sys/auth")).body.data).includes("th/"));
  } finally {
    await s.close();
    rmSync(p.dir, { recursive: true, force: true });
  }
});

t.run();

// Builtin plugins given as { type, load } (how the server is given its own): imported only when a
// mount needs one, once even for concurrent first needs; a failed import fails only what needed it
// (an enable answers 500; a mount at boot is listed as failed and answers 503) and is tried again on
// the next need.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type AnyPlugin, definePath, definePlugin, SDK_VERSION } from "../../src/sdk/index.js";
import { startTestServer } from "../helpers/server.js";

const greeter = definePlugin({
  type: "greeter",
  sdkVersion: SDK_VERSION,
  description: "deferred builtin test",
  setup: () => ({ paths: [definePath({ pattern: "hello", fields: {}, unauthenticated: true, operations: { read: async () => ({ data: { hello: "world" } }) } })] }),
});

/** A deferred builtin whose import can be made to fail; counts its imports. */
function deferred(): { source: AnyPlugin; loads: () => number; fail: (on: boolean) => void } {
  let loads = 0;
  let failing = false;
  const source = {
    type: "greeter",
    async load(): Promise<AnyPlugin> {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      if (failing) throw new Error("Cannot find module 'greeter/backend.js'");
      return greeter;
    },
  };
  // The kit's option is typed for definitions; the server takes either (PluginSource).
  return { source: source as unknown as AnyPlugin, loads: () => loads, fail: (on) => (failing = on) };
}

const t = suite("deferred builtin plugins");

t("not imported until a mount needs it; concurrent first enables share one import", async () => {
  const d = deferred();
  const s = await startTestServer({ plugins: [d.source] });
  try {
    assert.is(d.loads(), 0);
    const [a, b] = await Promise.all([s.write("sys/auth/g1", { type: "greeter" }), s.write("sys/auth/g2", { type: "greeter" })]);
    assert.is(a.status, 204);
    assert.is(b.status, 204);
    assert.is(d.loads(), 1);
    assert.equal((await s.read("auth/g1/hello", null)).body.data, { hello: "world" });
    const list = await s.read("sys/plugins/catalog");
    assert.ok(list.body.data.detailed.some((p: { name: string; builtin: boolean }) => p.name === "greeter" && p.builtin));
  } finally {
    await s.close();
  }
});

t("a failed import: the enable answers 500 and leaves nothing; the next enable imports again", async () => {
  const d = deferred();
  const s = await startTestServer({ plugins: [d.source] });
  try {
    d.fail(true);
    const refused = await s.write("sys/auth/g", { type: "greeter" });
    assert.is(refused.status, 500);
    assert.not.ok(JSON.stringify(refused.body).includes("greeter/backend.js"), "the module path stays in the log");
    assert.is((await s.read("sys/auth")).body.data["g/"], undefined);
    d.fail(false);
    assert.is((await s.write("sys/auth/g", { type: "greeter" })).status, 204);
    assert.is(d.loads(), 2);
    assert.is((await s.read("auth/g/hello", null)).status, 200);
  } finally {
    await s.close();
  }
});

t("a mount whose builtin cannot be imported at boot is listed as failed and answers 503", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "warden-deferred-"));
  try {
    const d = deferred();
    const first = await startTestServer({ plugins: [d.source], dataDir });
    assert.is((await first.write("sys/auth/g", { type: "greeter" })).status, 204);
    await first.close();
    d.fail(true);
    const second = await startTestServer({ plugins: [d.source], dataDir });
    // A restart on the same data: the first server's root token.
    second.rootToken = first.rootToken;
    try {
      assert.is((await second.read("auth/g/hello", null)).status, 503);
      assert.ok(String((await second.read("sys/auth")).body.data["g/"].plugin_error).length > 0);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

t.run();

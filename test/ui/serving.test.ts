// /ui/ exists only when the config says `ui = true`; without it the paths answer like any unknown
// path, and the API is the same either way.
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

const t = suite<{ s: TestServer }>("web console off");
t.before(async (ctx) => {
  ctx.s = await startTestServer({ configure: (c) => (c.ui = false) });
});
t.after(async ({ s }) => s.close());

t("ui = false: /ui/, / and /robots.txt are 404, the API answers", async ({ s }) => {
  for (const path of ["/ui/", "/ui", "/", "/ui/index.html", "/robots.txt"]) {
    const r = await fetch(`${s.url}${path}`, { redirect: "manual" });
    assert.is(r.status, 404, path);
    assert.is(r.headers.get("content-type"), "application/json", path);
    await r.text();
  }
  assert.is((await s.read("sys/auth")).status, 200);
});

t.run();

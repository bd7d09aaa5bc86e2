/**
 * A lockout is stored, not kept in memory: it survives a restart of the server on the same data, and
 * unlocking after the restart works.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { startTestServer } from "../helpers/server.js";

test("a lockout survives a restart, and sys/locked-users unlocks it afterwards", async () => {
  // The test owns the directory, so the first server's close keeps the data for the second.
  const dataDir = mkdtempSync(join(tmpdir(), "warden-lockout-restart-"));
  let s = await startTestServer({ dataDir });
  const root = s.rootToken;
  try {
    assert.is((await s.request("POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
    const accessor = (await s.request("GET", "sys/auth")).body.data["approle/"].accessor as string;
    await s.request("POST", "auth/approle/role/ci", { body: { role_id: "ci-role-id" } });
    const good = (await s.request("POST", "auth/approle/role/ci/secret-id", { body: {} })).body.data.secret_id as string;
    for (let i = 0; i < 5; i++) {
      await s.request("POST", "auth/approle/login", { token: null, body: { role_id: "ci-role-id", secret_id: `wrong-${i}` } });
    }
    await s.close();

    s = await startTestServer({ dataDir });
    s.rootToken = root;
    const locked = await s.request("POST", "auth/approle/login", { token: null, body: { role_id: "ci-role-id", secret_id: good } });
    assert.is(locked.status, 400);
    assert.match(locked.body.errors[0], /locked/);
    assert.ok(JSON.stringify((await s.request("GET", "sys/locked-users")).body.data).includes("ci-role-id"));
    assert.is((await s.request("POST", `sys/locked-users/${accessor}/unlock/ci-role-id`, { body: {} })).status, 204);
    const ok = await s.request("POST", "auth/approle/login", { token: null, body: { role_id: "ci-role-id", secret_id: good } });
    assert.is(ok.status, 200, ok.text);
  } finally {
    await s.close();
  }
});

test.run();

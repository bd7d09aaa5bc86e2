// The upgrade: a database written by a release without the barrier (a core over the raw storage, as
// before) is encrypted in one transaction at sys/init; afterwards nothing of it is in clear and
// everything it held still works (old tokens, policies, roles, identity).
import { randomBytes } from "node:crypto";
import * as assert from "uvu/assert";
import { builtinPlugins } from "../../plugins/index.js";
import { Core } from "../../src/core/core.js";
import { createLogger } from "../../src/core/logging/logger.js";
import type { SealConfig } from "../../src/config/seal-config.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { startTestServer } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";
import { waitFor } from "../helpers/wait-for.js";

const t = suite("seal: upgrade of a database written before the barrier");
const freshDir = tempDirs(t, "warden-upgrade-");

/** What today's release did: the core straight on the raw storage. Returns its root token and canaries. */
async function writeClearDatabase(dataDir: string, C: string, bulk = 0) {
  const s = await startTestServer({ dataDir, skipInit: true });
  const core = await Core.boot({ storage: s.server.seal.storage, limits: { defaultTtl: 3600, maxTtl: 86400 }, plugins: builtinPlugins, log: createLogger("error", "old-release") });
  const { rootToken } = await core.init();
  const call = async (operation: "write" | "read", path: string, data: Record<string, unknown> = {}, token = rootToken) => {
    const r = await core.pipeline.handle({ id: randomBytes(8).toString("hex"), operation, path, data, token, clientAddress: "127.0.0.1", remotePort: 1, requestHost: "x" });
    assert.ok(r.status < 300, `${path}: ${r.status} ${JSON.stringify(r.errors)}`);
    return r;
  };
  await call("write", "sys/policies/acl/p", { policy: `path "${C}/*" { capabilities = ["read"] }` });
  await call("write", "sys/auth/approle", { type: "approle", description: C });
  await call("write", "auth/approle/role/r", { token_policies: [C] });
  const sid = await call("write", "auth/approle/role/r/secret-id", { metadata: JSON.stringify({ who: C }) });
  await call("write", "identity/entity", { name: "e1", policies: [C], metadata: { m: C } });
  await call("write", "identity/group", { name: "g1", policies: [C], metadata: { m: C } });
  const tok = await call("write", "auth/token/create", { policies: [C], meta: { m: C }, display_name: C });
  const roleId = (await call("read", "auth/approle/role/r/role-id")).data!.role_id as string;
  // Bulk, so the upgrade transaction lasts long enough for a kill to land inside it.
  const filler = "x".repeat(2000);
  for (let i = 0; i < bulk; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => s.server.seal.storage.kv.put("bulk", `k${i + j}`, { filler, C })));
  await core.close().catch(() => undefined);
  await s.close();
  return { rootToken, token: tok.auth!.clientToken, roleId, secretId: sid.data!.secret_id as string };
}

const staticSeal = (key: Buffer): SealConfig => ({ type: "static", current: { id: "k1", key } });

t("sys/init encrypts every clear value in one go; old tokens, policies, roles and identity keep working; nothing stays in clear", async () => {
  const dataDir = freshDir();
  const C = `canary${randomBytes(6).toString("hex")}`;
  const old = await writeClearDatabase(dataDir, C);

  const s = await startTestServer({ dataDir, skipInit: true });
  try {
    assert.ok((await s.storageText()).includes(C), "the old release stored the canary in clear (the test sees the database)");
    const st = (await s.request("GET", "sys/seal-status", { token: null })).body;
    assert.equal([st.initialized, st.sealed], [false, true], "an old database is not initialised for the seal");
    assert.is((await s.request("PUT", "sys/init", { token: null, body: { secret_shares: 0 } })).status, 400, "bad init");
    assert.ok((await s.storageText()).includes(C), "a refused init changed nothing");

    const init = await s.request("PUT", "sys/init", { token: null, body: { secret_shares: 1, secret_threshold: 1 } });
    assert.is(init.status, 200, init.text);
    assert.ok(s.logs.some((l) => l.includes("encrypted the clear values")), "the upgrade says what it did");
    assert.is((await s.request("PUT", "sys/unseal", { token: null, body: { key: init.body.keys_base64[0] } })).body.sealed, false);

    const text = await s.storageText();
    const at = text.indexOf(C);
    assert.is(at, -1, `a canary stayed in clear: ...${text.slice(Math.max(0, at - 120), at + 40).replace(/[^\x20-\x7e]/g, ".")}`);
    if (s.storage === "sqlite") assert.not.ok(text.includes(old.secretId), "no clear copy of the old rows in the file or its WAL");

    s.rootToken = old.rootToken;
    assert.is((await s.read("sys/policies/acl/p")).body.data.policy, `path "${C}/*" { capabilities = ["read"] }`, "the old root token and the policy");
    const self = await s.request("GET", "auth/token/lookup-self", { token: old.token });
    assert.is(self.status, 200, self.text);
    assert.equal([self.body.data.meta.m, self.body.data.display_name], [C, `token-${C}`]);
    assert.is((await s.read("sys/auth")).body.data["approle/"].description, C);
    const login = await s.login("auth/approle/login", { role_id: old.roleId, secret_id: old.secretId });
    assert.ok(login.policies.includes(C), "the AppRole role and secret id survive");
    assert.equal((await s.read("identity/entity/name/e1")).body.data.metadata, { m: C });
    assert.equal((await s.read("identity/group/name/g1")).body.data.policies, [C]);
    assert.is((await s.request("GET", "auth/token/lookup-self", { token: init.body.root_token })).status, 200, "init's new root token");
    assert.is((await s.request("PUT", "sys/init", { token: null, body: { secret_shares: 1, secret_threshold: 1 } })).status, 400, "init twice");
  } finally {
    await s.close();
  }
});

t("kill -9 during the upgrade: the restart finds the database whole (as before, or upgraded) and nothing is lost", async () => {
  if (process.env.WARDEN_TEST_STORAGE === "postgresql") return; // the child process below runs on SQLite only
  const dataDir = freshDir();
  const C = `canary${randomBytes(6).toString("hex")}`;
  const old = await writeClearDatabase(dataDir, C, 20_000);
  const key = randomBytes(32);
  const { spawnKilledInit } = await import("./upgrade-child.js");
  await spawnKilledInit(dataDir, key);

  const s = await startTestServer({ dataDir, skipInit: true, configure: (c) => (c.seal = staticSeal(key)) });
  try {
    if (!(await s.request("GET", "sys/seal-status", { token: null })).body.initialized) {
      assert.ok((await s.storageText()).includes(C), "killed before the commit: the clear database is as it was");
      assert.is((await s.request("PUT", "sys/init", { token: null, body: {} })).status, 200);
    }
    await waitFor("the static seal to unseal", 60_000, async () => (await s.request("GET", "sys/seal-status", { token: null })).body.sealed === false);
    assert.is((await s.storageText()).indexOf(C), -1, "no canary in clear after the restart");
    s.rootToken = old.rootToken;
    assert.is((await s.read("sys/policies/acl/p")).status, 200, "the old root token and policy survive");
    assert.is((await s.request("GET", "auth/token/lookup-self", { token: old.token })).body.data.meta.m, C);
  } finally {
    await s.close();
  }
});

t.run();

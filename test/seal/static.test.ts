import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { SealConfig } from "../../src/config/seal-config.js";
import { startTestServer } from "../helpers/server.js";

const t = suite("seal: static (OpenBao's keys), restart, wrong key, previous_key rotation, canary scan");
const dir = mkdtempSync(join(tmpdir(), "warden-static-"));
t.after(() => rmSync(dir, { recursive: true, force: true }));

const staticSeal = (current: { id: string; key: Buffer }, previous?: { id: string; key: Buffer }): SealConfig =>
  previous ? { type: "static", current, previous } : { type: "static", current };
const hcl = (seal: string) => `listener "tcp" {\n address = "127.0.0.1:0"\n tls_disable = true\n}\nstorage "sqlite" {\n path = "${join(dir, "x.db")}"\n}\n${seal}\n`;

t("config: hex, base64, env:// and file:// keys; wrong length or unreadable file refuse, naming the key id", async () => {
  const key = randomBytes(32);
  const file = join(dir, "k.bin");
  writeFileSync(file, key);
  const b64 = join(dir, "k.b64");
  writeFileSync(b64, key.toString("base64") + "\n");
  for (const value of [key.toString("hex"), key.toString("base64"), "env://SEAL_KEY", `file://${file}`, `file://${b64}`]) {
    const c = await parseServerConfig(hcl(`seal "static" {\n current_key_id = "k1"\n current_key = "${value}"\n}`), "t.hcl", { SEAL_KEY: key.toString("hex") });
    assert.ok(c.seal?.type === "static" && c.seal.current.key.equals(key), value);
  }
  const refuse = async (seal: string, re: RegExp) => {
    try {
      await parseServerConfig(hcl(seal), "t.hcl", {});
      assert.unreachable(seal);
    } catch (e) {
      assert.match((e as Error).message, re);
      assert.not.match((e as Error).message, /[0-9a-f]{40}/, "no key material in the message");
    }
  };
  await refuse(`seal "static" {\n current_key_id = "short-key"\n current_key = "${randomBytes(16).toString("hex")}"\n}`, /short-key.*32 bytes/);
  await refuse(`seal "static" {\n current_key_id = "gone"\n current_key = "file://${join(dir, "missing")}"\n}`, /gone.*cannot read/);
  await refuse(`seal "static" {\n current_key_id = "k"\n current_key = "env://NOPE"\n}`, /NOPE is not set/);
  await refuse(`seal "static" {\n current_key_id = "k"\n}`, /required/);
  await refuse(`seal "static" {\n current_key_id = "k"\n current_key = "${key.toString("hex")}"\n bogus = 1\n}`, /unknown key "bogus"/);
});

t("unseals itself, restarts unsealed, refuses a wrong key, re-wraps from previous_key; canaries never stored in clear", async () => {
  const dataDir = join(dir, "data");
  const k1 = { id: "key-1", key: randomBytes(32) };
  const k2 = { id: "key-2", key: randomBytes(32) };
  let s = await startTestServer({ dataDir, skipInit: true, configure: (c) => (c.seal = staticSeal(k1)) });
  const init = await s.request("PUT", "sys/init", { token: null, body: {} });
  assert.is(init.status, 200, init.text);
  assert.is(init.body.recovery_keys.length, 5);
  assert.equal(init.body.keys, []);
  s.rootToken = init.body.root_token;
  const st = (await s.request("GET", "sys/seal-status", { token: null })).body;
  assert.equal([st.type, st.sealed, st.recovery_seal, st.n, st.t], ["static", false, true, 5, 3]);
  assert.is((await s.request("PUT", "sys/unseal", { token: null, body: { key: init.body.recovery_keys[0] } })).status, 200, "unsealed: unseal is a no-op");

  // Canaries through the APIs that store secrets: policies, mounts' config, plugin roles, identity, token metadata.
  const C = `canary${randomBytes(6).toString("hex")}`;
  assert.is((await s.write(`sys/policies/acl/p`, { policy: `path "${C}/*" { capabilities = ["read"] }` })).status, 204);
  await s.enableAuth("approle", "approle", { description: C } as Record<string, unknown>);
  assert.is((await s.write("auth/approle/role/r", { token_policies: [C], role_id: `role-${randomBytes(4).toString("hex")}` })).status, 204);
  const sid = await s.write("auth/approle/role/r/secret-id", { metadata: JSON.stringify({ who: C }) });
  assert.is(sid.status, 200, sid.text);
  const ent = await s.write("identity/entity", { name: "e1", policies: [C], metadata: { m: C } });
  assert.is(ent.status, 200, ent.text);
  assert.is((await s.write("identity/group", { name: "g1", policies: [C], metadata: { m: C } })).status, 200);
  const tok = await s.write("auth/token/create", { policies: [C], meta: { m: C }, display_name: C });
  assert.is(tok.status, 200, tok.text);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token: tok.body.auth.client_token })).body.data.meta.m, C);
  // Response wrapping: the wrapped answer is a counted KV entry, behind the barrier like every other.
  const wrapped = await s.request("PUT", "sys/wrapping/wrap", { body: { secret: C }, headers: { "x-vault-wrap-ttl": "300" } });
  assert.is(wrapped.status, 200, wrapped.text);
  assert.ok(wrapped.body.wrap_info.token, "a wrapping token");
  const login = await s.login("auth/approle/login", { role_id: (await s.read("auth/approle/role/r/role-id")).body.data.role_id, secret_id: sid.body.data.secret_id });
  assert.ok(login.client_token);
  const text = await s.storageText();
  assert.ok(text.length > 1000, "the scan saw the database");
  const at = text.indexOf(C);
  if (at !== -1) await s.close();
  assert.is(at, -1, `a canary value is stored in clear: ...${text.slice(Math.max(0, at - 200), at + 60).replace(/[^\x20-\x7e]/g, ".")}`);
  for (const secret of [tok.body.auth.client_token, sid.body.data.secret_id, login.client_token, wrapped.body.wrap_info.token]) assert.not.ok(text.includes(secret));
  const unwrapped = await s.request("PUT", "sys/wrapping/unwrap", { token: wrapped.body.wrap_info.token, body: {} });
  assert.is(unwrapped.body.data.secret, C, "the wrapped answer reads back through the barrier");

  // Restart: unsealed by itself, data readable.
  await s.close();
  s = await startTestServer({ dataDir, configure: (c) => (c.seal = staticSeal(k1)) });
  s.rootToken = init.body.root_token;
  assert.is((await s.read("sys/policies/acl/p")).body.data.policy, `path "${C}/*" { capabilities = ["read"] }`);
  await s.close();

  // A wrong key under the same id: never unseals, never serves, one clear log line naming the key id.
  const wrong = await startTestServer({ dataDir, skipInit: true, configure: (c) => (c.seal = staticSeal({ id: "key-1", key: randomBytes(32) })) });
  try {
    const deadline = Date.now() + 10_000;
    while (!wrong.logs.some((l) => l.includes("staying sealed")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const line = wrong.logs.find((l) => l.includes("staying sealed"));
    assert.ok(line, "a clear log line");
    assert.match(line!, /key-1/);
    assert.is((await wrong.request("GET", "sys/seal-status", { token: null })).body.sealed, true);
    assert.is((await wrong.request("GET", "sys/policies/acl/p", { token: init.body.root_token })).status, 503);
  } finally {
    await wrong.close();
  }

  // Seal key rotation: current = key-2, previous = key-1 -> unseals and re-wraps; then key-2 alone works.
  s = await startTestServer({ dataDir, configure: (c) => (c.seal = staticSeal(k2, k1)) });
  s.rootToken = init.body.root_token;
  assert.is((await s.read("sys/policies/acl/p")).status, 200);
  assert.ok(s.logs.some((l) => l.includes("re-wrapped")));
  await s.close();
  s = await startTestServer({ dataDir, configure: (c) => (c.seal = staticSeal(k2)) });
  s.rootToken = init.body.root_token;
  assert.is((await s.read("sys/policies/acl/p")).status, 200, "key-2 alone opens it after the re-wrap");
  await s.close();
});

t.run();

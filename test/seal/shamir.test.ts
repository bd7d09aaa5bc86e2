import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const t = suite("seal: Shamir init, unseal, restart, seal");
const freshDir = tempDirs(t, "warden-seal-");

const raw = async (s: TestServer, method: string, path: string, body?: unknown) => s.request(method, path, { token: null, raw: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
const status = async (s: TestServer) => (await raw(s, "GET", "sys/seal-status")).body;

t("init gives Vault's shares, stays sealed; unseal counts distinct shares; restart is sealed again", async () => {
  const dataDir = freshDir();
  let s = await startTestServer({ skipInit: true, dataDir });
  try {
    assert.is((await raw(s, "PUT", "sys/unseal", { key: "00".repeat(33) })).status, 400, "unseal before init");
    for (const bad of [{ secret_shares: 0, secret_threshold: 1 }, { secret_shares: 3, secret_threshold: 4 }, { secret_shares: 3, secret_threshold: 1 }, { secret_shares: 256, secret_threshold: 2 }, { secret_shares: "x", secret_threshold: 2 }]) {
      assert.is((await raw(s, "PUT", "sys/init", bad)).status, 400, JSON.stringify(bad));
    }
    assert.is((await raw(s, "PUT", "sys/init", "{not json")).status, 400, "malformed JSON");
    // PGP-encrypted shares or root token cannot be given: a 400 naming the field, never the shares in clear.
    for (const [pgp, field] of [[{ pgp_keys: ["a2V5"] }, "pgp_keys"], [{ root_token_pgp_key: "a2V5" }, "root_token_pgp_key"], [{ recovery_pgp_keys: ["a2V5"] }, "recovery_pgp_keys"]] as const) {
      const r = await raw(s, "PUT", "sys/init", { secret_shares: 1, secret_threshold: 1, ...pgp });
      assert.is(r.status, 400, r.text);
      assert.match(r.body.errors[0], field);
      assert.not.ok("keys" in r.body);
    }
    assert.is((await status(s)).initialized, false, "bad init changed nothing");
    const init = await raw(s, "PUT", "sys/init", { secret_shares: 5, secret_threshold: 3 });
    assert.is(init.status, 200, init.text);
    const { keys, keys_base64, root_token } = init.body;
    assert.is(keys.length, 5);
    assert.is(Buffer.from(keys[0], "hex").length, 33, "32 bytes + the x byte");
    assert.is(Buffer.from(keys_base64[0], "base64").toString("hex"), keys[0]);
    s.rootToken = root_token;
    assert.is((await raw(s, "PUT", "sys/init", { secret_shares: 1, secret_threshold: 1 })).status, 400, "init twice");

    let st = await status(s);
    assert.equal([st.type, st.initialized, st.sealed, st.t, st.n, st.progress, st.recovery_seal], ["shamir", true, true, 3, 5, 0, false]);
    assert.ok("storage_type" in st && "cluster_name" in st && "version" in st && "nonce" in st);
    const sealed = await s.request("GET", "auth/token/lookup-self");
    assert.is(sealed.status, 503);
    assert.equal(sealed.body, { errors: ["warden is sealed"] });
    assert.is((await raw(s, "GET", "sys/health")).status, 503);
    assert.is((await raw(s, "GET", "sys/health?sealedcode=299")).status, 299);
    assert.is((await raw(s, "GET", "sys/leader")).status, 200);

    assert.is((await raw(s, "PUT", "sys/unseal", { key: "not-a-key!" })).status, 400, "malformed key");
    assert.is((await raw(s, "PUT", "sys/unseal", {})).status, 400, "no key");
    assert.is((await status(s)).progress, 0, "a malformed key is no progress");
    st = (await raw(s, "PUT", "sys/unseal", { key: keys[0] })).body;
    assert.is(st.progress, 1);
    assert.ok(st.nonce);
    st = (await raw(s, "PUT", "sys/unseal", { key: keys_base64[0] })).body;
    assert.is(st.progress, 1, "the same share twice counts once (hex and base64 alike)");
    st = (await raw(s, "PUT", "sys/unseal", { reset: true })).body;
    assert.equal([st.progress, st.sealed], [0, true]);

    // Three shares of another server: a valid shape that opens nothing -> 400, still sealed, progress reset.
    const other = await startTestServer({ skipInit: true });
    const otherKeys = (await raw(other, "PUT", "sys/init", { secret_shares: 5, secret_threshold: 3 })).body.keys;
    await other.close();
    await raw(s, "PUT", "sys/unseal", { key: otherKeys[0] });
    await raw(s, "PUT", "sys/unseal", { key: otherKeys[1] });
    const wrong = await raw(s, "PUT", "sys/unseal", { key: otherKeys[2] });
    assert.is(wrong.status, 400);
    assert.match(wrong.body.errors[0], /do not open/);
    assert.not.match(wrong.text, new RegExp(otherKeys[2].slice(0, 16)));
    st = await status(s);
    assert.equal([st.sealed, st.progress], [true, 0]);

    for (const k of [keys[4], keys_base64[2]]) assert.is((await raw(s, "PUT", "sys/unseal", { key: k })).body.sealed, true);
    st = (await raw(s, "PUT", "sys/unseal", { key: keys[1] })).body;
    assert.equal([st.sealed, st.progress], [false, 0]);
    assert.is((await s.request("GET", "auth/token/lookup-self")).status, 200);
    assert.is((await s.write("sys/policies/acl/canary", { policy: 'path "secret/*" { capabilities = ["read"] }' })).status, 204);
    assert.ok(!s.logs.some((l) => keys.some((k: string) => l.includes(k)) || keys_base64.some((k: string) => l.includes(k))), "no share in the logs");

    // Restart: sealed again; the same shares open it; the data written before is there.
    await s.close();
    s = await startTestServer({ skipInit: true, dataDir });
    s.rootToken = root_token;
    assert.is((await status(s)).sealed, true);
    assert.is((await s.request("GET", "sys/policies/acl/canary")).status, 503);
    for (const k of keys.slice(2, 5)) await raw(s, "PUT", "sys/unseal", { key: k });
    assert.is((await status(s)).sealed, false);
    assert.is((await s.read("sys/policies/acl/canary")).status, 200);

    // sys/seal: a non-root token is refused and changes nothing; root seals (204) and everything is 503.
    await s.write("sys/policies/acl/reader", { policy: 'path "sys/*" { capabilities = ["update", "read"] }' });
    const weak = (await s.write("auth/token/create", { policies: ["reader"] })).body.auth.client_token;
    assert.is((await s.write("sys/seal", {}, weak)).status, 403);
    assert.is((await status(s)).sealed, false);
    assert.is((await s.write("sys/seal", {})).status, 204);
    assert.is((await status(s)).sealed, true);
    assert.is((await s.read("sys/policies/acl/canary")).status, 503);
    for (const k of keys.slice(0, 3)) await raw(s, "PUT", "sys/unseal", { key: k });
    assert.is((await s.read("sys/policies/acl/canary")).status, 200);
  } finally {
    await s.close();
  }
});

t("sys/rotate adds a term; old values stay readable; key-status reports it", async () => {
  const s = await startTestServer();
  try {
    await s.write("sys/policies/acl/before", { policy: 'path "a/*" { capabilities = ["read"] }' });
    const k1 = await s.read("sys/key-status");
    assert.is(k1.status, 200, k1.text);
    assert.is(k1.body.data.term, 1);
    assert.type(k1.body.data.install_time, "string");
    assert.type(k1.body.data.encryptions, "number");
    // Vault copies key-status to the top level too (hvac's and node-vault's key status read it there).
    assert.equal([k1.body.term, k1.body.install_time, k1.body.encryptions], [1, k1.body.data.install_time, k1.body.data.encryptions]);
    assert.is((await s.write("sys/rotate", {})).status, 204);
    assert.is((await s.read("sys/key-status")).body.data.term, 2);
    await s.write("sys/policies/acl/after", { policy: 'path "b/*" { capabilities = ["read"] }' });
    assert.is((await s.read("sys/policies/acl/before")).status, 200);
    assert.is((await s.read("sys/policies/acl/after")).status, 200);
    // After a restart (sealed, unsealed) both terms are loaded again.
    await s.write("sys/seal", {});
    await raw(s, "PUT", "sys/unseal", { key: s.unsealKeys[0] });
    assert.is((await s.read("sys/key-status")).body.data.term, 2);
    assert.is((await s.read("sys/policies/acl/before")).body.data.policy, 'path "a/*" { capabilities = ["read"] }');
    const weak = (await s.write("auth/token/create", { policies: ["default"] })).body.auth.client_token;
    assert.is((await s.write("sys/rotate", {}, weak)).status, 403);
    assert.is((await s.read("sys/key-status")).body.data.term, 2, "a refused rotate changed nothing");
  } finally {
    await s.close();
  }
});

t.run();

// sys/rekey/init|update|verify (Vault's nonce protocol) and `warden operator rekey`, over real HTTP.
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { runCli } from "../cli/harness.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const t = suite("seal: rekey (Vault's nonce protocol), restart with the new shares, operator rekey");
const freshDir = tempDirs(t, "warden-rekey-");

const put = (s: TestServer, path: string, body: unknown) => s.request("PUT", path, { token: null, body });
const status = async (s: TestServer) => (await s.request("GET", "sys/seal-status", { token: null })).body;
async function unsealWith(s: TestServer, keys: string[]): Promise<void> {
  for (const k of keys) await put(s, "sys/unseal", { key: k });
}

/** A Shamir server with 3 shares, threshold 2, unsealed. */
async function shamirServer(dataDir: string): Promise<{ s: TestServer; keys: string[]; root: string }> {
  const s = await startTestServer({ dataDir, skipInit: true });
  const init = await put(s, "sys/init", { secret_shares: 3, secret_threshold: 2 });
  assert.is(init.status, 200, init.text);
  s.rootToken = init.body.root_token;
  await unsealWith(s, init.body.keys.slice(0, 2));
  assert.is((await status(s)).sealed, false);
  return { s, keys: init.body.keys, root: init.body.root_token };
}

t("rekey: bad input is 400 and changes nothing; the threshold of old shares gives new ones; old shares stop working; a restart unseals with the new", async () => {
  const dataDir = freshDir();
  let { s, keys, root } = await shamirServer(dataDir);
  try {
    assert.is((await put(s, "sys/rekey/update", { key: keys[0], nonce: "x" })).status, 400, "update before init");
    for (const bad of [{ secret_shares: 3, secret_threshold: 4 }, { secret_shares: 0, secret_threshold: 1 }, {}, { secret_shares: "x", secret_threshold: 2 }]) {
      assert.is((await put(s, "sys/rekey/init", bad)).status, 400, JSON.stringify(bad));
    }
    assert.is((await s.request("GET", "sys/rekey/init", { token: null })).body.started, false, "a refused init started nothing");
    const started = await put(s, "sys/rekey/init", { secret_shares: 5, secret_threshold: 3 });
    assert.is(started.status, 200, started.text);
    const { nonce } = started.body;
    assert.equal([started.body.started, started.body.n, started.body.t, started.body.required, started.body.progress], [true, 5, 3, 2, 0]);
    assert.is((await put(s, "sys/rekey/init", { secret_shares: 5, secret_threshold: 3 })).status, 400, "already in progress");

    assert.is((await put(s, "sys/rekey/update", { key: keys[0], nonce: "wrong" })).status, 400, "wrong nonce");
    assert.is((await put(s, "sys/rekey/update", { key: "zz", nonce })).status, 400, "malformed key");
    assert.is((await s.request("GET", "sys/rekey/init", { token: null })).body.progress, 0, "refused updates are no progress");
    assert.is((await put(s, "sys/rekey/update", { key: keys[0], nonce })).body.progress, 1);
    assert.is((await put(s, "sys/rekey/update", { key: keys[0], nonce })).status, 400, "the same share twice");
    const done = await put(s, "sys/rekey/update", { key: keys[2], nonce });
    assert.is(done.status, 200, done.text);
    assert.equal([done.body.complete, done.body.keys.length, done.body.verification_required], [true, 5, false]);
    assert.is(Buffer.from(done.body.keys_base64[0], "base64").length, 33);
    const fresh: string[] = done.body.keys;
    let st = await status(s);
    assert.equal([st.n, st.t], [5, 3]);
    assert.ok(!s.logs.some((l) => fresh.some((k) => l.includes(k)) || keys.some((k) => l.includes(k))), "no share in the logs");

    // Sealed: the old shares open nothing, the new ones do.
    assert.is((await s.write("sys/seal", {})).status, 204);
    await put(s, "sys/unseal", { key: keys[0] });
    const old = await put(s, "sys/unseal", { key: keys[1] });
    assert.is(old.status, 200, "two old shares are below the new threshold of 3");
    const oldThird = await put(s, "sys/unseal", { key: keys[2] });
    assert.is(oldThird.status, 400, "the old shares do not open the server any more");
    assert.is((await status(s)).sealed, true);
    await unsealWith(s, fresh.slice(2, 5));
    assert.is((await status(s)).sealed, false);

    await s.close();
    s = await startTestServer({ dataDir, skipInit: true });
    s.rootToken = root;
    await unsealWith(s, [fresh[0]!, fresh[1]!, fresh[4]!]);
    st = await status(s);
    assert.equal([st.sealed, st.n, st.t], [false, 5, 3]);
    assert.is((await s.request("GET", "auth/token/lookup-self")).status, 200);
  } finally {
    await s.close();
  }
});

t("rekey with require_verification: the new shares take effect only once verified; cancel; sealed is 503", async () => {
  const { s, keys } = await shamirServer(freshDir());
  try {
    const { nonce } = (await put(s, "sys/rekey/init", { secret_shares: 2, secret_threshold: 2, require_verification: true })).body;
    await put(s, "sys/rekey/update", { key: keys[1], nonce });
    const done = (await put(s, "sys/rekey/update", { key: keys[0], nonce })).body;
    assert.equal([done.complete, done.verification_required, typeof done.verification_nonce], [true, true, "string"]);
    let st = await status(s);
    assert.equal([st.n, st.t], [3, 2], "not in effect before verification");
    assert.is((await put(s, "sys/rekey/verify", { key: done.keys[0], nonce: "wrong" })).status, 400);
    assert.is((await put(s, "sys/rekey/verify", { key: done.keys[0], nonce: done.verification_nonce })).body.progress, 1);
    // An old share in place of a new one: the combination is not the new key -> 400, progress reset, nothing changed.
    const bad = await put(s, "sys/rekey/verify", { key: keys[2], nonce: done.verification_nonce });
    assert.is(bad.status, 400, bad.text);
    assert.is((await s.request("GET", "sys/rekey/verify", { token: null })).body.progress, 0);
    await put(s, "sys/rekey/verify", { key: done.keys[1], nonce: done.verification_nonce });
    const ok = await put(s, "sys/rekey/verify", { key: done.keys[0], nonce: done.verification_nonce });
    assert.equal(ok.body, { nonce: done.verification_nonce, complete: true });
    st = await status(s);
    assert.equal([st.n, st.t], [2, 2]);

    const again = (await put(s, "sys/rekey/init", { secret_shares: 1, secret_threshold: 1 })).body;
    assert.is((await s.request("DELETE", "sys/rekey/init", { token: null })).status, 204);
    assert.is((await put(s, "sys/rekey/update", { key: done.keys[0], nonce: again.nonce })).status, 400, "canceled");
    await s.write("sys/seal", {});
    assert.is((await put(s, "sys/rekey/init", { secret_shares: 1, secret_threshold: 1 })).status, 503, "sealed");
  } finally {
    await s.close();
  }
});

t("warden operator rekey: -init, one share per call, -status, the new keys printed", async () => {
  const { s, keys } = await shamirServer(freshDir());
  try {
    const env = { VAULT_ADDR: s.url };
    const init = await runCli(["operator", "rekey", "-init", "-key-shares=1", "-key-threshold=1"], { env });
    assert.is(init.code, 0, init.stderr);
    assert.match(init.stdout, /nonce/);
    const first = await runCli(["operator", "rekey", keys[0]!], { env });
    assert.is(first.code, 0, first.stderr);
    assert.match(first.stdout, /progress\s+1/);
    const status1 = await runCli(["operator", "rekey", "-status", "-format=json"], { env });
    assert.is(JSON.parse(status1.stdout).progress, 1);
    const last = await runCli(["operator", "rekey"], { env, stdin: `${keys[1]}\n` });
    assert.is(last.code, 0, last.stderr);
    const m = /Key 1: (\S+)/.exec(last.stdout);
    assert.ok(m, last.stdout);
    assert.equal([(await status(s)).n, (await status(s)).t], [1, 1]);
    await s.write("sys/seal", {});
    assert.is((await put(s, "sys/unseal", { key: m![1] })).body.sealed, false, "the printed key unseals");
    const none = await runCli(["operator", "rekey", keys[0]!], { env });
    assert.is(none.code, 1);
    assert.match(none.stderr, /no rekey in progress/);
  } finally {
    await s.close();
  }
});

t.run();

// sys/rekey-recovery-key/* (Vault's nonce protocol over an auto seal's recovery shares), `warden
// operator rekey -target=recovery`, and Vault's rule for an auto seal sealed through sys/seal: it
// stays sealed (a seal record change or a change-feed reconnect does not unseal it) until its process
// restarts or a threshold of recovery shares is given to sys/unseal. Over real HTTP, both storages.
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import * as assert from "uvu/assert";
import type { SealConfig } from "../../src/config/seal-config.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { runCli } from "../cli/harness.js";
import { TEST_STORAGE, type TestServer, startTestServer } from "../helpers/server.js";
import { databaseUrl } from "../helpers/pg.js";
import { waitFor } from "../helpers/wait-for.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const t = suite("seal: recovery rekey (sys/rekey-recovery-key), an auto seal sealed through sys/seal stays sealed");
const freshDir = tempDirs(t, "warden-rkrec-");

const KEY = { id: "rk-1", key: randomBytes(32) };
const staticSeal: SealConfig = { type: "static", current: KEY };
const put = (s: TestServer, path: string, body: unknown) => s.request("PUT", path, { token: null, body });
const status = async (s: TestServer) => (await s.request("GET", "sys/seal-status", { token: null })).body;

/** A static-seal server initialised with 3 recovery shares, threshold 2 (unsealed by itself). */
async function autoServer(dataDir: string): Promise<{ s: TestServer; recovery: string[]; root: string }> {
  const s = await startTestServer({ dataDir, skipInit: true, configure: (c) => (c.seal = staticSeal) });
  const init = await put(s, "sys/init", { recovery_shares: 3, recovery_threshold: 2 });
  assert.is(init.status, 200, init.text);
  s.rootToken = init.body.root_token;
  await waitFor("the static seal to unseal", 10_000, async () => (await status(s)).sealed === false);
  return { s, recovery: init.body.recovery_keys, root: init.body.root_token };
}

/** Runs a whole recovery rekey with `shares` as the authorising shares; the answer of the last update. */
async function rekeyRecovery(s: TestServer, shares: string[], n: number, k: number) {
  const started = await put(s, "sys/rekey-recovery-key/init", { secret_shares: n, secret_threshold: k });
  assert.is(started.status, 200, started.text);
  let last = started;
  for (const key of shares) last = await put(s, "sys/rekey-recovery-key/update", { key, nonce: started.body.nonce });
  return last;
}

t("recovery rekey: the recovery shares authorise it; old shares stop working (rekey, unseal after sys/seal), new ones work; Shamir is 400", async () => {
  const dataDir = freshDir();
  let { s, recovery, root } = await autoServer(dataDir);
  try {
    // The barrier rekey is not for auto seals, and says where to go.
    const barrier = await put(s, "sys/rekey/init", { secret_shares: 1, secret_threshold: 1 });
    assert.is(barrier.status, 400);
    assert.match(barrier.text, /rekey-recovery-key/);
    for (const bad of [{ secret_shares: 3, secret_threshold: 4 }, {}, { secret_shares: "x", secret_threshold: 2 }]) {
      assert.is((await put(s, "sys/rekey-recovery-key/init", bad)).status, 400, JSON.stringify(bad));
    }
    assert.is((await s.request("GET", "sys/rekey-recovery-key/init", { token: null })).body.started, false);
    const started = await put(s, "sys/rekey-recovery-key/init", { secret_shares: 4, secret_threshold: 3 });
    assert.equal([started.body.started, started.body.n, started.body.t, started.body.required], [true, 4, 3, 2]);
    const { nonce } = started.body;
    assert.is((await put(s, "sys/rekey-recovery-key/update", { key: recovery[0], nonce: "wrong" })).status, 400, "wrong nonce");
    assert.is((await put(s, "sys/rekey-recovery-key/update", { key: recovery[0], nonce })).body.progress, 1);
    assert.is((await put(s, "sys/rekey-recovery-key/update", { key: recovery[0], nonce })).status, 400, "the same share twice");
    const done = await put(s, "sys/rekey-recovery-key/update", { key: recovery[2], nonce });
    assert.is(done.status, 200, done.text);
    assert.equal([done.body.complete, done.body.keys.length], [true, 4]);
    const fresh: string[] = done.body.keys;
    let st = await status(s);
    assert.equal([st.sealed, st.n, st.t, st.recovery_seal], [false, 4, 3, true]);
    assert.ok(!s.logs.some((l) => [...fresh, ...recovery].some((k) => l.includes(k))), "no share in the logs");

    // Old shares authorise nothing any more: a rekey with them fails (progress reset), nothing changes.
    const refused = await rekeyRecovery(s, [recovery[0]!, recovery[1]!, recovery[2]!], 1, 1);
    assert.is(refused.status, 400, refused.text);
    assert.match(refused.text, /recovery key/);
    assert.is((await s.request("GET", "sys/rekey-recovery-key/init", { token: null })).body.started, true, "still started, progress reset");
    assert.is((await s.request("DELETE", "sys/rekey-recovery-key/init", { token: null })).status, 204);
    st = await status(s);
    assert.equal([st.n, st.t], [4, 3]);

    // Sealed through sys/seal: old recovery shares do not unseal, the new ones do (Vault's recovery unseal).
    assert.is((await s.write("sys/seal", {})).status, 204);
    for (const k of recovery) await put(s, "sys/unseal", { key: k });
    assert.is((await status(s)).sealed, true, "the old recovery shares do not unseal");
    const bad = await s.request("GET", "auth/token/lookup-self");
    assert.is(bad.status, 503);
    await put(s, "sys/unseal", { key: fresh[1] });
    await put(s, "sys/unseal", { key: fresh[3] });
    const opened = await put(s, "sys/unseal", { key: fresh[0] });
    assert.is(opened.status, 200, opened.text);
    assert.is(opened.body.sealed, false);
    assert.is((await s.request("GET", "auth/token/lookup-self")).status, 200);

    // The new shares are durable: after a restart they authorise the next rekey.
    await s.close();
    s = await startTestServer({ dataDir, configure: (c) => (c.seal = staticSeal) });
    s.rootToken = root;
    const again = await rekeyRecovery(s, fresh.slice(0, 3), 1, 1);
    assert.is(again.status, 200, again.text);
    assert.is(again.body.keys.length, 1);
    st = await status(s);
    assert.equal([st.n, st.t], [1, 1]);
  } finally {
    await s.close();
  }

  // A Shamir server has no recovery keys: 400 with the reason.
  const shamir = await startTestServer();
  try {
    const r = await put(shamir, "sys/rekey-recovery-key/init", { secret_shares: 1, secret_threshold: 1 });
    assert.is(r.status, 400);
    assert.match(r.text, /recovery rekeying is not supported for the shamir seal/);
  } finally {
    await shamir.close();
  }
});

t("warden operator rekey -target=recovery: -init, one share per call, the new keys printed", async () => {
  const { s, recovery } = await autoServer(freshDir());
  try {
    const env = { VAULT_ADDR: s.url };
    const init = await runCli(["operator", "rekey", "-target=recovery", "-init", "-key-shares=1", "-key-threshold=1"], { env });
    assert.is(init.code, 0, init.stderr);
    assert.match(init.stdout, /nonce/);
    const first = await runCli(["operator", "rekey", "-target=recovery", recovery[1]!], { env });
    assert.is(first.code, 0, first.stderr);
    const last = await runCli(["operator", "rekey", "-target=recovery"], { env, stdin: `${recovery[2]}\n` });
    assert.is(last.code, 0, last.stderr);
    const m = /Key 1: (\S+)/.exec(last.stdout);
    assert.ok(m, last.stdout);
    assert.match(last.stdout, /recovery shares are in effect/);
    assert.equal([(await status(s)).n, (await status(s)).t], [1, 1]);
    const wrong = await runCli(["operator", "rekey", "-target=nope", "-status"], { env });
    assert.is(wrong.code, 1);
    // The printed key is the recovery key now: it unseals the node after sys/seal.
    await s.write("sys/seal", {});
    assert.is((await put(s, "sys/unseal", { key: m![1] })).body.sealed, false);
  } finally {
    await s.close();
  }
});

t("an auto seal sealed through sys/seal stays sealed: a seal record change from another node, a change-feed reconnect; a restart unseals it", async () => {
  const dataDir = freshDir();
  const { s: a, recovery, root } = await autoServer(dataDir);
  // A second node on the same database (SQLite: the same file in this process; PostgreSQL: the same database).
  const b = await startTestServer({ dataDir, configure: (c) => (c.seal = staticSeal) });
  b.rootToken = root;
  let a2: TestServer | undefined;
  let aClosed = false;
  try {
    assert.is((await a.write("sys/seal", {})).status, 204);
    assert.is((await status(a)).sealed, true);
    const heard: string[] = [];
    const stop = a.server.seal.storage.changes.subscribe((c) => heard.push(`${c.topic}:${c.key}`));
    // Node b changes the seal record (a recovery rekey): a hears it...
    const done = await rekeyRecovery(b, recovery.slice(0, 2), 2, 2);
    assert.is(done.status, 200, done.text);
    await waitFor("node a to hear the seal record change", 10_000, async () => heard.includes("system:core/seal"));
    if (TEST_STORAGE === "postgresql") {
      // ...and a change-feed reconnect ("*": everything may have changed): end every session of the database.
      const admin = new pg.Client({ connectionString: databaseUrl(`warden_test_${createHash("sha256").update(dataDir).digest("hex").slice(0, 20)}`) });
      await admin.connect();
      try {
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
      } finally {
        await admin.end();
      }
      await waitFor("node a's change feed to reconnect", 15_000, async () => heard.includes("*:"));
    }
    stop();
    // Before the fix node a unsealed itself within milliseconds of either notice; give it ample time to (wrongly) do so.
    const deadline = Date.now() + 1500;
    while (Date.now() < deadline) {
      assert.is((await status(a)).sealed, true, "a node sealed through sys/seal must not unseal itself");
      assert.is((await a.request("GET", "auth/token/lookup-self")).status, 503);
    }
    assert.ok(!a.logs.slice(-200).some((l) => l.includes("auto-unseal failed")), "no retry loop either");
    // The other node was never affected.
    assert.is((await b.request("GET", "auth/token/lookup-self")).status, 200);

    // A restart of node a's process (a new server on the same database) unseals by itself.
    await a.close();
    aClosed = true;
    a2 = await startTestServer({ dataDir, configure: (c) => (c.seal = staticSeal) });
    a2.rootToken = root;
    assert.is((await status(a2)).sealed, false);
    assert.is((await a2.request("GET", "auth/token/lookup-self")).status, 200);
  } finally {
    if (!aClosed) await a.close();
    await a2?.close();
    await b.close();
  }
});

t.run();

// sys/storage/snapshot over real HTTP: an online save while writes happen, restore back to it (tokens,
// roles, policies, quotas as they were), the checks that refuse a bad or foreign snapshot and change
// nothing, sudo, sealed, the CLI; PostgreSQL answers 400 pointing to pg_dump.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { runCli } from "../cli/harness.js";
import { TEST_STORAGE, type TestServer, startTestServer } from "../helpers/server.js";

const t = suite("sys/storage/snapshot: online save and restore");
const dir = mkdtempSync(join(tmpdir(), "warden-snap-"));
t.after(() => rmSync(dir, { recursive: true, force: true }));

async function save(s: TestServer, token = s.rootToken): Promise<{ status: number; bytes: Buffer; text: string }> {
  const res = await fetch(`${s.url}/v1/sys/storage/snapshot`, { headers: { "x-vault-token": token } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, bytes, text: bytes.toString("utf8") };
}

async function restore(s: TestServer, body: Buffer | string, token = s.rootToken): Promise<{ status: number; text: string }> {
  const res = await fetch(`${s.url}/v1/sys/storage/snapshot`, { method: "POST", headers: { "x-vault-token": token, "content-type": "application/octet-stream" }, body: typeof body === "string" ? body : new Uint8Array(body) });
  return { status: res.status, text: await res.text() };
}

const works = async (s: TestServer, token: string): Promise<boolean> => (await s.request("GET", "auth/token/lookup-self", { token })).status === 200;

if (TEST_STORAGE === "postgresql") {
  t("PostgreSQL: save and restore are 400 pointing to pg_dump; sudo is still checked first", async () => {
    const s = await startTestServer();
    try {
      const user = (await s.write("auth/token/create", { policies: ["default"] })).body.auth.client_token;
      assert.is((await save(s, user)).status, 403);
      const g = await save(s);
      assert.is(g.status, 400, g.text);
      assert.match(g.text, /pg_dump/);
      const p = await restore(s, "anything");
      assert.is(p.status, 400, p.text);
      assert.match(p.text, /pg_dump/);
    } finally {
      await s.close();
    }
  });
} else {
  t("save while writes happen; restore brings the earlier state back; bad, foreign, unauthorised and sealed restores change nothing", async () => {
    const s = await startTestServer({ mounts: { approle: "approle" } });
    const other = await startTestServer();
    try {
      const C = `canary${randomBytes(6).toString("hex")}`;
      assert.is((await s.write("sys/policies/acl/p1", { policy: `path "secret/${C}" { capabilities = ["read"] }` })).status, 204);
      assert.is((await s.write("auth/approle/role/r1", { token_policies: ["p1"] })).status, 204);
      const before = (await s.write("auth/token/create", { policies: ["p1"], meta: { m: C } })).body.auth.client_token as string;
      const user = (await s.write("auth/token/create", { policies: ["default"] })).body.auth.client_token as string;

      // Save while tokens are being created: the snapshot is one consistent point, the writes all succeed.
      let writing = true;
      const writes: number[] = [];
      const writer = (async () => {
        while (writing) writes.push((await s.write("auth/token/create", { policies: ["default"], ttl: "1h" })).status);
      })();
      const snap = await save(s);
      writing = false;
      await writer;
      assert.is(snap.status, 200, snap.text.slice(0, 200));
      assert.ok(writes.length > 0 && writes.every((w) => w === 200), `writes during the save: ${writes.join(",")}`);
      assert.ok(snap.bytes.subarray(0, 16).toString() === "WARDEN-SNAPSHOT\n", "the snapshot format");
      // The snapshot is the barrier-encrypted database: no canary, token or policy text in clear.
      for (const secret of [C, before, user, s.rootToken]) assert.not.ok(snap.bytes.includes(Buffer.from(secret)), "a secret in clear in the snapshot");
      const file = join(dir, "s1.snap");
      writeFileSync(file, snap.bytes);

      // After the save: a new token, a new policy, a role gone, a quota, the old token revoked.
      const after = (await s.write("auth/token/create", { policies: ["default"] })).body.auth.client_token as string;
      assert.is((await s.write("sys/policies/acl/p2", { policy: `path "x" { capabilities = ["read"] }` })).status, 204);
      assert.is((await s.delete("auth/approle/role/r1")).status, 204);
      assert.is((await s.write("sys/quotas/rate-limit/q1", { rate: 1000 })).status, 204);
      assert.is((await s.write("auth/token/revoke", { token: before })).status, 204);
      assert.is(await works(s, before), false);

      // Not sudo: 403 both ways. Sealed elsewhere later.
      assert.is((await save(s, user)).status, 403);
      assert.is((await restore(s, snap.bytes, user)).status, 403);

      // Bad snapshots: 400 and nothing changed.
      const bad: Array<[string, Buffer | string, RegExp]> = [
        ["garbage", "hello, this is not a snapshot", /not a warden snapshot/],
        ["empty", "", /empty/],
        ["truncated", snap.bytes.subarray(0, snap.bytes.length - 100), /truncated/],
        ["header only", snap.bytes.subarray(0, snap.bytes.indexOf(0x0a, 16) + 1), /truncated/],
        ["altered", Buffer.concat([snap.bytes.subarray(0, snap.bytes.length - 10), Buffer.from("0123456789")]), /checksum/],
        ["too long", Buffer.concat([snap.bytes, Buffer.from("x")]), /more data/],
      ];
      for (const [what, body, re] of bad) {
        const r = await restore(s, body);
        assert.is(r.status, 400, `${what}: ${r.text}`);
        assert.match(r.text, re, what);
      }
      // Another init's snapshot (valid, checksummed, but another keyring): refused, nothing changed.
      const foreign = await save(other);
      assert.is(foreign.status, 200);
      const refused = await restore(s, foreign.bytes);
      assert.is(refused.status, 400, refused.text);
      assert.match(refused.text, /another warden init/);
      assert.is(await works(s, after), true, "nothing changed by the refused restores");
      assert.is((await s.read("sys/policies/acl/p2")).status, 200);

      // The restore: the state at the save is back. Requests meanwhile get the old state, the new one,
      // or 503 "restoring" for the moment the core is swapped: never a 500 nor a mix.
      let probing = true;
      const seen: string[] = [];
      const prober = (async () => {
        while (probing) {
          const p = await s.request("GET", "auth/token/lookup-self", { token: after });
          seen.push(p.status === 503 ? `503 ${p.text}` : String(p.status));
        }
      })();
      const r = await restore(s, readFileSync(file));
      probing = false;
      await prober;
      assert.is(r.status, 204, r.text);
      const odd = seen.filter((x) => x !== "200" && x !== "403" && !/^503 .*restoring a snapshot/.test(x));
      assert.equal(odd, [], `answers during the restore: ${odd.join(" | ")}`);
      assert.ok(seen.length > 0);
      assert.is(await works(s, after), false, "a token created after the save no longer works");
      assert.is(await works(s, before), true, "a token from before the save works again");
      assert.is((await s.request("GET", "auth/token/lookup-self", { token: before })).body.data.meta.m, C);
      assert.is((await s.read("sys/policies/acl/p2")).status, 404, "a policy written after the save is gone");
      assert.match((await s.read("sys/policies/acl/p1")).body.data.policy, new RegExp(C));
      assert.equal((await s.read("auth/approle/role/r1")).body.data.token_policies, ["p1"], "the deleted role is back");
      assert.is((await s.read("sys/quotas/rate-limit/q1")).status, 404, "a quota written after the save is gone");
      assert.ok(s.logs.some((l) => l.includes("snapshot restore: started")) && s.logs.some((l) => l.includes("snapshot restore: done")), "the restore logs its progress");
      assert.not.ok(s.logs.some((l) => [before, after, user, C].some((x) => l.includes(x))), "no secret in the logs");
      // Writing after the restore works (the new core serves), and the restored server can save again.
      assert.is((await s.write("sys/policies/acl/p3", { policy: `path "y" { capabilities = ["read"] }` })).status, 204);
      assert.is((await save(s)).status, 200);

      // Sealed: 503 both ways, nothing read.
      assert.is((await s.write("sys/seal", {})).status, 204);
      assert.is((await restore(s, snap.bytes)).status, 503);
      assert.is((await save(s)).status, 503);
    } finally {
      await s.close();
      await other.close();
    }
  });

  t("the seal keys do not go back in time: shares rekeyed after the save still unseal after the restore", async () => {
    const s = await startTestServer();
    try {
      const snap = await save(s);
      assert.is(snap.status, 200);
      const old = s.unsealKeys[0]!;
      const started = await s.request("PUT", "sys/rekey/init", { token: null, body: { secret_shares: 1, secret_threshold: 1 } });
      const done = await s.request("PUT", "sys/rekey/update", { token: null, body: { key: old, nonce: started.body.nonce } });
      assert.is(done.status, 200, done.text);
      const fresh = done.body.keys_base64[0] as string;
      assert.is((await restore(s, snap.bytes)).status, 204);
      assert.is((await s.write("sys/seal", {})).status, 204);
      assert.is((await s.request("PUT", "sys/unseal", { token: null, body: { key: old } })).status, 400, "the shares from before the rekey stay retired");
      const opened = await s.request("PUT", "sys/unseal", { token: null, body: { key: fresh } });
      assert.is(opened.body.sealed, false, opened.text);
      assert.is((await s.request("GET", "auth/token/lookup-self")).status, 200);
    } finally {
      await s.close();
    }
  });

  t("warden operator snapshot save / restore [-force]", async () => {
    const s = await startTestServer();
    try {
      const env = { VAULT_ADDR: s.url, VAULT_TOKEN: s.rootToken };
      const file = join(dir, "cli.snap");
      const saved = await runCli(["operator", "snapshot", "save", file], { env });
      assert.is(saved.code, 0, saved.stderr);
      assert.match(saved.stdout, /Snapshot saved/);
      assert.is(readFileSync(file).subarray(0, 16).toString(), "WARDEN-SNAPSHOT\n");
      assert.is((await s.write("sys/policies/acl/later", { policy: `path "z" { capabilities = ["read"] }` })).status, 204);
      const unconfirmed = await runCli(["operator", "snapshot", "restore", file], { env, stdin: "yes\n" });
      assert.is(unconfirmed.code, 1, "not a terminal and no -force");
      assert.match(unconfirmed.stderr, /-force/);
      assert.is((await s.read("sys/policies/acl/later")).status, 200, "nothing restored without confirmation");
      const restored = await runCli(["operator", "snapshot", "restore", "-force", file], { env });
      assert.is(restored.code, 0, restored.stderr);
      assert.is((await s.read("sys/policies/acl/later")).status, 404);
      writeFileSync(join(dir, "junk.snap"), "junk");
      const junk = await runCli(["operator", "snapshot", "restore", "-force", join(dir, "junk.snap")], { env });
      assert.is(junk.code, 1);
      assert.match(junk.stderr, /Code: 400/);
    } finally {
      await s.close();
    }
  });
}

t.run();

// The native AES-256-GCM binding (native/gcm.c, one OpenSSL context kept per key) against node:crypto:
// the same format both ways, every wrong key, AAD or byte refused, a dropped key unusable, and the
// node:crypto fallback (binding missing) working the same and said once at start.
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { NATIVE_GCM_PATH, loadNativeGcm, nativeGcm, nativeGcmStatus, reportNativeGcm } from "../../src/core/native-gcm.js";
import { type GcmKey, gcmKey, gcmOpen, gcmSeal } from "../../src/core/seal/aead.js";
import { BARRIER_PREFIX, Keyring } from "../../src/core/seal/keyring.js";

const t = suite("native AES-256-GCM");

// `npm run build` builds the binding; a build that could not (no compiler) is the fallback's case.
const built = existsSync(NATIVE_GCM_PATH);

const TEXTS = ["", "x", '{"policies":["default"],"meta":{"role_name":"bench"}}', "é€😀 and a NUL \0 inside", "y".repeat(70_000)];
const AADS = ["", "token\0" + "a".repeat(64), "kvc\0ns\0key é", "z".repeat(3000)];

const sides = (key: Buffer): Array<[string, GcmKey]> => [
  ...(built ? [["native", gcmKey(key)] as [string, GcmKey]] : []),
  ["node:crypto", gcmKey(key, false)],
];

t("the built binding loads", () => {
  if (!built) return console.log("  (native/build absent: the node:crypto fallback is what runs)");
  assert.ok(nativeGcm(), `the binding at ${NATIVE_GCM_PATH} did not load: ${nativeGcmStatus().error}`);
  assert.equal(nativeGcmStatus(), { native: true });
});

t("either side opens what the other sealed, and gcmSeal/gcmOpen's blobs too (same format)", () => {
  const key = randomBytes(32);
  for (const [sealer, s] of sides(key)) {
    for (const [opener, o] of sides(key)) {
      for (const text of TEXTS) {
        for (const aad of AADS) {
          const blob = s.sealText(text, aad, 3);
          assert.equal([...blob.subarray(0, 3)], [0, 0, 0], "headroom zeroed");
          assert.is(blob.length, 3 + 12 + Buffer.byteLength(text) + 16);
          assert.is(o.openText(Buffer.from(blob), 3, aad), text, `${sealer} -> ${opener}`);
          assert.is(gcmOpen(key, blob.subarray(3), Buffer.from(aad)).toString("utf8"), text, `${sealer} -> gcmOpen`);
        }
      }
    }
    const old = gcmSeal(key, Buffer.from(TEXTS[2]!), Buffer.from(AADS[1]!), 4);
    assert.is(s.openText(old, 4, AADS[1]!), TEXTS[2], `gcmSeal -> ${sealer}`);
  }
});

t("a wrong key, a wrong AAD and any changed byte are refused; nothing of the plaintext is left", () => {
  const key = randomBytes(32);
  for (const [name, k] of sides(key)) {
    const text = "the secret text of a token";
    const blob = k.sealText(text, "token\0h1", 0);
    for (const [other, o] of sides(randomBytes(32))) assert.throws(() => o.openText(Buffer.from(blob), 0, "token\0h1"), undefined, `${name} -> ${other}: wrong key`);
    assert.throws(() => k.openText(Buffer.from(blob), 0, "token\0h2"), undefined, `${name}: wrong aad`);
    assert.throws(() => k.openText(Buffer.from(blob), 0, ""), undefined, `${name}: no aad`);
    for (const at of [0, 11, 12, 12 + 5, blob.length - 16, blob.length - 1]) {
      const bad = Buffer.from(blob);
      bad[at]! ^= 0x01;
      assert.throws(() => k.openText(bad, 0, "token\0h1"), undefined, `${name}: byte ${at} changed`);
      // Decrypted in place, then zeroed: a refused open leaves nothing of the (unauthenticated) plaintext.
      if (name === "native") assert.ok(bad.subarray(12, bad.length - 16).every((b) => b === 0), `${name}: byte ${at}: body zeroed`);
    }
    assert.throws(() => k.openText(blob.subarray(0, 27), 0, "token\0h1"), /too short/);
    // A refusal leaves the key usable.
    assert.is(k.openText(Buffer.from(blob), 0, "token\0h1"), text);
  }
});

t("the binding checks its arguments", () => {
  if (!built) return;
  const native = nativeGcm()!;
  assert.throws(() => new native.GcmKey(randomBytes(16)), /32-byte/);
  const k = new native.GcmKey(randomBytes(32));
  const buf = Buffer.alloc(40);
  assert.throws(() => k.seal(buf, 0, 13, "a"), /out of range/); // 12 + 13 + 16 > 40
  assert.throws(() => k.seal(buf, -1, 1, "a"), /out of range/);
  assert.throws(() => k.open(buf, 20, 20, "a"), /out of range/);
  assert.throws(() => k.open(buf, 0, 27, "a"), /out of range/);
  assert.throws(() => k.seal(buf, 0, 1, 5 as unknown as string), /aad/);
  k.seal(buf, 0, 12, "a");
  k.open(buf, 0, 40, "a");
});

t("a dropped key refuses to seal or open", () => {
  for (const [name, k] of sides(randomBytes(32))) {
    const blob = k.sealText("x", "a", 0);
    k.drop();
    assert.throws(() => k.sealText("x", "a", 0), /dropped/, name);
    assert.throws(() => k.openText(blob, 0, "a"), /dropped/, name);
    k.drop();
  }
});

t("the keyring: its values open with node:crypto and the reverse; a wiped keyring seals nothing more", () => {
  const k = Keyring.fresh();
  const key = Buffer.from(k.active.key);
  const stored = k.encrypt("plain", "kv\0a");
  const raw = Buffer.from(stored.slice(BARRIER_PREFIX.length), "base64");
  assert.is(raw.readUInt32BE(0), 1);
  assert.is(gcmOpen(key, raw.subarray(4), Buffer.from("kv\0a")).toString(), "plain");
  const theirs = gcmSeal(key, Buffer.from("from node"), Buffer.from("kv\0b"), 4);
  theirs.writeUInt32BE(1, 0);
  assert.is(k.decrypt(BARRIER_PREFIX + theirs.toString("base64"), "kv\0b"), "from node");
  k.wipe();
  assert.equal([...k.active.key], new Array(32).fill(0));
  assert.throws(() => k.encrypt("more", "kv\0a"), /wiped/);
  assert.throws(() => k.decrypt(BARRIER_PREFIX + theirs.toString("base64"), "kv\0b"), /failed authentication/);
});

t("without the binding: why, in one line at start, and node:crypto seals", () => {
  const missing = loadNativeGcm("/nonexistent/warden_gcm.node");
  assert.is(missing.binding, undefined);
  assert.match(missing.error!, /Cannot find module/);
  const lines: Array<[string, Record<string, unknown> | undefined]> = [];
  reportNativeGcm({ warn: (msg, fields) => lines.push([msg, fields]) }, { native: false, error: missing.error });
  assert.is(lines.length, 1);
  assert.match(lines[0]![0], /native AES-GCM binding not loaded, sealing with node:crypto/);
  assert.is(lines[0]![1]!.error, missing.error);
  reportNativeGcm({ warn: (msg, fields) => lines.push([msg, fields]) }, { native: true });
  assert.is(lines.length, 1, "nothing said when it loaded");
  const k = gcmKey(randomBytes(32), false);
  assert.is(k.openText(k.sealText("fallback", "a", 0), 0, "a"), "fallback");
});

t.run();

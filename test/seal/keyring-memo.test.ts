// The keyring's memo of opened values (a hot token blob opened once, then answered from memory) must
// never answer for a value it did not open: a changed byte, another record's associated data, or a
// keyring that was wiped (sys/seal) all go through AES-GCM again, and fail as before.
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { Keyring } from "../../src/core/seal/keyring.js";

const t = suite("keyring memo of opened values");

function counting(k: Keyring): { opens: () => number } {
  let n = 0;
  const open = k.open.bind(k);
  k.open = (stored: string, aad: string) => {
    n++;
    return open(stored, aad);
  };
  return { opens: () => n };
}

t("a repeated value under the same AAD is opened once", () => {
  const k = Keyring.fresh();
  const c = counting(k);
  const stored = k.encrypt('{"policies":["default"]}', "token\0h1");
  for (let i = 0; i < 5; i++) assert.is(k.decrypt(stored, "token\0h1"), '{"policies":["default"]}');
  assert.is(c.opens(), 1);
});

t("another AAD, or one changed byte, is opened again and refused", () => {
  const k = Keyring.fresh();
  const stored = k.encrypt("secret", "token\0h1");
  assert.is(k.decrypt(stored, "token\0h1"), "secret");
  assert.throws(() => k.decrypt(stored, "token\0h2"), /failed authentication/);
  const raw = Buffer.from(stored.slice(4), "base64");
  raw[raw.length - 1]! ^= 1;
  assert.throws(() => k.decrypt("wb1:" + raw.toString("base64"), "token\0h1"), /failed authentication/);
});

t("a text ending like one opened (the memo's slot) is opened, and refused, not answered from the memo", () => {
  const k = Keyring.fresh();
  const c = counting(k);
  const a = k.encrypt("value a", "kv\0a");
  const b = k.encrypt("value b", "kv\0a");
  assert.is(k.decrypt(b, "kv\0a"), "value b");
  // a's beginning with b's last 24 characters (b's tag): b's slot, not b's text.
  const forged = a.slice(0, -24) + b.slice(-24);
  assert.is.not(forged, b);
  assert.throws(() => k.decrypt(forged, "kv\0a"), /failed authentication/);
  assert.is(k.decrypt(a, "kv\0a"), "value a");
  assert.is(k.decrypt(b, "kv\0a"), "value b");
  assert.is(k.decrypt(a, "kv\0a"), "value a");
  assert.is(c.opens(), 3, "b, the forged text and a opened once each; b and a then from the memo");
});

t("bytes (a token's blob in its own column): opened in a copy, the memo answers only the same bytes under the same AAD", () => {
  const k = Keyring.fresh();
  const sealed = k.encryptBytes('["default"]', "token\0h1");
  const before = Buffer.from(sealed);
  for (let i = 0; i < 3; i++) assert.is(k.decryptBytes(sealed, "token\0h1"), '["default"]');
  assert.ok(sealed.equals(before), "the caller's bytes are left as they were");
  // Same tag (the memo's slot), one ciphertext byte changed: opened again, and refused.
  const changed = Buffer.from(sealed);
  changed[20]! ^= 1;
  assert.throws(() => k.decryptBytes(changed, "token\0h1"), /failed authentication/);
  assert.throws(() => k.decryptBytes(sealed, "token\0h2"), /failed authentication/);
  // A buffer reused by its owner after a hit does not change what the memo answers for it.
  const reused = Buffer.from(sealed);
  assert.is(k.decryptBytes(reused, "token\0h1"), '["default"]');
  reused.fill(0);
  assert.throws(() => k.decryptBytes(reused, "token\0h1"));
  assert.is(k.decryptBytes(sealed, "token\0h1"), '["default"]');
  // The same bytes as text (encrypt's form) open alike: one format, two encodings.
  assert.is(k.decrypt(`wb1:${sealed.toString("base64")}`, "token\0h1"), '["default"]');
  k.wipe();
  assert.throws(() => k.decryptBytes(sealed, "token\0h1"));
});

t("a wiped keyring forgets what it opened", () => {
  const k = Keyring.fresh();
  const stored = k.encrypt("secret", "token\0h1");
  assert.is(k.decrypt(stored, "token\0h1"), "secret");
  k.wipe();
  assert.throws(() => k.decrypt(stored, "token\0h1"), /failed authentication/);
});

t("large values are not kept", () => {
  const k = Keyring.fresh();
  const c = counting(k);
  const stored = k.encrypt("x".repeat(8192), "kv\0big");
  k.decrypt(stored, "kv\0big");
  k.decrypt(stored, "kv\0big");
  assert.is(c.opens(), 2);
});

t("the memo is bounded: many distinct values keep working", () => {
  const k = Keyring.fresh();
  const values = Array.from({ length: 12_000 }, (_, i) => k.encrypt(String(i), `kv\0${i}`));
  for (let i = 0; i < values.length; i++) assert.is(k.decrypt(values[i]!, `kv\0${i}`), String(i));
  assert.is(k.decrypt(values[0]!, "kv\0" + 0), "0");
});

t.run();

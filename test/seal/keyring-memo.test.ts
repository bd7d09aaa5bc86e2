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

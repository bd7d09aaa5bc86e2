import { createHmac, randomBytes } from "node:crypto";
import { test } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { hmacSha256Hex } from "../../src/sdk/hmac.js";
import { isTimeFirst, newAccessor, newServiceToken, randomBase62, tokenKey } from "../../src/core/tokens/token-id.js";

const reference = (key: Buffer, token: string): string => createHmac("sha256", key).update(token).digest("hex");

test("the precomputed hasher is exactly HMAC-SHA256, for short, block-size and long keys", () => {
  for (const size of [16, 32, 64, 65, 200]) {
    const key = randomBytes(size);
    const h = hmacSha256Hex(key);
    // The reused buffers: short after long (nothing of the longer one left over), the fitting limit,
    // three-byte characters at it, a token past it, and texts of one byte length again (the kept views).
    const tokens = ["hvs.abc", "", "é-unicode-ü", "x".repeat(1000), "hvs.ab", "y".repeat(341), "€".repeat(341), "z".repeat(342), "€".repeat(342), "hvs.abc", "hvs.abd", "hvs.\u00e9b"];
    for (const token of tokens) assert.is(h(token), reference(key, token), `key ${size}, token ${token.slice(0, 10)} (${token.length})`);
  }
});

test("tokens and accessors have the documented shape and do not repeat", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const t = newServiceToken();
    assert.match(t, /^hvs\.[0-9A-Za-z]{36}$/);
    assert.match(newAccessor(), /^[0-9A-Za-z]{24}$/);
    assert.not.ok(seen.has(t));
    seen.add(t);
  }
});

test("accessors sort in creation order, carry 95 random bits after the time, and never repeat", () => {
  // The time part sorts as the number (the token table's accessor index gets new entries at its end).
  const times = [0, 1, 61, 62, 3843, Date.UTC(2026, 11, 6), Date.UTC(2026, 11, 6) + 1, Date.UTC(2100, 0, 1), 62 ** 8 - 1];
  const accessors = times.map((t) => newAccessor(t));
  for (let i = 1; i < accessors.length; i++) assert.ok(accessors[i - 1]! < accessors[i]!, `${accessors[i - 1]} < ${accessors[i]} (${times[i - 1]} < ${times[i]})`);
  for (const a of accessors) assert.match(a, /^[0-9A-Za-z]{24}$/);
  assert.is(newAccessor(0).slice(0, 8), "00000000");
  // Many in one millisecond: the random tail keeps them distinct.
  const same = new Set(Array.from({ length: 5000 }, () => newAccessor(1_700_000_000_000)));
  assert.is(same.size, 5000);
  assert.ok([...same].every((a) => a.startsWith(newAccessor(1_700_000_000_000).slice(0, 8))));
});

test("tokens start with their creation time, and so do their keys; other tokens are keyed by the HMAC alone", () => {
  const earlier = newServiceToken(Date.UTC(2026, 11, 6, 12));
  const later = newServiceToken(Date.UTC(2026, 11, 6, 12) + 1);
  assert.ok(isTimeFirst(earlier) && isTimeFirst(later));
  assert.is(earlier.slice(4, 12), newAccessor(Date.UTC(2026, 11, 6, 12)).slice(0, 8));
  const hmac = "ab".repeat(32);
  assert.ok(tokenKey(earlier, hmac) < tokenKey(later, hmac), "later tokens' keys sort after");
  assert.is(tokenKey(earlier, hmac), earlier.slice(4, 12) + hmac);
  // Tokens of the earlier shape, and custom ids, keep the plain HMAC as their key.
  for (const other of ["hvs." + "x".repeat(32), "my-ci-token", "hvs." + "y".repeat(37), "s." + "z".repeat(38)]) {
    assert.not.ok(isTimeFirst(other), other);
    assert.is(tokenKey(other, hmac), hmac);
  }
});

test("base62 characters are close to uniform (no modulo bias)", () => {
  const counts = new Map<string, number>();
  const text = randomBase62(62 * 2000);
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  assert.is(counts.size, 62);
  for (const n of counts.values()) assert.ok(n > 1600 && n < 2400, `count ${n}`);
});

test.run();

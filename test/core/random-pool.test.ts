// The pooled CSPRNG used for token ids and AES-GCM nonces: every call gets bytes of its own, never
// handed out twice, across refills of the pool.
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { pooledRandomBytes } from "../../src/core/random-pool.js";

const t = suite("pooled random bytes");

t("sizes, independence across many refills, no value twice", () => {
  const seen = new Set<string>();
  let zeros = 0;
  for (let i = 0; i < 20_000; i++) {
    const n = 1 + (i % 64);
    const b = pooledRandomBytes(n);
    assert.is(b.length, n);
    if (n >= 12) {
      const hex = b.toString("hex");
      assert.not.ok(seen.has(hex), "the same bytes handed out twice");
      seen.add(hex);
    }
    for (const x of b) if (x === 0) zeros++;
  }
  // About 1/256 of the bytes are zero; a pool handed out after being zeroed would show far more.
  const total = Array.from({ length: 20_000 }, (_, i) => 1 + (i % 64)).reduce((a, b) => a + b, 0);
  assert.ok(zeros < (total / 256) * 1.5, `${zeros} zero bytes of ${total}`);
});

t("a returned buffer is its own: changing it changes no later value", () => {
  const a = pooledRandomBytes(32);
  a.fill(7);
  const b = pooledRandomBytes(32);
  assert.not.equal(b, Buffer.alloc(32, 7));
});

t("more than the pool at once is refused", () => {
  assert.throws(() => pooledRandomBytes(4097), /at most 4096/);
});

t.run();

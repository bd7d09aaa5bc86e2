import * as assert from "uvu/assert";
import { WardenError } from "warden/sdk";
import { suite, TestClock } from "warden/sdk/testing";
import { KeysetCache, type KeysetTiming } from "./keyset-cache.js";
import { harness, makeKey, type TestKey } from "./test-support.js";
import { startProvider, type TestProvider } from "./test-provider.js";

interface Ctx {
  p: TestProvider;
  a: TestKey;
  b: TestKey;
  ec: TestKey;
}

const t = suite<Ctx>("jwt key cache");

t.before(async (ctx) => {
  ctx.a = await makeKey("RS256", "key-a");
  ctx.b = await makeKey("RS256", "key-b");
  ctx.ec = await makeKey("ES256", "key-ec");
  ctx.p = await startProvider([ctx.a]);
});
t.after(async ({ p }) => p.close());
t.before.each(({ p, a }) => {
  p.faults = {};
  p.published = [a];
  p.hits.jwks = 0;
  p.hits.discovery = 0;
});

/**
 * A mount's cache on a clock the test advances (no waiting for cooldowns). The TestClock also runs on
 * real time, so "still within" steps stay far (seconds) from the boundary a busy machine could cross.
 */
function cache(timing: Partial<KeysetTiming> = {}) {
  const clock = new TestClock();
  return { keys: new KeysetCache(clock, timing), clock };
}

const get = (keys: KeysetCache, p: TestProvider, header: { alg: string; kid?: string }, h = harness()) => keys.candidates(h.http, h.log, { jwks_url: p.jwksUrl }, header);

t("known kid: one fetch, then served from the cache", async ({ p }) => {
  const { keys } = cache();
  for (let i = 0; i < 5; i++) assert.is((await get(keys, p, { alg: "RS256", kid: "key-a" })).keys.length, 1);
  assert.is(p.hits.jwks, 1);
});

t("unknown kid: exactly one refetch, then refused; further unknown kids wait for the cooldown", async ({ p }) => {
  const { keys, clock } = cache({ refetchCooldownMs: 60_000 });
  await get(keys, p, { alg: "RS256", kid: "key-a" });
  assert.ok((await get(keys, p, { alg: "RS256", kid: "made-up-0" })).error);
  assert.is(p.hits.jwks, 1, "no refetch right after a fetch: the cooldown counts from any fetch");
  clock.advance(50_000);
  assert.ok((await get(keys, p, { alg: "RS256", kid: "made-up-0" })).error);
  assert.is(p.hits.jwks, 1, "still within the cooldown");
  clock.advance(10_000);
  const r = await get(keys, p, { alg: "RS256", kid: "made-up-1" });
  assert.is(r.error, 'no key found for kid "made-up-1"');
  assert.is(p.hits.jwks, 2, "one refetch");
  for (let i = 0; i < 20; i++) assert.ok((await get(keys, p, { alg: "RS256", kid: `made-up-${i + 2}` })).error);
  assert.is(p.hits.jwks, 2, "rate limited: no more fetches within the cooldown");
});

t("rotation: a new kid at the provider is picked up by one refetch; the old one disappears after it", async ({ p, a, b }) => {
  const { keys, clock } = cache({ refetchCooldownMs: 60_000 });
  assert.is((await get(keys, p, { alg: "RS256", kid: "key-a" })).keys.length, 1);
  clock.advance(60_000);
  p.published = [b];
  assert.is((await get(keys, p, { alg: "RS256", kid: "key-b" })).keys.length, 1);
  assert.is(p.hits.jwks, 2);
  assert.ok((await get(keys, p, { alg: "RS256", kid: "key-a" })).error, "key-a no longer published, and the cooldown holds");
  assert.is(p.hits.jwks, 2);
  p.published = [a];
});

t("a kid that exists but does not fit the alg is refused without a refetch", async ({ p, a, ec }) => {
  const { keys } = cache();
  p.published = [a, ec];
  const r = await get(keys, p, { alg: "ES256", kid: "key-a" });
  assert.ok(r.error);
  assert.is((await get(keys, p, { alg: "ES256", kid: "key-ec" })).keys.length, 1);
  assert.is((await get(keys, p, { alg: "RS256" })).keys.length, 1, "no kid: every key fitting the alg");
  assert.is(p.hits.jwks, 1);
});

t("concurrent logins share one fetch", async ({ p }) => {
  const { keys } = cache();
  p.faults.jwksDelayMs = 100;
  const all = await Promise.all(Array.from({ length: 20 }, () => get(keys, p, { alg: "RS256", kid: "key-a" })));
  assert.ok(all.every((r) => r.keys.length === 1));
  assert.is(p.hits.jwks, 1);
  assert.is(keys.fetches, 1);
});

t("provider down with nothing cached: 503, and no new fetch until the cooldown", async ({ p }) => {
  const { keys } = cache();
  p.faults.jwksStatus = 500;
  for (let i = 0; i < 3; i++) {
    try {
      await get(keys, p, { alg: "RS256", kid: "key-a" });
      assert.unreachable("expected 503");
    } catch (e) {
      assert.instance(e, WardenError);
      assert.is((e as WardenError).status, 503);
    }
  }
  assert.is(p.hits.jwks, 1);
});

t("stale keys stay in use when a refresh fails; the refresh succeeds later", async ({ p }) => {
  const { keys, clock } = cache({ maxAgeMs: 60_000, refetchCooldownMs: 60_000 });
  await get(keys, p, { alg: "RS256", kid: "key-a" });
  clock.advance(50_000);
  await get(keys, p, { alg: "RS256", kid: "key-a" });
  assert.is(p.hits.jwks, 1, "not older than maxAge yet");
  clock.advance(10_001);
  p.faults.jwksStatus = 503;
  const h = harness();
  assert.is((await get(keys, p, { alg: "RS256", kid: "key-a" }, h)).keys.length, 1, "old keys still verify");
  assert.match(h.log.text(), /refreshing the JWKS failed/);
  assert.is(p.hits.jwks, 2);
  p.faults = {};
  await get(keys, p, { alg: "RS256", kid: "key-a" });
  assert.is(p.hits.jwks, 2, "the failed refresh started a cooldown");
  clock.advance(60_000);
  await get(keys, p, { alg: "RS256", kid: "key-a" });
  assert.is(p.hits.jwks, 3);
});

t("a config with another key source starts a fresh cache entry", async ({ p }) => {
  const { keys } = cache();
  const h = harness();
  await get(keys, p, { alg: "RS256", kid: "key-a" }, h);
  const viaDiscovery = await keys.candidates(h.http, h.log, { oidc_discovery_url: p.url }, { alg: "RS256", kid: "key-a" });
  assert.is(viaDiscovery.keys.length, 1);
  assert.is(viaDiscovery.discoveredIssuer, p.url);
  assert.is(p.hits.discovery, 1);
  assert.is(p.hits.jwks, 2);
});

t("forget drops the keys: the next use fetches again; another mount's cache is its own", async ({ p }) => {
  const one = cache().keys;
  const other = cache().keys;
  await get(one, p, { alg: "RS256", kid: "key-a" });
  await get(other, p, { alg: "RS256", kid: "key-a" });
  assert.is(p.hits.jwks, 2, "two mounts, two caches");
  one.forget();
  assert.is(one.fetches, 0);
  await get(one, p, { alg: "RS256", kid: "key-a" });
  await get(other, p, { alg: "RS256", kid: "key-a" });
  assert.is(p.hits.jwks, 3, "only the forgotten cache fetched again");
});

t.run();

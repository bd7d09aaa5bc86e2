import { suite } from "uvu";
import * as assert from "uvu/assert";
import { WardenError } from "warden/sdk";
import { cacheTiming, candidateKeys, fetchCount, forgetMount } from "./keyset-cache.js";
import { harness, makeKey, type TestKey } from "./test-support.js";
import { startProvider, type TestProvider } from "./test-provider.js";

interface Ctx {
  p: TestProvider;
  a: TestKey;
  b: TestKey;
  ec: TestKey;
}

const t = suite<Ctx>("jwt key cache");
const saved = { ...cacheTiming };
// The cache reads this clock; tests move it instead of sleeping, so a slow machine cannot outlast a cooldown.
let clockMs = 1_000_000;
const advance = (ms: number): void => {
  clockMs += ms;
};

t.before(async (ctx) => {
  ctx.a = await makeKey("RS256", "key-a");
  ctx.b = await makeKey("RS256", "key-b");
  ctx.ec = await makeKey("ES256", "key-ec");
  ctx.p = await startProvider([ctx.a]);
});
t.after(async ({ p }) => p.close());
t.before.each(({ p, a }) => {
  Object.assign(cacheTiming, saved, { now: () => clockMs });
  p.faults = {};
  p.published = [a];
  p.hits.jwks = 0;
  p.hits.discovery = 0;
});

const get = (mount: string, p: TestProvider, header: { alg: string; kid?: string }, h = harness()) =>
  candidateKeys(mount, h.http, h.log, { jwks_url: p.jwksUrl }, header);

t("known kid: one fetch, then served from the cache", async ({ p }) => {
  const m = "m-known";
  for (let i = 0; i < 5; i++) assert.is((await get(m, p, { alg: "RS256", kid: "key-a" })).keys.length, 1);
  assert.is(p.hits.jwks, 1);
  forgetMount(m);
});

t("unknown kid: exactly one refetch, then refused; further unknown kids wait for the cooldown", async ({ p }) => {
  const m = "m-unknown";
  cacheTiming.refetchCooldownMs = 200;
  await get(m, p, { alg: "RS256", kid: "key-a" });
  assert.ok((await get(m, p, { alg: "RS256", kid: "made-up-0" })).error);
  assert.is(p.hits.jwks, 1, "no refetch right after a fetch: the cooldown counts from any fetch");
  advance(250);
  const r = await get(m, p, { alg: "RS256", kid: "made-up-1" });
  assert.is(r.error, 'no key found for kid "made-up-1"');
  assert.is(p.hits.jwks, 2, "one refetch");
  for (let i = 0; i < 20; i++) assert.ok((await get(m, p, { alg: "RS256", kid: `made-up-${i + 2}` })).error);
  assert.is(p.hits.jwks, 2, "rate limited: no more fetches within the cooldown");
  forgetMount(m);
});

t("rotation: a new kid at the provider is picked up by one refetch; the old one disappears after it", async ({ p, a, b }) => {
  const m = "m-rotate";
  cacheTiming.refetchCooldownMs = 50;
  assert.is((await get(m, p, { alg: "RS256", kid: "key-a" })).keys.length, 1);
  advance(60);
  p.published = [b];
  assert.is((await get(m, p, { alg: "RS256", kid: "key-b" })).keys.length, 1);
  assert.is(p.hits.jwks, 2);
  assert.ok((await get(m, p, { alg: "RS256", kid: "key-a" })).error, "key-a no longer published, and the cooldown holds");
  assert.is(p.hits.jwks, 2);
  p.published = [a];
  forgetMount(m);
});

t("a kid that exists but does not fit the alg is refused without a refetch", async ({ p, a, ec }) => {
  const m = "m-alg";
  p.published = [a, ec];
  const r = await get(m, p, { alg: "ES256", kid: "key-a" });
  assert.ok(r.error);
  assert.is((await get(m, p, { alg: "ES256", kid: "key-ec" })).keys.length, 1);
  assert.is((await get(m, p, { alg: "RS256" })).keys.length, 1, "no kid: every key fitting the alg");
  assert.is(p.hits.jwks, 1);
  forgetMount(m);
});

t("concurrent logins share one fetch", async ({ p }) => {
  const m = "m-concurrent";
  p.faults.jwksDelayMs = 100;
  const all = await Promise.all(Array.from({ length: 20 }, () => get(m, p, { alg: "RS256", kid: "key-a" })));
  assert.ok(all.every((r) => r.keys.length === 1));
  assert.is(p.hits.jwks, 1);
  assert.is(fetchCount(m), 1);
  forgetMount(m);
});

t("provider down with nothing cached: 503, and no new fetch until the cooldown", async ({ p }) => {
  const m = "m-down";
  p.faults.jwksStatus = 500;
  for (let i = 0; i < 3; i++) {
    try {
      await get(m, p, { alg: "RS256", kid: "key-a" });
      assert.unreachable("expected 503");
    } catch (e) {
      assert.instance(e, WardenError);
      assert.is((e as WardenError).status, 503);
    }
  }
  assert.is(p.hits.jwks, 1);
  forgetMount(m);
});

t("stale keys stay in use when a refresh fails; the refresh succeeds later", async ({ p }) => {
  const m = "m-stale";
  cacheTiming.maxAgeMs = 30;
  cacheTiming.refetchCooldownMs = 30;
  await get(m, p, { alg: "RS256", kid: "key-a" });
  advance(40);
  p.faults.jwksStatus = 503;
  const h = harness();
  assert.is((await get(m, p, { alg: "RS256", kid: "key-a" }, h)).keys.length, 1, "old keys still verify");
  assert.match(h.log.text(), /refreshing the JWKS failed/);
  assert.is(p.hits.jwks, 2);
  p.faults = {};
  advance(40);
  await get(m, p, { alg: "RS256", kid: "key-a" });
  assert.is(p.hits.jwks, 3);
  forgetMount(m);
});

t("a config with another key source starts a fresh cache entry", async ({ p }) => {
  const m = "m-config";
  const h = harness();
  await get(m, p, { alg: "RS256", kid: "key-a" }, h);
  const viaDiscovery = await candidateKeys(m, h.http, h.log, { oidc_discovery_url: p.url }, { alg: "RS256", kid: "key-a" });
  assert.is(viaDiscovery.keys.length, 1);
  assert.is(viaDiscovery.discoveredIssuer, p.url);
  assert.is(p.hits.discovery, 1);
  assert.is(p.hits.jwks, 2);
  forgetMount(m);
});

t.run();

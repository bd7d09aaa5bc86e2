// The jwt method's mount instance: each mount's key cache is its own; a config change written on
// another node (invalidate "config"), a missed-changes notice (invalidate undefined) and cleanup
// each drop it, so the next login fetches the keys again; other keys leave it alone.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { HandlerResult } from "warden/sdk";
import { handlerHarness } from "warden/sdk/testing";
import { createJwtPlugin } from "./backend.js";
import { startProvider, type TestProvider } from "./test-provider.js";
import { claimsFor, makeKey, sign, type TestKey } from "./test-support.js";

const t = suite<{ p: TestProvider; key: TestKey }>("jwt mount instance");
t.before(async (ctx) => {
  ctx.key = await makeKey("RS256", "inst-1");
  ctx.p = await startProvider([ctx.key]);
});
t.after(({ p }) => p.close());

async function mount(p: TestProvider) {
  const h = handlerHarness({ type: "jwt", plugin: createJwtPlugin() });
  await h.route("write", "config", { jwks_url: p.jwksUrl });
  await h.route("write", "role/ci", { role_type: "jwt", bound_audiences: "warden", user_claim: "sub", token_policies: "ci" });
  return h;
}

t("invalidate(config), invalidate(undefined) and cleanup drop the mount's keys; other keys do not", async ({ p, key }) => {
  const h = await mount(p);
  const instance = await h.instance();
  const jwt = await sign(key, claimsFor(p.url));
  const login = async () => assert.equal(((await h.route("update", "login", { role: "ci", jwt })) as HandlerResult).auth?.token.policies, ["ci"]);
  const hits = p.hits.jwks;
  await login();
  assert.is(p.hits.jwks, hits, "the config write primed the cache");
  instance.invalidate!("role/ci");
  await login();
  assert.is(p.hits.jwks, hits, "a role change keeps the keys");
  instance.invalidate!("config");
  await login();
  assert.is(p.hits.jwks, hits + 1, "another node's config write: keys fetched again");
  instance.invalidate!(undefined);
  await login();
  assert.is(p.hits.jwks, hits + 2, "changes may have been missed: keys fetched again");
  await instance.cleanup!();
  await login();
  assert.is(p.hits.jwks, hits + 3, "cleanup dropped them");
});

t("two mounts, two caches: one mount's cleanup leaves the other's keys in place", async ({ p, key }) => {
  const a = await mount(p);
  const b = await mount(p);
  const jwt = await sign(key, claimsFor(p.url));
  await (await a.instance()).cleanup!();
  const hits = p.hits.jwks;
  await b.route("update", "login", { role: "ci", jwt });
  assert.is(p.hits.jwks, hits, "b still has its keys");
  await a.route("update", "login", { role: "ci", jwt });
  assert.is(p.hits.jwks, hits + 1, "a fetches again");
});

t.run();

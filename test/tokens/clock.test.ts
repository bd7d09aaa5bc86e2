// The server's clock drives every token time: lookups, renewals against the max TTL, expiry and the
// sweeper. The test moves it forward (TestClock) instead of sleeping.
import * as assert from "uvu/assert";
import { TestClock } from "../../src/sdk/testing/clock.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait-for.js";

const t = suite<{ s: TestServer }>("tokens on the server's clock");
t.before(async (ctx) => {
  ctx.s = await startTestServer({ clock: new TestClock() });
});
t.after(async (ctx) => ctx.s.close());

async function create(s: TestServer, body: Record<string, unknown>): Promise<{ token: string; accessor: string }> {
  const r = await s.request("POST", "auth/token/create", { body });
  assert.is(r.status, 200, r.text);
  return { token: r.body.auth.client_token, accessor: r.body.auth.accessor };
}

t("TestClock: only moves forward, and only when told", () => {
  const c = new TestClock();
  const before = c.now();
  assert.ok(Math.abs(before - Date.now()) < 50);
  c.advance(3_600_000);
  assert.ok(c.now() - Date.now() >= 3_600_000 - 50);
  assert.is(c.offsetMs, 3_600_000);
  assert.throws(() => c.advance(-1), /not a forward step/);
  assert.throws(() => c.advance(Number.NaN), /not a forward step/);
});

t("lookup reports the TTL left by the server's clock, and the expiry it will be refused at", async ({ s }) => {
  const { token } = await create(s, { ttl: "1h" });
  s.clock.advance(30 * 60_000);
  const look = await s.request("GET", "auth/token/lookup-self", { token });
  assert.is(look.status, 200);
  assert.ok(look.body.data.ttl <= 1800 && look.body.data.ttl > 1790, `ttl ${look.body.data.ttl}`);
  s.clock.advance(30 * 60_000);
  assert.is((await s.request("GET", "auth/token/lookup-self", { token })).status, 403, "expired at exactly its TTL");
});

t("renewal late in life is capped by the explicit max, counted on the server's clock", async ({ s }) => {
  const { token } = await create(s, { ttl: "50m", explicit_max_ttl: "1h" });
  s.clock.advance(45 * 60_000);
  const r = await s.request("POST", "auth/token/renew-self", { token, body: { increment: "30m" } });
  assert.is(r.status, 200, r.text);
  assert.ok(r.body.auth.lease_duration <= 900 && r.body.auth.lease_duration > 890, `lease ${r.body.auth.lease_duration}`);
  assert.match(r.body.warnings?.join(" ") ?? "", /capped/);
  s.clock.advance(15 * 60_000);
  assert.is((await s.request("POST", "auth/token/renew-self", { token })).status, 403);
});

t("the sweeper deletes what the server's clock says has expired", async ({ s }) => {
  const { accessor } = await create(s, { ttl: "1m" });
  const lookup = () => s.request("POST", "auth/token/lookup-accessor", { body: { accessor } });
  assert.is((await lookup()).status, 200);
  s.clock.advance(61_000);
  // Expired tokens are refused at once; the background tidy (every 2 s) then removes the row.
  await waitFor("the sweeper to delete the expired token", 10_000, async () => {
    const count = await s.server.core.storage.tokens.listAccessors();
    return !count.includes(accessor);
  });
  assert.is((await lookup()).status, 400);
});

t.run();

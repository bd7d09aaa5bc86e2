/**
 * A rate-limit quota counts per client address, as Vault's: one client over the limit is refused
 * while another, behind the same trusted proxy (X-Forwarded-For), still gets its own allowance.
 */
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";

const t = suite<{ s: TestServer }>("quotas: counted per client address");

t.before(async (ctx) => {
  // The test client is 127.0.0.1, a trusted proxy: its X-Forwarded-For names the client.
  ctx.s = await startTestServer({
    mounts: { approle: "approle" },
    configure: (c) => {
      c.listeners[0]!.xForwardedForAuthorizedAddrs = ["127.0.0.1/32"];
      c.listeners[0]!.xForwardedForRejectNotPresent = false;
    },
  });
});
t.after(async ({ s }) => s?.close());

t("client A over the limit is a 429; client B and the proxy itself still have their allowance", async ({ s }) => {
  const w = await s.request("POST", "sys/quotas/rate-limit/logins", { body: { path: "auth/approle/login", rate: 2, interval: "1m" } });
  assert.is(w.status, 204, w.text);
  const attempt = (from?: string) =>
    s.request("POST", "auth/approle/login", { token: null, body: { role_id: "nope", secret_id: "x" }, headers: from ? { "x-forwarded-for": from } : {} });
  // Refused logins count too: the quota is on requests, not on successes.
  for (let i = 0; i < 2; i++) assert.is((await attempt("10.0.0.1")).status, 400, `client A, attempt ${i + 1}`);
  const over = await attempt("10.0.0.1");
  assert.is(over.status, 429, over.text);
  assert.equal(over.body.errors, ['request path "auth/approle/login": rate limit quota exceeded']);
  for (let i = 0; i < 2; i++) assert.is((await attempt("10.0.0.2")).status, 400, `client B, attempt ${i + 1}: its own allowance`);
  assert.is((await attempt("10.0.0.2")).status, 429, "client B over its own limit");
  assert.is((await attempt()).status, 400, "the proxy's own address is a third client");
  s.clock.advance(60_001);
  assert.is((await attempt("10.0.0.1")).status, 400, "client A served again after the interval");
});

t.run();

/**
 * Quotas over real HTTP: Vault's sys/quotas API, the rate limit on a login path (on the server's
 * TestClock: no sleeping), the lease count freed by a revoke, exempt paths, the most specific quota.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { sampleValue } from "../metrics/scrape.js";
import { waitFor } from "../helpers/wait-for.js";

/** warden_quota_rejections_total of one type, from this server's Prometheus scrape. */
async function rejections(s: TestServer, type: "rate-limit" | "lease-count"): Promise<number> {
  const r = await s.request("GET", "sys/metrics?format=prometheus");
  assert.is(r.status, 200, r.text);
  return sampleValue(r.text, `warden_quota_rejections_total{type="${type}"}`);
}

const t = suite<{ s: TestServer; secret: () => Promise<string> }>("quotas over HTTP");
const M = "auth/approle";

const login = async (ctx: { s: TestServer; secret: () => Promise<string> }) =>
  ctx.s.request("POST", `${M}/login`, { token: null, body: { role_id: "q-role-id", secret_id: await ctx.secret() } });

t.before(async (ctx) => {
  ctx.s = await startTestServer();
  const { s } = ctx;
  assert.is((await s.request("POST", "sys/auth/approle", { body: { type: "approle" } })).status, 204);
  assert.is((await s.request("POST", `${M}/role/q`, { body: { role_id: "q-role-id", token_ttl: "1h" } })).status, 204);
  ctx.secret = async () => {
    const r = await s.request("POST", `${M}/role/q/secret-id`, { body: {} });
    assert.is(r.status, 200, r.text);
    return r.body.data.secret_id as string;
  };
});
t.after(async ({ s }) => s.close());

t("bad input is a 400 and stores nothing", async ({ s }) => {
  // "*" and "/*" name no mount (a bare glob once sent the mount lookup into an endless loop).
  for (const body of [{ rate: 0 }, { rate: -1 }, { rate: "many" }, { rate: 5, interval: "-1s" }, { rate: 5, path: "auth/nowhere/" }, { rate: 5, interval: "soon" }, { rate: 5, path: "*" }, { rate: 5, path: "/*" }]) {
    const r = await s.request("POST", "sys/quotas/rate-limit/bad", { body });
    assert.is(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
  }
  for (const body of [{ max_leases: 0 }, { max_leases: "x" }, { max_leases: 3, path: "nope/" }, { max_leases: 3, path: "*" }]) {
    assert.is((await s.request("POST", "sys/quotas/lease-count/bad", { body })).status, 400, JSON.stringify(body));
  }
  assert.is((await s.request("GET", "sys/quotas/rate-limit/bad")).status, 404);
  assert.is((await s.request("GET", "sys/quotas/lease-count?list=true")).status, 404);
});

t("rate limit on auth/approle/login: the N+1th login within the interval is a 429, served again after it", async (ctx) => {
  const { s } = ctx;
  assert.is((await s.request("POST", "sys/quotas/config", { body: { enable_rate_limit_response_headers: true } })).status, 204);
  const w = await s.request("POST", "sys/quotas/rate-limit/logins", { body: { path: "auth/approle/login", rate: 3, interval: "10s" } });
  assert.is(w.status, 204, w.text);
  const r = await s.request("GET", "sys/quotas/rate-limit/logins");
  assert.equal(
    { name: r.body.data.name, path: r.body.data.path, type: r.body.data.type, rate: r.body.data.rate, interval: r.body.data.interval, block_interval: r.body.data.block_interval },
    { name: "logins", path: "auth/approle/login", type: "rate-limit", rate: 3, interval: 10, block_interval: 0 },
  );
  assert.equal((await s.request("GET", "sys/quotas/rate-limit?list=true")).body.data.keys, ["logins"]);
  const secrets = [await ctx.secret(), await ctx.secret(), await ctx.secret(), await ctx.secret()];
  const rejectedBefore = await rejections(s, "rate-limit");
  for (let i = 0; i < 3; i++) {
    const ok = await s.request("POST", `${M}/login`, { token: null, body: { role_id: "q-role-id", secret_id: secrets[i] } });
    assert.is(ok.status, 200, ok.text);
    assert.is(ok.headers.get("x-ratelimit-limit"), "3");
    assert.is(ok.headers.get("x-ratelimit-remaining"), String(2 - i));
  }
  const refused = await s.request("POST", `${M}/login`, { token: null, body: { role_id: "q-role-id", secret_id: secrets[3] } });
  assert.is(refused.status, 429, refused.text);
  assert.equal(refused.body.errors, ['request path "auth/approle/login": rate limit quota exceeded']);
  assert.ok(Number(refused.headers.get("retry-after")) > 0);
  assert.is(await rejections(s, "rate-limit"), rejectedBefore + 1, "one refusal, counted once");
  // Refused before the handler: the secret id was not used.
  s.clock.advance(10_001);
  const again = await s.request("POST", `${M}/login`, { token: null, body: { role_id: "q-role-id", secret_id: secrets[3] } });
  assert.is(again.status, 200, again.text);
  // Other paths of the mount are not under this path quota.
  assert.is((await s.request("GET", `${M}/role/q`)).status, 200);
  assert.is((await s.request("DELETE", "sys/quotas/rate-limit/logins")).status, 204);
});

t("exempt paths are never limited; the most specific quota wins", async (ctx) => {
  const { s } = ctx;
  // Exempt: sys/mounts and sys/quotas/* keep working for the operator while the global one bites.
  assert.is((await s.request("POST", "sys/quotas/config", { body: { rate_limit_exempt_paths: ["sys/quotas", "sys/auth", `${M}/role`] } })).status, 204);
  // A global limit of 2 per minute, and a mount quota of 5: logins follow the mount's.
  assert.is((await s.request("POST", "sys/quotas/rate-limit/global", { body: { rate: 2, interval: "1m" } })).status, 204);
  assert.is((await s.request("POST", "sys/quotas/rate-limit/approle", { body: { path: "auth/approle", rate: 5, interval: "1m" } })).status, 204);
  assert.is((await s.request("GET", "sys/quotas/rate-limit/approle")).body.data.path, "auth/approle/");
  for (let i = 0; i < 5; i++) assert.is((await s.request("GET", "sys/auth")).status, 200, `exempt request ${i}`);
  const secrets = await Promise.all([1, 2, 3, 4, 5, 6].map(() => ctx.secret()));
  for (let i = 0; i < 5; i++) {
    const r = await s.request("POST", `${M}/login`, { token: null, body: { role_id: "q-role-id", secret_id: secrets[i] } });
    assert.is(r.status, 200, `login ${i} under the mount quota (5), not the global (2): ${r.text}`);
  }
  assert.is((await s.request("POST", `${M}/login`, { token: null, body: { role_id: "q-role-id", secret_id: secrets[5] } })).status, 429);
  // A non-exempt path under only the global quota: 2 then 429.
  assert.is((await s.request("GET", "sys/policies/acl/default")).status, 200);
  assert.is((await s.request("GET", "sys/policies/acl/default")).status, 200);
  assert.is((await s.request("GET", "sys/policies/acl/default")).status, 429);
  assert.is((await s.request("DELETE", "sys/quotas/rate-limit/global")).status, 204);
  assert.is((await s.request("DELETE", "sys/quotas/rate-limit/approle")).status, 204);
  assert.is((await s.request("GET", "sys/policies/acl/default")).status, 200);
  const cfg = await s.request("GET", "sys/quotas/config");
  assert.equal(cfg.body.data.rate_limit_exempt_paths, ["sys/quotas", "sys/auth", `${M}/role`]);
  assert.is(cfg.body.data.enable_rate_limit_response_headers, true);
  assert.is((await s.request("POST", "sys/quotas/config", { body: { rate_limit_exempt_paths: ["sys/health"] } })).status, 204);
});

t("lease count: the login over max_leases is a 429; a revoke frees a slot", async (ctx) => {
  const { s } = ctx;
  assert.is((await s.request("POST", "sys/quotas/lease-count/approle", { body: { path: "auth/approle/", max_leases: 2 } })).status, 204);
  // The earlier tests' tokens (1h) expire: an expired token holds no slot, even before the sweeper.
  s.clock.advance(3_601_000);
  const live: string[] = [];
  while (live.length < 2) {
    const r = await login(ctx);
    assert.is(r.status, 200, r.text);
    live.push(r.body.auth.client_token);
  }
  const rejectedBefore = await rejections(s, "lease-count");
  const refused = await login(ctx);
  assert.is(refused.status, 429, refused.text);
  assert.equal(refused.body.errors, ['request path "auth/approle/login": lease count quota exceeded']);
  assert.is(await rejections(s, "lease-count"), rejectedBefore + 1, "one refusal, counted once");
  assert.is((await s.request("POST", "auth/token/revoke-self", { token: live[0] })).status, 204);
  const freed = await login(ctx);
  assert.is(freed.status, 200, freed.text);
  assert.is((await s.request("GET", "sys/quotas/lease-count/approle")).body.data.max_leases, 2);
  assert.is((await s.request("DELETE", "sys/quotas/lease-count/approle")).status, 204);
  assert.is((await login(ctx)).status, 200);
});

t("block_interval holds the client out past the window; a role quota needs an auth mount, and a `role` field names no AppRole role", async ({ s }) => {
  const w = await s.request("POST", "sys/quotas/rate-limit/blocky", { body: { path: "auth/approle/role/q", rate: 1, interval: "1s", block_interval: "30s" } });
  assert.is(w.status, 204, w.text);
  assert.is((await s.request("GET", `${M}/role/q`)).status, 200);
  const blocked = await s.request("GET", `${M}/role/q`);
  assert.is(blocked.status, 429);
  assert.is(blocked.headers.get("retry-after"), "30");
  s.clock.advance(2_000);
  assert.is((await s.request("GET", `${M}/role/q`)).status, 429, "still blocked after the 1s window");
  s.clock.advance(29_000);
  assert.is((await s.request("GET", `${M}/role/q`)).status, 200);
  assert.is((await s.request("DELETE", "sys/quotas/rate-limit/blocky")).status, 204);
  // role: only on an auth mount path. AppRole names the role by role_id (test/quotas/e2e-role-quotas),
  // so a `role` field with an unknown role_id is under no role quota: refused by the login, never 429.
  assert.is((await s.request("POST", "sys/quotas/rate-limit/r", { body: { path: "sys/", role: "x", rate: 1 } })).status, 400);
  assert.is((await s.request("POST", "sys/quotas/rate-limit/r", { body: { path: "auth/approle", role: "other", rate: 1, interval: "1h" } })).status, 204);
  for (let i = 0; i < 3; i++) assert.is((await s.request("POST", `${M}/login`, { token: null, body: { role: "other", role_id: "nope", secret_id: "x" } })).status, 400);
  assert.is((await s.request("DELETE", "sys/quotas/rate-limit/r")).status, 204);
});

t("rate-limit refusals reach the audit log only with enable_rate_limit_audit_logging", async ({ s }) => {
  const dir = mkdtempSync(join(tmpdir(), "warden-quota-audit-"));
  try {
    const file = join(dir, "audit.log");
    assert.is((await s.request("PUT", "sys/audit/qfile", { body: { type: "file", options: { file_path: file } } })).status, 204);
    assert.is((await s.request("POST", "sys/quotas/rate-limit/a", { body: { path: "auth/approle/role/q", rate: 1, interval: "1h" } })).status, 204);
    assert.is((await s.request("GET", `${M}/role/q`)).status, 200);
    assert.is((await s.request("GET", `${M}/role/q`)).status, 429);
    assert.not.match(readFileSync(file, "utf8"), "rate limit quota exceeded");
    assert.is((await s.request("POST", "sys/quotas/config", { body: { enable_rate_limit_audit_logging: true } })).status, 204);
    assert.is((await s.request("GET", `${M}/role/q`)).status, 429);
    assert.match(readFileSync(file, "utf8"), "rate limit quota exceeded");
    assert.is((await s.request("DELETE", "sys/quotas/rate-limit/a")).status, 204);
    assert.is((await s.request("DELETE", "sys/audit/qfile")).status, 204);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Sends a POST's headers announcing `announced` body bytes and only the first `sent` of them; resolves
 * with what the server answered while the rest of the body is still outstanding ("" if nothing).
 */
async function partialPost(s: TestServer, path: string, announced: number, sent: string, waitMs: number): Promise<string> {
  const url = new URL(s.url);
  const socket = connect(Number(url.port), url.hostname);
  let answer = "";
  socket.on("data", (d: Buffer) => (answer += d.toString("latin1")));
  socket.on("error", () => undefined);
  await new Promise((r) => socket.once("connect", r));
  socket.write(`POST /v1/${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${announced}\r\n\r\n${sent}`);
  try {
    await waitFor("an answer before the body is complete", waitMs, async () => answer.includes("\r\n\r\n"));
  } catch {
    // No answer while the body is outstanding: what a request under the limit gets.
  }
  socket.destroy();
  return answer;
}

t("over the limit, the 429 comes before the body is read (and is audited when asked); under it, the body is read", async (ctx) => {
  const { s } = ctx;
  const dir = mkdtempSync(join(tmpdir(), "warden-quota-early-"));
  try {
    const file = join(dir, "audit.log");
    assert.is((await s.request("PUT", "sys/audit/early", { body: { type: "file", options: { file_path: file } } })).status, 204);
    assert.is((await s.request("POST", "sys/quotas/config", { body: { enable_rate_limit_audit_logging: true, enable_rate_limit_response_headers: true } })).status, 204);
    assert.is((await s.request("POST", "sys/quotas/rate-limit/early", { body: { path: `${M}/login`, rate: 1, interval: "1h" } })).status, 204);
    // Under the limit the server waits for the body it was promised: no answer yet.
    assert.is(await partialPost(s, `${M}/login`, 1_000_000, '{"role_id":', 500), "", "under the limit the body is awaited");
    // That request took the one slot; the next is refused with 1 MB of body still unsent.
    const answer = await partialPost(s, `${M}/login`, 1_000_000, '{"role_id":', 10_000);
    assert.match(answer, /^HTTP\/1\.1 429 /, answer);
    assert.match(answer, /rate limit quota exceeded/);
    assert.match(answer.toLowerCase(), /x-ratelimit-remaining: 0/);
    assert.match(answer.toLowerCase(), /retry-after: \d+/);
    // A complete refused login: the same 429 through the ordinary client, and audited.
    const refused = await login(ctx);
    assert.is(refused.status, 429, refused.text);
    await waitFor("the refusal in the audit log", 5_000, async () => readFileSync(file, "utf8").includes("rate limit quota exceeded"));
    assert.is((await s.request("DELETE", "sys/quotas/rate-limit/early")).status, 204);
    assert.is((await s.request("POST", "sys/quotas/config", { body: { enable_rate_limit_audit_logging: false } })).status, 204);
    assert.is((await s.request("DELETE", "sys/audit/early")).status, 204);
    assert.is((await login(ctx)).status, 200, "served again once the quota is gone");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();

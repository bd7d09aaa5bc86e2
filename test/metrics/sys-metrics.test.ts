/** sys/metrics over real HTTP: access rules, Prometheus and JSON forms, exact counters, bounded labels, no secrets. */
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { sampleValue } from "./scrape.js";

const t = suite<{ s: TestServer; secrets: string[] }>("sys/metrics");

const PROM = "sys/metrics?format=prometheus";

async function scrape(s: TestServer, token?: string | null): Promise<string> {
  const r = await s.request("GET", PROM, { token });
  assert.is(r.status, 200, r.text);
  return r.text;
}

async function newSecretId(s: TestServer, role: string, secrets: string[]): Promise<string> {
  const r = await s.request("POST", `auth/approle/role/${role}/secret-id`);
  assert.is(r.status, 200, r.text);
  secrets.push(r.body.data.secret_id, r.body.data.secret_id_accessor);
  return r.body.data.secret_id as string;
}

t.before(async (ctx) => {
  ctx.s = await startTestServer();
  ctx.secrets = [ctx.s.rootToken];
  await ctx.s.enableAuth("approle", "approle");
  const role = await ctx.s.request("POST", "auth/approle/role/Metrics-Role-x91", { body: { token_policies: "default", role_id: "role-id-q7w8e9" } });
  assert.is(role.status, 204, role.text);
  ctx.secrets.push("role-id-q7w8e9");
});
t.after(async ({ s }) => s.close());

t("warden_tokens_live: the number of tokens, counted at most once per refresh period", async ({ s }) => {
  // First scrape of this server: the count is read now (root + the tokens made here).
  for (let i = 0; i < 3; i++) assert.is((await s.request("POST", "auth/token/create", { body: { ttl: "1h" } })).status, 200);
  const first = await scrape(s);
  assert.is(sampleValue(first, "warden_tokens_live"), 4);
  assert.is((await s.request("POST", "auth/token/create", { body: { ttl: "1h" } })).status, 200);
  // Within the refresh period the cached count is served: the table is not counted on every scrape.
  assert.is(sampleValue(await scrape(s), "warden_tokens_live"), 4);
  assert.is(sampleValue(first, "warden_sealed"), 0);
});

t("Prometheus text format: every fixed name, prom-client's defaults, text/plain", async ({ s }) => {
  const r = await s.request("GET", PROM);
  assert.is(r.status, 200);
  assert.match(r.headers.get("content-type") ?? "", /^text\/plain/);
  for (const name of [
    "warden_login_requests_total",
    "warden_request_duration_seconds",
    "warden_tokens_live",
    "warden_upstream_requests_total",
    "warden_upstream_request_duration_seconds",
    "warden_audit_failures_total",
    "warden_quota_rejections_total",
    "warden_sealed",
    "process_cpu_user_seconds_total",
    "nodejs_heap_size_total_bytes",
  ]) {
    assert.ok(r.text.includes(`# TYPE ${name} `), `missing ${name}`);
  }
});

t("access: no token 403, a token without read on sys/metrics 403, with it 200", async ({ s }) => {
  assert.is((await s.request("GET", PROM, { token: null })).status, 403);
  const plain = await s.request("POST", "auth/token/create", { body: { policies: ["default"], ttl: "1h" } });
  assert.is((await s.request("GET", PROM, { token: plain.body.auth.client_token })).status, 403);
  const pol = await s.request("PUT", "sys/policies/acl/metrics-reader", { body: { policy: 'path "sys/metrics" { capabilities = ["read"] }' } });
  assert.is(pol.status, 204, pol.text);
  const reader = await s.request("POST", "auth/token/create", { body: { policies: ["metrics-reader"], ttl: "1h" } });
  assert.is((await s.request("GET", PROM, { token: reader.body.auth.client_token })).status, 200);
});

t("format: absent -> Vault's JSON form; unknown -> 400", async ({ s }) => {
  const r = await s.request("GET", "sys/metrics");
  assert.is(r.status, 200, r.text);
  assert.ok(typeof r.body.Timestamp === "string");
  assert.ok(r.body.Gauges.some((g: { Name: string }) => g.Name === "warden_tokens_live"));
  assert.ok(r.body.Samples.some((g: { Name: string }) => g.Name === "warden_request_duration_seconds"));
  const bad = await s.request("GET", "sys/metrics?format=statsd");
  assert.is(bad.status, 400);
  assert.match(bad.body.errors[0], /unsupported metrics format/);
});

t("warden_login_requests_total moves by exactly the number of logins, by outcome", async (ctx) => {
  const { s } = ctx;
  const ok = 'warden_login_requests_total{mount="auth/approle/",outcome="success"}';
  const ko = 'warden_login_requests_total{mount="auth/approle/",outcome="failure"}';
  const before = await scrape(s);
  const successes = 5;
  const failures = 3;
  for (let i = 0; i < successes; i++) {
    const auth = await s.login("auth/approle/login", { role_id: "role-id-q7w8e9", secret_id: await newSecretId(s, "metrics-role-x91", ctx.secrets) });
    ctx.secrets.push(auth.client_token, auth.accessor);
  }
  for (let i = 0; i < failures; i++) {
    const wrongSecret = `wrong-secret-${i}-zz81`;
    ctx.secrets.push(wrongSecret);
    const r = await s.request("POST", "auth/approle/login", { token: null, body: { role_id: "role-id-q7w8e9", secret_id: wrongSecret } });
    assert.ok(r.status >= 400, r.text);
  }
  const after = await scrape(s);
  assert.is(sampleValue(after, ok) - sampleValue(before, ok), successes);
  assert.is(sampleValue(after, ko) - sampleValue(before, ko), failures);
});

t("warden_request_duration_seconds: counts exactly, labelled by the declared route, never the raw path", async ({ s }) => {
  const lookup = 'warden_request_duration_seconds_count{method="GET",route="auth/token/lookup-self"}';
  const roleRead = 'warden_request_duration_seconds_count{method="GET",route="auth/approle/role/:role_name"}';
  const before = await scrape(s);
  for (let i = 0; i < 7; i++) assert.is((await s.request("GET", "auth/token/lookup-self")).status, 200);
  for (let i = 0; i < 2; i++) assert.is((await s.request("GET", "auth/approle/role/metrics-role-x91")).status, 200);
  assert.is((await s.request("GET", "auth/approle/role/no-such-role-p4")).status, 404);
  assert.is((await s.request("GET", "nosuchmount-k2/anything-j3")).status, 404);
  const after = await scrape(s);
  assert.is(sampleValue(after, lookup) - sampleValue(before, lookup), 7);
  assert.is(sampleValue(after, roleRead) - sampleValue(before, roleRead), 3);
  assert.ok(after.includes('route="sys/*"'));
  assert.ok(after.includes('route="unmatched"'));
  for (const raw of ["metrics-role-x91", "Metrics-Role-x91", "no-such-role-p4", "nosuchmount-k2", "anything-j3"]) assert.not.ok(after.includes(raw), raw);
});

t("no token, accessor, secret or client address in the scrape", async ({ s, secrets }) => {
  const text = await scrape(s);
  const json = (await s.request("GET", "sys/metrics")).text;
  assert.ok(secrets.length > 10);
  for (const secret of secrets) {
    assert.not.ok(text.includes(secret), "secret in the Prometheus scrape");
    assert.not.ok(json.includes(secret), "secret in the JSON form");
  }
  assert.not.ok(text.includes("127.0.0.1"));
});

t.run();

const open = suite<{ s: TestServer }>("sys/metrics: unauthenticated_metrics_access and prometheus_retention_time");
open.before(async (ctx) => {
  ctx.s = await startTestServer({
    configure: (c) => {
      c.listeners[0]!.unauthenticatedMetricsAccess = true;
    },
  });
});
open.after(async ({ s }) => s.close());

open("the listener serves sys/metrics without a token", async ({ s }) => {
  const r = await s.request("GET", PROM, { token: null });
  assert.is(r.status, 200, r.text);
  assert.ok(r.text.includes("# TYPE warden_sealed gauge"));
  assert.is((await s.request("GET", "sys/metrics?format=bogus", { token: null })).status, 400);
});

open("warden_audit_failures_total counts exactly the entries a device failed to write", async ({ s }) => {
  const { mkdtempSync, rmSync, mkdirSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "warden-metrics-audit-"));
  const file = join(dir, "audit.log");
  const en = await s.request("PUT", "sys/audit/file", { body: { type: "file", options: { file_path: file } } });
  assert.is(en.status, 204, en.text);
  const name = "warden_audit_failures_total";
  const before = sampleValue(await scrape(s, null), name);
  const reportedBefore = s.logs.filter((l) => l.includes("failed to log the")).length;
  // A directory where the file was: every write of the device fails (fail closed: the request gets a 500).
  rmSync(file);
  mkdirSync(file);
  assert.is((await s.request("GET", "sys/mounts")).status, 500);
  const after = sampleValue(await scrape(s, null), name);
  const reported = s.logs.filter((l) => l.includes("failed to log the")).length - reportedBefore;
  assert.ok(reported > 0);
  assert.is(after - before, reported);
  rmSync(dir, { recursive: true, force: true });
});

open.run();

const off = suite<{ s: TestServer }>("sys/metrics: prometheus_retention_time = 0");
off.before(async (ctx) => {
  ctx.s = await startTestServer({
    configure: (c) => {
      c.telemetry = { prometheusRetentionSeconds: 0, disableHostname: true };
    },
  });
});
off.after(async ({ s }) => s.close());

off("the Prometheus form is off (Vault's 400), the JSON form still answers", async ({ s }) => {
  const r = await s.request("GET", PROM);
  assert.is(r.status, 400);
  assert.equal(r.body.errors, ["prometheus is not enabled"]);
  assert.is((await s.request("GET", "sys/metrics")).status, 200);
});

off.run();

const sealed = suite<{ s: TestServer }>("sys/metrics on a sealed node");
sealed.before(async (ctx) => {
  ctx.s = await startTestServer({
    skipInit: true,
    configure: (c) => {
      c.listeners[0]!.unauthenticatedMetricsAccess = true;
    },
  });
});
sealed.after(async ({ s }) => s.close());

sealed("an open listener still answers, with warden_sealed 1; once unsealed it is 0", async ({ s }) => {
  assert.is(sampleValue(await scrape(s, null), "warden_sealed"), 1);
  const init = await s.request("PUT", "sys/init", { token: null, body: { secret_shares: 1, secret_threshold: 1 } });
  assert.is(init.status, 200, init.text);
  const unseal = await s.request("PUT", "sys/unseal", { token: null, body: { key: init.body.keys_base64[0] } });
  assert.is(unseal.status, 200, unseal.text);
  assert.is(unseal.body.sealed, false);
  assert.is(sampleValue(await scrape(s, null), "warden_sealed"), 0);
});

sealed.run();

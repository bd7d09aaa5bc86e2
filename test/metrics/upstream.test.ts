// Upstream metrics: the SDK client reports every call it sent (and only those) with the service the
// plugin named; the registry counts each exactly once under a bounded service label.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as assert from "uvu/assert";
import { Metrics } from "../../src/core/metrics/metrics.js";
import { createHttpClient } from "../../src/sdk/index.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
import { sampleValue } from "./scrape.js";

const t = suite<{ origin: string; close(): Promise<void> }>("upstream metrics");

t.before(async (ctx) => {
  const server = createServer((req, res) => {
    res.writeHead(req.url === "/down" ? 503 : req.url === "/denied" ? 403 : 200).end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  ctx.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx.close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r()));
  };
});
t.after(async (ctx) => ctx.close());

t("observe: every sent call once, with its service and outcome; refused calls are not upstream calls", async ({ origin }) => {
  const seen: Array<[string | undefined, string]> = [];
  const http = createHttpClient({ observe: (service, outcome, seconds) => {
    assert.ok(seconds >= 0 && seconds < 10);
    seen.push([service, outcome]);
  }, allowOrigin: (o) => o === origin });
  await http.request({ method: "GET", url: `${origin}/ok`, service: "jwks" });
  await http.request({ method: "GET", url: `${origin}/denied`, service: "sts" });
  await http.request({ method: "GET", url: `${origin}/down`, service: "sts" });
  await http.request({ method: "POST", url: `${origin}/ok`, body: "x" });
  await http.request({ method: "GET", url: "http://127.0.0.1:1/refused", service: "sts" }).catch(() => undefined);
  const closed = `http://127.0.0.1:${await freePort()}`;
  const direct = createHttpClient({ observe: (service, outcome) => seen.push([service, outcome]) });
  await direct.request({ method: "GET", url: `${closed}/nobody`, service: "oci_auth" }).catch(() => undefined);
  assert.equal(seen, [
    ["jwks", "success"],
    ["sts", "success"],
    ["sts", "failure"],
    [undefined, "success"],
    ["oci_auth", "failure"],
  ]);
});

t("Metrics: upstream counts and durations by service, odd names as \"other\"; quota rejections by type", async () => {
  const m = new Metrics({ defaultMetrics: false });
  for (let i = 0; i < 4; i++) m.upstream("sts", "success", 0.01);
  m.upstream("sts", "failure", 2);
  m.upstream("https://evil.example/a?token=abc", "success", 0.1);
  m.upstream(undefined, "failure", 0.1);
  m.quotaRejected("rate-limit");
  m.quotaRejected("rate-limit");
  m.quotaRejected("lease-count");
  const text = await m.prometheus();
  assert.is(sampleValue(text, 'warden_upstream_requests_total{service="sts",outcome="success"}'), 4);
  assert.is(sampleValue(text, 'warden_upstream_requests_total{service="sts",outcome="failure"}'), 1);
  assert.is(sampleValue(text, 'warden_upstream_requests_total{service="other",outcome="success"}'), 1);
  assert.is(sampleValue(text, 'warden_upstream_requests_total{service="other",outcome="failure"}'), 1);
  assert.is(sampleValue(text, 'warden_upstream_request_duration_seconds_count{service="sts"}'), 5);
  assert.is(sampleValue(text, 'warden_quota_rejections_total{type="rate-limit"}'), 2);
  assert.is(sampleValue(text, 'warden_quota_rejections_total{type="lease-count"}'), 1);
  assert.not.ok(text.includes("evil.example"));
  assert.not.ok(text.includes("token=abc"));
  // No default process metrics when asked not to (a second registry in one process, e.g. tests).
  assert.not.ok(text.includes("process_cpu"));
});

t("request histogram: cumulative buckets, +Inf, sum and count per method and route; login counters per mount", async () => {
  const m = new Metrics({ defaultMetrics: false });
  const route = m.route("auth/x/login", "auth/x/");
  m.observeRequest(route, "PUT", 0.003);
  m.observeRequest(route, "PUT", 0.003);
  m.observeRequest(route, "PUT", 20);
  m.observeRequest(route, "GET", 0.0001);
  route.login!.success.inc();
  route.login!.failure.inc();
  route.login!.failure.inc();
  const text = await m.prometheus();
  const s = (labels: string) => sampleValue(text, `warden_request_duration_seconds_${labels}`);
  assert.is(s('bucket{method="PUT",route="auth/x/login",le="0.0025"}'), 0);
  assert.is(s('bucket{method="PUT",route="auth/x/login",le="0.005"}'), 2);
  assert.is(s('bucket{method="PUT",route="auth/x/login",le="10"}'), 2);
  assert.is(s('bucket{method="PUT",route="auth/x/login",le="+Inf"}'), 3);
  assert.is(s('count{method="PUT",route="auth/x/login"}'), 3);
  assert.ok(Math.abs(s('sum{method="PUT",route="auth/x/login"}') - 20.006) < 1e-9);
  assert.is(s('count{method="GET",route="auth/x/login"}'), 1);
  assert.is(sampleValue(text, 'warden_login_requests_total{mount="auth/x/",outcome="success"}'), 1);
  assert.is(sampleValue(text, 'warden_login_requests_total{mount="auth/x/",outcome="failure"}'), 2);
  // The same route asked for again is the same series (kept by the caller, never rebuilt).
  assert.is(m.route("auth/x/login", "auth/x/"), route);
});

t.run();

import { createRequire } from "node:module";
import type { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { type CounterSeries, type HistogramSeries, SeriesCounter, SeriesHistogram } from "./series.js";

/**
 * The server's metrics (one registry per server, so several servers in one process, as in tests,
 * never share counts). Names are fixed (docs/interface: dashboards use them). Labels are only ever
 * bounded values: a mount path, a declared path pattern, an HTTP method, an outcome word, a service
 * name a plugin declares. Never a token, accessor, secret, raw request path or client address.
 *
 * The request path pays no label work: the series of a route are made once (see RouteMetrics) and
 * kept by the caller; an event adds numbers to them (series.ts) and allocates nothing.
 */

export type UpstreamOutcome = "success" | "failure";

/** What a request's route records into: made once per (mount, declared path). */
export interface RouteMetrics {
  /** The bounded route label ("auth/approle/login", "sys/*", "unmatched"). */
  readonly route: string;
  /** Set for login paths only: the mount's success and failure counters. */
  readonly login?: { success: CounterSeries; failure: CounterSeries };
  /** Duration series per HTTP method, made on first use. */
  readonly byMethod: Map<string, HistogramSeries>;
}

/** Default token-count refresh: a scrape never counts the token table more often than this. */
export const TOKENS_LIVE_REFRESH_MS = 10_000;

/**
 * prom-client's parts, each required alone: its index loads all of it (push gateway, cluster
 * aggregation, every default metric and through them @opentelemetry/api: ~75 CommonJS modules, ~20 ms
 * of every start), while a server needs the registry, counters and gauges to start and the default
 * metrics only when it is first scraped.
 */
const requireProm = createRequire(import.meta.url);
const prom = {
  Registry: requireProm("prom-client/lib/registry") as typeof Registry,
  Counter: requireProm("prom-client/lib/counter") as typeof Counter,
  Gauge: requireProm("prom-client/lib/gauge") as typeof Gauge,
  collectDefaultMetrics: (): typeof collectDefaultMetrics => requireProm("prom-client/lib/defaultMetrics") as typeof collectDefaultMetrics,
};

/** Service names a plugin may give its outbound calls; anything else is recorded as "other". */
const SERVICE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** Seconds buckets: a cached lookup is well under a millisecond, a login with an upstream call up to seconds. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  /** How stale warden_tokens_live may be (default TOKENS_LIVE_REFRESH_MS). */
  tokensLiveRefreshMs?: number;
  /**
   * prom-client's default process_* / nodejs_* metrics (default on), registered on the first scrape:
   * their GC and event-loop-lag histograms count from then on.
   */
  defaultMetrics?: boolean;
  /** telemetry prometheus_retention_time in seconds; 0 turns ?format=prometheus off, as in Vault (default 24h). */
  prometheusRetentionSeconds?: number;
}

export class Metrics {
  private readonly registry = new prom.Registry();
  /** The default metrics are still to be registered (on the first scrape). */
  private defaultsPending: boolean;
  /** False when prometheus_retention_time is 0 (Vault: the Prometheus sink is off). */
  readonly prometheusEnabled: boolean;
  private readonly logins: SeriesCounter;
  private readonly durations: SeriesHistogram;
  private readonly upstreamCount: SeriesCounter;
  private readonly upstreamSeconds: SeriesHistogram;
  private readonly auditFailures: Counter;
  private readonly quotaRejections: Counter<"type">;
  private readonly upstreamChildren = new Map<string, { success: CounterSeries; failure: CounterSeries; seconds: HistogramSeries }>();
  private readonly routes = new Map<string, RouteMetrics>();
  /** The route of requests that matched no declared path. */
  readonly unmatched: RouteMetrics;
  private tokensSource: (() => Promise<number>) | undefined;
  private tokensValue = 0;
  private tokensAt = -Infinity;
  private sealedSource: (() => boolean) | undefined;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.prometheusEnabled = options.prometheusRetentionSeconds !== 0;
    const refreshMs = options.tokensLiveRefreshMs ?? TOKENS_LIVE_REFRESH_MS;
    const r = this.registry;
    this.logins = new SeriesCounter("warden_login_requests_total", "Login requests by auth mount and outcome.", r);
    this.durations = new SeriesHistogram("warden_request_duration_seconds", "Time to answer a request, by HTTP method and mount-level route.", DURATION_BUCKETS, r);
    this.upstreamCount = new SeriesCounter("warden_upstream_requests_total", "Outbound calls to identity services (STS, OCI, JWKS/discovery, KMS) by outcome.", r);
    this.upstreamSeconds = new SeriesHistogram("warden_upstream_request_duration_seconds", "Time of outbound calls to identity services.", DURATION_BUCKETS, r);
    this.auditFailures = new prom.Counter({ name: "warden_audit_failures_total", help: "Audit entries an audit device failed to write.", registers });
    this.quotaRejections = new prom.Counter({ name: "warden_quota_rejections_total", help: "Requests refused by a quota, by quota type.", labelNames: ["type"], registers });
    const metrics = this;
    new prom.Gauge({
      name: "warden_tokens_live",
      help: `Tokens in storage (refreshed at most every ${refreshMs / 1000}s).`,
      registers,
      async collect() {
        this.set(await metrics.tokensLive(refreshMs));
      },
    });
    new prom.Gauge({
      name: "warden_sealed",
      help: "1 while this node is sealed, else 0.",
      registers,
      collect() {
        this.set(metrics.sealedSource?.() ? 1 : 0);
      },
    });
    this.unmatched = this.route("unmatched");
    this.defaultsPending = options.defaultMetrics !== false;
  }

  /** The children a route records into; `login` names the auth mount when the route is a login path. */
  route(route: string, loginMount?: string): RouteMetrics {
    const key = loginMount ? `${route}\n${loginMount}` : route;
    let r = this.routes.get(key);
    if (!r) {
      r = {
        route,
        byMethod: new Map(),
        ...(loginMount ? { login: { success: this.logins.with({ mount: loginMount, outcome: "success" }), failure: this.logins.with({ mount: loginMount, outcome: "failure" }) } } : {}),
      };
      this.routes.set(key, r);
    }
    return r;
  }

  /** Records one request's duration under its route and method (methods are a handful of words). */
  observeRequest(route: RouteMetrics, method: string, seconds: number): void {
    let child = route.byMethod.get(method);
    if (!child) {
      child = this.durations.with({ method, route: route.route });
      route.byMethod.set(method, child);
    }
    child.observe(seconds);
  }

  /** One outbound call of `service` (an unknown-looking name is recorded as "other"). */
  upstream(service: string | undefined, outcome: UpstreamOutcome, seconds: number): void {
    const name = service !== undefined && SERVICE_NAME.test(service) ? service : "other";
    let c = this.upstreamChildren.get(name);
    if (!c) {
      c = {
        success: this.upstreamCount.with({ service: name, outcome: "success" }),
        failure: this.upstreamCount.with({ service: name, outcome: "failure" }),
        seconds: this.upstreamSeconds.with({ service: name }),
      };
      this.upstreamChildren.set(name, c);
    }
    c[outcome].inc();
    c.seconds.observe(seconds);
  }

  /** One audit entry a device failed to write. */
  auditFailed(): void {
    this.auditFailures.inc();
  }

  /** One request refused by a quota; `type` is "rate-limit" or "lease-count". */
  quotaRejected(type: "rate-limit" | "lease-count"): void {
    this.quotaRejections.labels(type).inc();
  }

  /** Where warden_tokens_live comes from (the unsealed core's storage); undefined while sealed. */
  countTokensWith(source: (() => Promise<number>) | undefined): void {
    this.tokensSource = source;
    this.tokensAt = -Infinity;
  }

  /** Where warden_sealed comes from. */
  sealedWith(source: () => boolean): void {
    this.sealedSource = source;
  }

  /** Prometheus text exposition format. */
  prometheus(): Promise<string> {
    return this.scraped().metrics();
  }

  /** Every metric as prom-client's JSON (sys/metrics' Vault JSON form is made from it). */
  asJson(): ReturnType<Registry["getMetricsAsJSON"]> {
    return this.scraped().getMetricsAsJSON();
  }

  /** The registry as a scrape reads it: the default metrics are registered on the first one. */
  private scraped(): Registry {
    if (this.defaultsPending) {
      this.defaultsPending = false;
      prom.collectDefaultMetrics()({ register: this.registry });
    }
    return this.registry;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async tokensLive(refreshMs: number): Promise<number> {
    const source = this.tokensSource;
    if (!source) return this.tokensValue;
    const now = performance.now();
    if (now - this.tokensAt < refreshMs) return this.tokensValue;
    try {
      this.tokensValue = await source();
      this.tokensAt = now;
    } catch {
      // Storage away (sealing, database down): the last known value, tried again on the next scrape.
    }
    return this.tokensValue;
  }
}

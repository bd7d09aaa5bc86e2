import { parseDurationSeconds, readBool } from "../sdk/fields.js";

/**
 * Vault's `telemetry` blocks: the top-level one (prometheus_retention_time, disable_hostname) and the
 * listener's (unauthenticated_metrics_access). Other Vault telemetry keys (statsite, statsd, ...) name
 * sinks warden does not have: refused by name rather than silently ignored, like every unknown key.
 */

export interface TelemetryConfig {
  /** Seconds; 0 turns sys/metrics?format=prometheus off (Vault). Default 24h, as Vault. */
  prometheusRetentionSeconds: number;
  /** Accepted for Vault configs: warden's metric names never carry the host name anyway. */
  disableHostname: boolean;
}

export const DEFAULT_PROMETHEUS_RETENTION_SECONDS = 24 * 3600;

const TOP_KEYS = new Set(["prometheus_retention_time", "disable_hostname"]);
const LISTENER_KEYS = new Set(["unauthenticated_metrics_access"]);

/** `telemetry { }` -> its one body (hcl2json gives a list of bodies); undefined when absent. */
function singleBlock(raw: unknown, where: string, fail: (msg: string) => never): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  const bodies = Array.isArray(raw) ? raw : [raw];
  if (bodies.length !== 1) fail(`${where}: at most one telemetry block`);
  const body = bodies[0];
  if (body === null || typeof body !== "object" || Array.isArray(body)) return fail(`${where}: expected a block`);
  return body as Record<string, unknown>;
}

function checkKeys(body: Record<string, unknown>, allowed: ReadonlySet<string>, where: string, fail: (msg: string) => never): void {
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) fail(`${where}: unknown or unsupported key "${key}" (warden supports ${[...allowed].join(", ")})`);
  }
}

function boolKey(v: unknown, where: string, fail: (msg: string) => never): boolean {
  if (v === undefined) return false;
  return readBool(v) ?? fail(`${where}: expected a boolean`);
}

export function parseTelemetry(raw: unknown, fail: (msg: string) => never): TelemetryConfig {
  const body = singleBlock(raw, "telemetry", fail) ?? {};
  checkKeys(body, TOP_KEYS, "telemetry", fail);
  const retention = body.prometheus_retention_time;
  return {
    prometheusRetentionSeconds: retention === undefined ? DEFAULT_PROMETHEUS_RETENTION_SECONDS : parseDurationSeconds(retention, "telemetry: prometheus_retention_time"),
    disableHostname: boolKey(body.disable_hostname, "telemetry: disable_hostname", fail),
  };
}

/** A listener's `telemetry { unauthenticated_metrics_access }`. */
export function parseListenerTelemetry(raw: unknown, where: string, fail: (msg: string) => never): { unauthenticatedMetricsAccess: boolean } {
  const body = singleBlock(raw, `${where}: telemetry`, fail) ?? {};
  checkKeys(body, LISTENER_KEYS, `${where}: telemetry`, fail);
  return { unauthenticatedMetricsAccess: boolKey(body.unauthenticated_metrics_access, `${where}: telemetry: unauthenticated_metrics_access`, fail) };
}

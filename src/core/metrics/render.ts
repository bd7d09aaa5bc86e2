import { badRequest } from "../../sdk/errors.js";
import type { Metrics } from "./metrics.js";
import { vaultJsonForm } from "./vault-json.js";

/** What sys/metrics answers: a body and its content type. */
export interface MetricsDocument {
  body: string;
  contentType: string;
}

/**
 * sys/metrics' answer for `format` (Vault's): "prometheus" is the text exposition format, absent or
 * empty is Vault's JSON form; anything else is a 400. Served the same way whether the listener asked for
 * a token (sys/ path, ACL read on sys/metrics) or not (unauthenticated_metrics_access).
 */
export async function renderMetrics(metrics: Metrics, format: string | undefined): Promise<MetricsDocument> {
  const f = (format ?? "").trim();
  if (f === "prometheus") {
    // Vault: prometheus_retention_time = 0 turns the Prometheus sink off.
    if (!metrics.prometheusEnabled) throw badRequest("prometheus is not enabled");
    return { body: await metrics.prometheus(), contentType: metrics.contentType };
  }
  if (f !== "") throw badRequest(`unsupported metrics format "${f.slice(0, 32)}" (use "prometheus", or none for JSON)`);
  return { body: JSON.stringify(await vaultJsonForm(metrics, new Date())), contentType: "application/json" };
}

import { type AnyCorePath, corePath } from "../framework/core-path.js";
import type { Metrics } from "../metrics/metrics.js";
import { renderMetrics } from "../metrics/render.js";

/** sys/metrics: read on sys/metrics (unless the listener serves it without a token, see server/app.ts). */
export function sysMetricsPaths(metrics: Metrics): AnyCorePath[] {
  return [
    corePath({
      pattern: "metrics",
      help: "This server's metrics: Prometheus text format with format=prometheus, else Vault's JSON form.",
      fields: { format: { type: "string", description: '"prometheus" for the Prometheus text format; absent for JSON.' } },
      operations: {
        read: async (req) => ({ text: await renderMetrics(metrics, req.data.format) }),
      },
    }),
  ];
}

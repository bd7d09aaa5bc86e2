import type { Metrics } from "./metrics.js";

/**
 * sys/metrics without ?format: Vault's JSON form (go-metrics' in-memory summary), in its shape:
 * Gauges and Counters as {Name, Value, Labels}, histograms as Samples {Name, Count, Sum, Mean, Labels}.
 * Names stay the Prometheus ones (warden has no go-metrics dotted names to mirror).
 */
export async function vaultJsonForm(metrics: Metrics, now: Date): Promise<Record<string, unknown>> {
  const gauges: unknown[] = [];
  const counters: unknown[] = [];
  const samples: unknown[] = [];
  for (const metric of await metrics.asJson()) {
    const type = String(metric.type);
    if (type === "histogram") {
      // Each series appears as buckets, then _sum and _count: pair the last two by their labels.
      const sums = new Map<string, number>();
      for (const v of metric.values) {
        const name = (v as { metricName?: string }).metricName ?? "";
        const labels = v.labels as Record<string, string | number>;
        if (name.endsWith("_sum")) sums.set(JSON.stringify(labels), v.value);
        else if (name.endsWith("_count")) {
          const sum = sums.get(JSON.stringify(labels)) ?? 0;
          samples.push({ Name: metric.name, Count: v.value, Sum: sum, Mean: v.value > 0 ? sum / v.value : 0, Labels: labels });
        }
      }
      continue;
    }
    const into = type === "counter" ? counters : type === "gauge" ? gauges : undefined;
    if (!into) continue;
    for (const v of metric.values) into.push({ Name: metric.name, Value: v.value, Labels: v.labels });
  }
  return { Timestamp: now.toISOString(), Gauges: gauges, Counters: counters, Samples: samples };
}

import type { Registry } from "prom-client";

/**
 * Counters and histograms whose per-label series are plain objects the caller keeps: `inc()` and
 * `observe()` add numbers and allocate nothing. prom-client's own label children rebuild and hash a
 * labels object on every call, which the request path should not pay; these are registered in its
 * registry as custom metrics (name, help, type, get), so the exposition is still prom-client's.
 */

type Labels = Record<string, string>;

export class CounterSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(): void {
    this.value++;
  }
}

export class HistogramSeries {
  /** Non-cumulative counts per bucket (the last one is +Inf); made cumulative at scrape time. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

abstract class SeriesMetric<S extends { labels: Labels }> {
  readonly aggregator = "sum";
  protected readonly series = new Map<string, S>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "histogram",
    registry: Registry,
  ) {
    // A custom metric: prom-client only asks it for name, help, type and get().
    registry.registerMetric(this as never);
  }
  /** The series of these label values (made once; keep it, do not call this per event). */
  protected seriesOf(labels: Labels, make: () => S): S {
    const key = JSON.stringify(labels);
    let s = this.series.get(key);
    if (!s) {
      s = make();
      this.series.set(key, s);
    }
    return s;
  }
  reset(): void {
    this.series.clear();
  }
}

export class SeriesCounter extends SeriesMetric<CounterSeries> {
  constructor(name: string, help: string, registry: Registry) {
    super(name, help, "counter", registry);
  }
  with(labels: Labels): CounterSeries {
    return this.seriesOf(labels, () => new CounterSeries(labels));
  }
  get(): { name: string; help: string; type: "counter"; aggregator: "sum"; values: Array<{ labels: Labels; value: number }> } {
    return { name: this.name, help: this.help, type: "counter", aggregator: "sum", values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })) };
  }
}

export class SeriesHistogram extends SeriesMetric<HistogramSeries> {
  constructor(
    name: string,
    help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    super(name, help, "histogram", registry);
  }
  with(labels: Labels): HistogramSeries {
    return this.seriesOf(labels, () => new HistogramSeries(labels, this.bounds));
  }
  get(): { name: string; help: string; type: "histogram"; aggregator: "sum"; values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> } {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ labels: { ...s.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...s.labels, le: "+Inf" }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: "histogram", aggregator: "sum", values };
  }
}

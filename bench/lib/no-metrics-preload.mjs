// Bench-only preload (node --import): this build with its metrics switched off, for the "metrics"
// scenario's comparison (issue 14: lookup-self within 3 % of the same build without metrics). Every
// recording method of Metrics becomes a no-op. prom-client's default collectors (event-loop delay
// histogram, GC observer, process gauges) start only on a server's first scrape, which no bench
// makes, on either side. The server's own code is untouched.
const { requireUnbundled } = await import("./unbundled.mjs");
requireUnbundled("no-metrics-preload.mjs");
const { Metrics } = await import("../../dist/src/core/metrics/metrics.js");
for (const m of ["observeRequest", "upstream", "auditFailed", "quotaRejected"]) Metrics.prototype[m] = () => undefined;

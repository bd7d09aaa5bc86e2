// Bench-only preload (node --import): this build with its metrics switched off, for the "metrics"
// scenario's comparison (issue 14: lookup-self within 3 % of the same build without metrics). Every
// recording method of Metrics becomes a no-op and prom-client's default collectors (event-loop delay
// histogram, GC observer, process gauges) are never started. The server's own code is untouched.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// Patched before warden's ESM import of prom-client reads its exports.
require("prom-client").collectDefaultMetrics = () => undefined;
const { Metrics } = await import("../../dist/src/core/metrics/metrics.js");
for (const m of ["observeRequest", "upstream", "auditFailed", "quotaRejected"]) Metrics.prototype[m] = () => undefined;

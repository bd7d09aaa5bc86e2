// The yardstick: a plain node:http server answering every request with a small JSON body shaped
// like warden's sys/health. No framework, no storage: what Node itself costs per request.
// Usage: node bench/bare-server.mjs [port] [compute µs]   (prints "listening <port>" when ready)
// With `compute µs`, each answer first runs that long a pure computation (no allocation, no I/O; its
// iteration count calibrated once at start): what any work a server adds to node:http costs under the
// bench's load, whatever that work is (bench/run.mjs's lookup floors).
import { createServer } from "node:http";

const computeUs = Number(process.argv[3] ?? 0);
let sink = 0;
/** One step of a multiply-add chain the JIT cannot fold away (each depends on the last; sink keeps it). */
function compute(iterations) {
  let x = sink;
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 31) + i) | 0;
  sink = x;
}
/** Iterations per µs of compute on this core, after a warm-up so the loop runs optimised. */
function calibrate() {
  compute(1e6);
  const n = 5e7;
  const t0 = process.hrtime.bigint();
  compute(n);
  return n / (Number(process.hrtime.bigint() - t0) / 1000);
}
const iterations = computeUs > 0 ? Math.round(computeUs * calibrate()) : 0;

const body = JSON.stringify({
  initialized: true,
  sealed: false,
  standby: false,
  performance_standby: false,
  replication_performance_mode: "disabled",
  replication_dr_mode: "disabled",
  server_time_utc: 0,
  version: "0.1.0",
  cluster_name: "bench",
  cluster_id: "00000000-0000-0000-0000-000000000000",
});

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (iterations) compute(iterations);
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)).closeAllConnections());

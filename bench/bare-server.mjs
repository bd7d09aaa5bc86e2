// The yardstick: a plain node:http server answering every request with a small JSON body shaped
// like warden's sys/health. No framework, no storage: what Node itself costs per request.
// Usage: node bench/bare-server.mjs [port]   (prints "listening <port>" when ready)
import { createServer } from "node:http";

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
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)).closeAllConnections());

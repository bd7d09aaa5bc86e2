// autocannon driver for bench/run.mjs, run as its own (pinned) process so the load generator never
// shares the server's core. argv[2] is a JSON job: {url, method, path, headers, connections,
// seconds, linesFile, mode, rate?}. Prints one "BENCHJSON {...}" line in the same shape as wrk-load.lua.
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

const job = JSON.parse(process.argv[2]);
const lines = job.linesFile ? readFileSync(job.linesFile, "utf8").split("\n").filter(Boolean) : [];
let i = 0;
const request = { method: job.method, path: job.path, headers: job.headers ?? {} };
if (job.mode === "body" || job.mode === "path") {
  request.setupRequest = (req) => {
    const line = lines[i++];
    // A signed line is never reused: past the end, requests go somewhere that answers non-2xx.
    if (line === undefined) return { ...req, path: "/__bodies_exhausted__", body: undefined };
    return job.mode === "body" ? { ...req, body: line } : { ...req, path: line };
  };
}
const r = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.seconds,
  requests: [request],
  timeout: 10,
  // A fixed offered rate (requests per second over all connections), for latency at equal load.
  ...(job.rate ? { overallRate: job.rate } : {}),
});
const ok = r["2xx"] ?? 0;
const out = {
  requests: r.requests.total ?? ok + (r.non2xx ?? 0),
  duration_us: Math.round(r.duration * 1e6),
  non2xx: r.non2xx ?? 0,
  errors: r.errors ?? 0,
  timeouts: r.timeouts ?? 0,
  p50_us: Math.round(r.latency.p50 * 1000),
  p90_us: Math.round(r.latency.p90 * 1000),
  p99_us: Math.round(r.latency.p99 * 1000),
  max_us: Math.round(r.latency.max * 1000),
  mean_us: r.latency.mean * 1000,
};
process.stdout.write(`BENCHJSON ${JSON.stringify(out)}\n`);

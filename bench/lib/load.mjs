// One bounded load run against 127.0.0.1 with wrk (when installed) or autocannon, the load
// generator pinned to its own core. Also samples the CPU used by the processes under test, so a
// report can tell a server-bound number (server core ~100 %) from a loader-bound one.
import { join } from "node:path";
import { ROOT, cpuSeconds, sleep, spawnPinned } from "./procs.mjs";

const WRK_SCRIPT = join(ROOT, "bench", "lib", "wrk-load.lua");
const AC_WORKER = join(ROOT, "bench", "lib", "autocannon-worker.mjs");

/**
 * @param {object} o
 * @param {"wrk"|"autocannon"} o.tool
 * @param {string} o.url      origin, must be http://127.0.0.1:PORT
 * @param {Record<string, number>} [o.watch]  label -> pid whose CPU share is reported
 */
export async function runLoad(o) {
  const origin = new URL(o.url);
  if (origin.hostname !== "127.0.0.1") throw new Error(`refusing to load ${o.url}: loopback only`);
  const seconds = Math.max(1, Math.min(120, Math.round(o.seconds)));
  const connections = Math.max(1, Math.min(1000, o.connections));
  const mode = o.mode ?? "fixed";
  const headers = o.headers ?? {};
  let child;
  // wrk cannot hold a fixed rate: a run at a given rate always uses autocannon.
  if (o.tool === "wrk" && !o.rate) {
    const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", WRK_SCRIPT, origin.origin, "--", o.method, o.path, o.linesFile ?? "-", mode];
    for (const [k, v] of Object.entries(headers)) args.push(`${k}: ${v}`);
    child = spawnPinned(o.loaderCore, "wrk", args);
  } else {
    const job = { url: origin.origin, method: o.method, path: o.path, headers, connections, seconds, linesFile: o.linesFile ?? null, mode, rate: o.rate ?? 0 };
    child = spawnPinned(o.loaderCore, process.execPath, [AC_WORKER, JSON.stringify(job)]);
  }
  // CPU window: from just after the loader starts to just before its end.
  const watch = { ...(o.watch ?? {}) };
  await sleep(200);
  const t0 = performance.now();
  const before = {};
  for (const [k, pid] of Object.entries({ ...watch, loader: child.pid })) before[k] = cpuSeconds(pid);
  await Promise.race([sleep(seconds * 1000 - 500), child.exited]);
  const wall = (performance.now() - t0) / 1000;
  const cpu = {};
  for (const [k, pid] of Object.entries({ ...watch, loader: child.pid })) {
    const now = cpuSeconds(pid);
    cpu[k] = now !== null && before[k] !== null ? Math.round(((now - before[k]) / wall) * 100) : null;
  }
  const { code } = await child.exited;
  const line = child.stdoutText.split("\n").find((l) => l.startsWith("BENCHJSON "));
  if (code !== 0 || !line) throw new Error(`${o.tool} failed (exit ${code}):\n${child.stderrText}\n${child.stdoutText}`);
  const r = JSON.parse(line.slice("BENCHJSON ".length));
  const secs = r.duration_us / 1e6;
  const ok = r.requests - r.non2xx;
  return {
    tool: o.tool === "wrk" && o.rate ? "autocannon" : o.tool,
    seconds: Math.round(secs * 100) / 100,
    connections,
    requests: r.requests,
    ok,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    rps: Math.round(ok / secs),
    p50_ms: r.p50_us / 1000,
    p90_ms: r.p90_us / 1000,
    p99_ms: r.p99_us / 1000,
    max_ms: r.max_us / 1000,
    cpu_pct: cpu,
  };
}

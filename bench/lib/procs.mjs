// Process plumbing for the benchmarks: pinned spawns, readiness, CPU accounting, and a cleanup
// that kills every process this run started (and nothing else) on any exit path.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WARDEN_MAIN = join(ROOT, "dist", "src", "cli", "main.js");

const HAVE_TASKSET = spawnSync("taskset", ["-V"], { stdio: "ignore" }).status === 0;
export const tasksetAvailable = () => HAVE_TASKSET;

const children = new Set();

export function killAll() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill("SIGKILL");
      } catch {}
    }
  }
  children.clear();
}

let installed = false;
export function installCleanup() {
  if (installed) return;
  installed = true;
  process.on("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(sig, () => {
      killAll();
      process.exit(130);
    });
  }
  process.on("uncaughtException", (e) => {
    console.error(e);
    killAll();
    process.exit(1);
  });
  process.on("unhandledRejection", (e) => {
    console.error(e);
    killAll();
    process.exit(1);
  });
}

/** Spawns `cmd args` pinned to `core` (when taskset exists); output is captured, not shown. */
export function spawnPinned(core, cmd, args, opts = {}) {
  const [c, a] = HAVE_TASKSET && core !== null && core !== undefined ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args];
  const child = spawn(c, a, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...(opts.env ?? {}) } });
  children.add(child);
  child.stdoutText = "";
  child.stderrText = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (d) => {
    if (child.stdoutText.length < 1 << 20) child.stdoutText += d;
    opts.onStdout?.(d);
  });
  child.stderr.on("data", (d) => {
    if (child.stderrText.length < 1 << 20) child.stderrText += d;
  });
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => {
    children.delete(child);
    resolve({ code, signal });
  }));
  return child;
}

export async function stop(child, timeoutMs = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await child.exited;
  clearTimeout(t);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers 200; returns ms from `since` (performance.now()) to that answer. */
export async function waitHealthy(url, child, { since = performance.now(), timeoutMs = 30_000, intervalMs = 2 } = {}) {
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`process exited before becoming healthy (code ${child.exitCode})\n${child.stderrText}\n${child.stdoutText}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - since;
    } catch {}
    await sleep(intervalMs);
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms\n${child?.stderrText ?? ""}`);
}

export function waitForOutput(child, needle, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for "${needle}"\n${child.stderrText}`)), timeoutMs);
    const check = () => {
      if (child.stdoutText.includes(needle)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout.on("data", check);
    child.exited.then(() => {
      clearTimeout(t);
      reject(new Error(`exited before "${needle}"\n${child.stderrText}`));
    });
    check();
  });
}

const TICK = 100; // USER_HZ on Linux
/** CPU seconds (user+system) a pid has used so far, or null if it is gone. */
export function cpuSeconds(pid, which = "all") {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime, stime: the process's user and kernel (syscalls: socket, WAL writes, fdatasync) CPU time.
    return (which === "system" ? Number(f[12]) : Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return null;
  }
}

export function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

export function machineInfo() {
  let cpu = "unknown";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch {}
  const wrk = spawnSync("wrk", ["-v"], { encoding: "utf8" });
  return {
    cpu,
    node: process.version,
    kernel: existsSync("/proc/version") ? readFileSync("/proc/version", "utf8").split(" ").slice(0, 3).join(" ") : process.platform,
    taskset: HAVE_TASKSET,
    wrk: wrk.error ? null : ((wrk.stdout || wrk.stderr).match(/wrk [\d.]+/)?.[0] ?? "wrk"),
  };
}

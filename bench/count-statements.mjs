// How many SQLite statements one request executes, counted inside a real dev server through a
// bench-only preload (bench/lib/count-statements-preload.cjs) that wraps better-sqlite3's Statement
// methods. Usage: node bench/count-statements.mjs [--requests N]
// Also used by bench/run.mjs (scenario "statements", and after "lookup-self").
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_ROLE, ROLE_ARN, loginBody } from "./lib/bodies.mjs";
import { setupApprole } from "./lib/identity.mjs";
import { ROOT, freePort, installCleanup, sleep, spawnPinned, stop, waitForOutput } from "./lib/procs.mjs";
import { childToken, configureAlicloud, startWarden } from "./lib/warden.mjs";

const PRELOAD = join(ROOT, "bench", "lib", "count-statements-preload.cjs");

async function snapshot(child, file, seq) {
  child.kill("SIGUSR2");
  for (let i = 0; i < 500; i++) {
    if (existsSync(file)) {
      try {
        const s = JSON.parse(readFileSync(file, "utf8"));
        if (s.seq === seq) return s.counts;
      } catch {}
    }
    await sleep(10);
  }
  throw new Error("statement counter did not answer");
}

function perRequest(a, b, n) {
  const out = {};
  let total = 0;
  for (const [sql, c] of Object.entries(b)) {
    const d = c - (a[sql] ?? 0);
    if (d > 0) {
      out[sql.replace(/\s+/g, " ").slice(0, 160)] = Math.round((d / n) * 1000) / 1000;
      total += d;
    }
  }
  return { perRequest: Math.round((total / n) * 1000) / 1000, statements: out };
}

export async function countStatements({ requests = 500 } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), "warden-stmt-"));
  const file = join(tmp, "counts.json");
  let seq = 0;
  const w = await startWarden({ core: null, dataDir: join(tmp, "data"), nodeArgs: ["--require", PRELOAD], env: { BENCH_STMT_FILE: file } });
  const stsPort = await freePort();
  const sts = spawnPinned(null, process.execPath, [join(ROOT, "bench", "sts-emulator.mjs"), String(stsPort)]);
  try {
    await waitForOutput(sts, "listening");
    const token = await childToken(w.url);
    await configureAlicloud(w.url, stsPort, BENCH_ROLE, ROLE_ARN);
    const approle = await setupApprole(w.url);
    const cases = {
      "lookup-self": () => fetch(`${w.url}/v1/auth/token/lookup-self`, { headers: { "x-vault-token": token } }),
      health: () => fetch(`${w.url}/v1/sys/health`),
      "login-alicloud": () => fetch(`${w.url}/v1/auth/alicloud/login`, { method: "POST", headers: { "content-type": "application/json" }, body: loginBody() }),
      "login-approle": () => fetch(`${w.url}/v1/auth/approle/login`, { method: "POST", headers: { "content-type": "application/json" }, body: approle.body }),
    };
    const result = {};
    for (const [name, call] of Object.entries(cases)) {
      const n = name.startsWith("login-") ? Math.min(requests, 200) : requests;
      for (let i = 0; i < 20; i++) await (await call()).arrayBuffer();
      await sleep(50); // let the group commit of the warm-up settle
      const a = await snapshot(w.child, file, ++seq);
      for (let i = 0; i < n; i++) {
        const res = await call();
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
      }
      await sleep(50);
      const b = await snapshot(w.child, file, ++seq);
      result[name] = { requests: n, ...perRequest(a, b, n) };
    }
    return result;
  } finally {
    await stop(w.child);
    await stop(sts);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  installCleanup();
  const { values } = parseArgs({ options: { requests: { type: "string", default: "500" } } });
  const r = await countStatements({ requests: Number(values.requests) });
  for (const [name, v] of Object.entries(r)) {
    console.log(`${name}: ${v.perRequest} statements/request over ${v.requests} requests`);
    for (const [sql, c] of Object.entries(v.statements)) console.log(`  ${String(c).padStart(6)}  ${sql}`);
  }
}

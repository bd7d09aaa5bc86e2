#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ as its own node process (a crash in one suite cannot hide
// another's results), two at a time, and ends with the plain totals line CI reads:
// "N passed, N failed". uvu's own summary per file is parsed for the counts; a file that exits
// non-zero without reporting failures counts as one failure.
//
// Storage passes: by default every file runs once as it always did (SQLite for the end-to-end
// harness), then the end-to-end suites (every file that uses test/helpers/server) run a second time
// with WARDEN_TEST_STORAGE=postgresql, each server on a throw-away PostgreSQL database. Setting
// WARDEN_TEST_STORAGE yourself runs a single pass on that storage. The totals line sums both passes.
// An unreachable PostgreSQL fails the PostgreSQL pass; it is never skipped silently.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dist = join(root, "dist");
const filter = process.argv.slice(2);

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) findTests(full, out);
    else if (name.endsWith(".test.js")) out.push(full);
  }
  return out;
}

const direct = filter.filter((p) => p.endsWith(".js") && existsSync(p)).map((p) => resolve(p));
const substrings = filter.filter((p) => !(p.endsWith(".js") && existsSync(p)));
const files = [
  ...direct,
  ...(direct.length > 0 && substrings.length === 0 ? [] : findTests(dist).filter((f) => substrings.length === 0 || substrings.some((p) => f.includes(p)))),
].sort();
const parallel = Number(process.env.TEST_PARALLEL ?? 2);
const timeoutMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 240_000);

// uvu prints ANSI-coloured "Total:", "Passed:", "Skipped:" lines at exit.
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");
function counts(output) {
  const text = strip(output);
  const total = [...text.matchAll(/Total:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  const passed = [...text.matchAll(/Passed:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  const skipped = [...text.matchAll(/Skipped:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  const hookFailures = [...text.matchAll(/^✘ hook failed: suite .*, after hook: /gm)].length;
  return { total, passed, skipped, hookFailures, found: /Total:/.test(text) };
}

function runOne(file, env) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [file], {
      cwd: root,
      env: { ...process.env, ...env, FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[run-tests] ${relative(root, file)} timed out after ${timeoutMs} ms\n`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ file, code, output, ms: Date.now() - started });
    });
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
/** One line per failing test, "file: suite > test: first line of its error", repeated after the totals. */
const failures = [];

/** uvu's report of each failing test: its `FAIL  suite  "name"` line and the first line of the error below it. */
function failingTests(output) {
  const lines = strip(output).split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*FAIL\s+(.*?)\s+"(.*)"\s*$/.exec(lines[i]);
    const hook = /^✘ hook failed: (.*)$/.exec(lines[i].trim());
    if (!m && !hook) continue;
    let message = "";
    for (let j = i + 1; j < lines.length && !message; j++) message = lines[j].trim();
    out.push(m ? `${m[1] ? `${m[1]} > ` : ""}${m[2]}: ${message}` : `hook failed: ${hook[1]}`);
  }
  return out;
}

async function runPass(label, list, env) {
  const queue = [...list];
  const tag = label ? `[${label}] ` : "";
  async function worker() {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const r = await runOne(file, env);
      const c = counts(r.output);
      let fileFailed = c.total - c.passed - c.skipped + c.hookFailures;
      if (r.code !== 0 && fileFailed === 0) fileFailed = 1;
      passed += c.passed;
      failed += fileFailed;
      skipped += c.skipped;
      const name = relative(root, r.file);
      process.stdout.write(`${fileFailed ? "FAIL" : "ok  "} ${tag}${name} (${c.passed} passed, ${fileFailed} failed, ${r.ms} ms)\n`);
      if (fileFailed) {
        process.stdout.write(strip(r.output).replace(/^/gm, "    ") + "\n");
        const tests = failingTests(r.output);
        if (tests.length === 0) tests.push(`exit ${r.code}: ${strip(r.output).trim().split("\n").slice(-3).join(" / ").slice(0, 300)}`);
        for (const f of tests) failures.push(`${tag}${name}: ${f}`);
      }
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** The end-to-end suites: files that start real servers through the shared harness. */
const usesHarness = (file) => /helpers\/server\.js/.test(readFileSync(file, "utf8"));

/** Connects once, so an unreachable server is one clear failure instead of N slow ones. */
async function postgresReachable() {
  const url = process.env.WARDEN_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const { default: pg } = await import("pg");
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return { ok: true, url };
  } catch (err) {
    return { ok: false, url, error: String(err) };
  } finally {
    await c.end().catch(() => {});
  }
}

async function runPostgresPass(list) {
  if (list.length === 0) return;
  const pg = await postgresReachable();
  if (!pg.ok) {
    failed += 1;
    process.stdout.write(
      `FAIL [postgresql] PostgreSQL is unreachable at ${pg.url} (${pg.error}); ${list.length} suites not run.\n` +
        "     Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n",
    );
    return;
  }
  await runPass("postgresql", list, { WARDEN_TEST_STORAGE: "postgresql" });
}

/**
 * The console's component tests (ui/test, Vitest in happy-dom): one extra pass, run when no filter
 * is given or a filter names "ui". Vitest's JSON report gives the counts; failures are printed.
 */
async function runUiComponentTests() {
  if (filter.length > 0 && !substrings.some((p) => "ui/test/".includes(p) || p.startsWith("ui"))) return;
  const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
  if (!existsSync(vitest)) {
    failed += 1;
    process.stdout.write("FAIL ui/test (vitest is not installed: run npm ci)\n");
    return;
  }
  const started = Date.now();
  const child = spawn(process.execPath, [vitest, "run", "--config", join(root, "ui", "vite.config.ts"), "--reporter=json"], {
    cwd: root,
    env: { ...process.env, FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise((r) => child.on("close", r));
  let report;
  try {
    report = JSON.parse(out.slice(out.indexOf("{")));
  } catch {
    report = undefined;
  }
  const ok = report?.numPassedTests ?? 0;
  let bad = report?.numFailedTests ?? 0;
  if (code !== 0 && bad === 0) bad = 1;
  passed += ok;
  failed += bad;
  skipped += (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);
  process.stdout.write(`${bad ? "FAIL" : "ok  "} ui/test (vitest) (${ok} passed, ${bad} failed, ${Date.now() - started} ms)\n`);
  if (bad) {
    const messages = (report?.testResults ?? []).flatMap((f) =>
      f.assertionResults.filter((a) => a.status === "failed").map((a) => `${relative(root, f.name)} > ${a.fullName}\n${a.failureMessages.join("\n")}`),
    );
    process.stdout.write((messages.length > 0 ? messages.join("\n\n") : strip(err || out)).replace(/^/gm, "    ") + "\n");
  }
}

const chosen = process.env.WARDEN_TEST_STORAGE;
if (chosen === "postgresql") {
  await runPostgresPass(files);
} else if (chosen) {
  await runPass(chosen, files, {});
} else {
  await runPass("", files, {});
  await runPostgresPass(files.filter(usesHarness));
}
if (!chosen || chosen === "sqlite") await runUiComponentTests();
if (files.length === 0) failed += 1;
if (failures.length > 0) process.stdout.write(`\nFailing tests:\n${failures.map((f) => `  ${f.slice(0, 400)}`).join("\n")}\n\n`);
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
process.exitCode = failed > 0 ? 1 : 0;

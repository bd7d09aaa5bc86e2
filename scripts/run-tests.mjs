#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ as its own node process (a crash in one suite cannot hide
// another's results), two at a time, and ends with the plain totals line CI reads:
// "N passed, N failed". uvu's own summary per file is parsed for the counts; a file that exits
// non-zero without reporting failures counts as one failure.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

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

const files = findTests(dist)
  .filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)))
  .sort();
const parallel = Number(process.env.TEST_PARALLEL ?? 2);
const timeoutMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 240_000);

// uvu prints ANSI-coloured "Total:", "Passed:", "Skipped:" lines at exit.
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");
function counts(output) {
  const text = strip(output);
  const total = [...text.matchAll(/Total:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  const passed = [...text.matchAll(/Passed:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  const skipped = [...text.matchAll(/Skipped:\s+(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  return { total, passed, skipped, found: /Total:/.test(text) };
}

function runOne(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: "0" },
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
const queue = [...files];
async function worker() {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const r = await runOne(file);
    const c = counts(r.output);
    let fileFailed = c.total - c.passed - c.skipped;
    if (r.code !== 0 && fileFailed === 0) fileFailed = 1;
    passed += c.passed;
    failed += fileFailed;
    skipped += c.skipped;
    const name = relative(root, r.file);
    process.stdout.write(`${fileFailed ? "FAIL" : "ok  "} ${name} (${c.passed} passed, ${fileFailed} failed, ${r.ms} ms)\n`);
    if (fileFailed) process.stdout.write(strip(r.output).replace(/^/gm, "    ") + "\n");
  }
}
await Promise.all(Array.from({ length: parallel }, worker));
if (files.length === 0) failed += 1;
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
process.exitCode = failed > 0 ? 1 : 0;

// How far lookup-self can go on this machine: server CPU µs per request (as bench/cpu-per-request.mjs
// counts it: /proc CPU time over thousands of keep-alive requests, 16 in flight, alternating rounds) of
//   bare   bench/bare-server.mjs (the yardstick of `npm run bench`),
//   floor  bench/lib/floor-server.mjs: bare + the token's HMAC + warden's hot read on warden's own
//          database + a lookup-sized JSON answer (a lookup that reads on every request),
//   warden this build's lookup-self (a child token of root, as the bench's scenario).
// At full CPU, req/s is 1/(µs per request): `ratio` is bare's µs over each server's, the figure
// `npm run bench` compares against its 0.5x target.
//
//   node bench/lookup-floor.mjs [--requests 20000] [--concurrency 16] [--rounds 5]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Agent, request as httpRequest } from "node:http";
import { ROOT, cpuSeconds, freePort, installCleanup, spawnPinned, stop, waitForOutput } from "./lib/procs.mjs";
import { api, childToken, startWarden } from "./lib/warden.mjs";

const { values: opt } = parseArgs({
  options: {
    requests: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "16" },
    rounds: { type: "string", default: "5" },
    core: { type: "string" },
  },
});
installCleanup();
const n = Number(opt.requests);
const conc = Number(opt.concurrency);
const tmp = mkdtempSync(join(tmpdir(), "warden-floor-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

const w = await startWarden({ core: opt.core, dataDir: join(tmp, "warden") });
const token = await childToken(w.url);
const { data } = await api(w.url, "GET", "auth/token/lookup-self", { token });

async function plain(label, args) {
  const port = await freePort();
  const child = spawnPinned(opt.core, process.execPath, args(port));
  await waitForOutput(child, "listening");
  return { label, child, url: `http://127.0.0.1:${port}` };
}
const servers = [
  await plain("bare", (port) => [join(ROOT, "bench", "bare-server.mjs"), String(port)]),
  await plain("floor", (port) => [join(ROOT, "bench", "lib", "floor-server.mjs"), String(port), join(tmp, "warden", "warden.db"), data.accessor]),
  { label: "warden", child: w.child, url: w.url },
];

function firer(s) {
  const agent = new Agent({ keepAlive: true, maxSockets: conc });
  const target = new URL(s.url);
  const path = s.label === "bare" ? "/v1/sys/health" : "/v1/auth/token/lookup-self";
  const send = () =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: target.hostname, port: target.port, method: "GET", path, headers: { "x-vault-token": token }, agent }, (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve(res.statusCode));
      });
      req.on("error", reject);
      req.end();
    });
  return async (count) => {
    let next = 0;
    let bad = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        if ((await send()) !== 200) bad++;
      }
    };
    await Promise.all(Array.from({ length: conc }, worker));
    if (bad) throw new Error(`${s.label}: ${bad} non-200 answers`);
  };
}
for (const s of servers) {
  s.fire = firer(s);
  s.per = [];
  await s.fire(Math.min(n, 5000));
}
for (let r = 0; r < Number(opt.rounds); r++) {
  for (const s of servers) {
    const c0 = cpuSeconds(s.child.pid);
    await s.fire(n);
    s.per.push(((cpuSeconds(s.child.pid) - c0) * 1e6) / n);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const out = { requests: n, concurrency: conc };
for (const s of servers) out[s.label] = { usPerRequest: Math.round(med(s.per) * 10) / 10, rounds: s.per.map((x) => Math.round(x * 10) / 10) };
for (const s of servers) out[s.label].ratio = Math.round((out.bare.usPerRequest / out[s.label].usPerRequest) * 100) / 100;
for (const s of servers) await stop(s.child);
console.log(JSON.stringify(out));

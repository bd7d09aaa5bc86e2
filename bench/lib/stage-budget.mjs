// Per-request CPU budget by stage, from a V8 .cpuprofile of a server under load: every sample is given
// to the INNERMOST frame of its stack that names a stage (so the token read inside authentication
// counts as "token read", not "authenticate"), shares are taken of the busy samples (idle left out),
// and scaled to the server's measured CPU µs per request. V8 samples wall time while the process runs:
// on a busy machine a syscall that was preempted (writev) looks bigger than its CPU, so the budget is
// only as good as the machine was quiet.
//   node bench/lib/stage-budget.mjs file.cpuprofile <cpu µs per request> [more pairs: one table]
import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** [stage, test on "functionName url"], innermost first wins; order breaks ties within one frame. */
export const STAGES = [
  ["GC", /^\(garbage collector\)/],
  ["SQLite statement (native + binding)", /better-sqlite3\/lib|drizzle-orm\/(better-sqlite3|sqlite-core\/session)|storage\/sqlite\/(token|kv|identity|mount|policy|system)-store\.js|write-batch\.js/],
  ["PostgreSQL client", /node_modules\/pg\/|storage\/postgres\//],
  ["barrier open/seal (AES-GCM, memo, JSON)", /core\/seal\/(keyring|aead)\.js|core\/barrier\//],
  ["hashing (SHA-256/HMAC of secrets)", /^(hash|Hash|Hmac|update|digest) node:internal\/crypto\/hash|token-id\.js|sdk\/hmac\.js|secret-store\.js|audit\/hash\.js/],
  ["random (token/accessor ids)", /node:internal\/crypto\/random/],
  ["outbound HTTP (STS/OCI/JWKS client)", /sdk\/http-client\.js|core\/plugins\/outbound\.js|node:_http_(client|agent)/],
  ["plugin login logic", /dist\/plugins\//],
  ["ACL and policies", /core\/policy\//],
  ["audit", /core\/audit\//],
  ["metrics", /core\/metrics\/|prom-client/],
  ["quotas and lockout", /core\/quotas\/|core\/login\/lockout/],
  ["token minting and views", /core\/tokens\/(token-create|token-views|token-backend|ttl|token-renew)\.js/],
  ["token service (authenticate, checks)", /core\/tokens\/token-service\.js/],
  ["identity (entity, aliases)", /core\/identity\//],
  ["routing: mounts and path match", /core\/mounts\/|core\/framework\/(path-matcher|bound-path|core-path)\.js/],
  ["request pipeline (other)", /core\/(request-pipeline|lookup-self-path)\.js|core\/framework\/response-envelope\.js/],
  ["warden HTTP edge (body, token header, envelope, JSON)", /src\/server\//],
  ["hono (router, context)", /node_modules\/hono\//],
  ["@hono/node-server adapter", /@hono\/node-server/],
  // The bench's floor servers' own code (parsing the body, building the answer): without this it
  // would count as node:http, which calls it.
  ["bench floor server's own code", /bench\/login-floor(-server)?\.mjs/],
  ["socket write (writev syscall)", /^(writev|writevGeneric|Socket\._writev|writeUtf8String|writeBuffer)\b/],
  ["node:http parse and response", /node:_http|node:net|node:internal\/(streams|stream_base_commons|http)|HTTPParser|parserOn/],
  ["promises and microtasks", /^(runMicrotasks|processTicksAndRejections)/],
];

export function stageBudget(file, usPerRequest) {
  const p = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map();
  const classify = (id) => {
    if (stageOf.has(id)) return stageOf.get(id);
    const cf = byId.get(id).callFrame;
    const key = `${cf.functionName || "(anonymous)"} ${cf.url}`;
    let stage = STAGES.find(([, re]) => re.test(key))?.[0];
    if (!stage) {
      const up = parent.get(id);
      stage = up === undefined ? "other (module loading, timers, boot)" : classify(up);
    }
    stageOf.set(id, stage);
    return stage;
  };
  const time = new Map();
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i];
    const fn = byId.get(id).callFrame.functionName;
    if (fn === "(idle)" || fn === "(program)") continue;
    const d = p.timeDeltas[i] ?? 0;
    busy += d;
    const s = classify(id);
    time.set(s, (time.get(s) ?? 0) + d);
  }
  return [...time.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([stage, t]) => ({ stage, pct: Math.round((t / busy) * 1000) / 10, us: Math.round((t / busy) * usPerRequest * 10) / 10 }));
}

/**
 * One markdown table of several budgets side by side (a column each: scenarios, or a login and its
 * floors), the stages by their largest µs in any column; a stage under 1 % of a column is "-" there, a
 * stage under 1 % of every column is left out.
 */
export function stageTable(columns) {
  const largest = new Map();
  for (const c of columns) for (const st of c.stages) largest.set(st.stage, Math.max(largest.get(st.stage) ?? 0, st.us));
  const stages = [...largest.keys()].sort((a, b) => largest.get(b) - largest.get(a));
  const cell = (c, stage) => {
    const st = c.stages.find((x) => x.stage === stage);
    return st && st.pct >= 1 ? String(st.us) : "-";
  };
  const rows = [`| stage | ${columns.map((c) => c.label).join(" | ")} |`, `|---|${columns.map(() => "---:").join("|")}|`];
  for (const stage of stages) {
    const cells = columns.map((c) => cell(c, stage));
    if (cells.some((x) => x !== "-")) rows.push(`| ${stage} | ${cells.join(" | ")} |`);
  }
  rows.push(`| **total, server CPU µs per request (profiler on)** | ${columns.map((c) => `**${c.usPerRequest}**`).join(" | ")} |`);
  return rows;
}

// node bench/lib/stage-budget.mjs a.cpuprofile <µs> [b.cpuprofile <µs> ...]: one profile as a list,
// several as one table.
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const columns = [];
  for (let i = 0; i + 1 < args.length; i += 2) {
    const usPerRequest = Number(args[i + 1]);
    columns.push({ label: basename(args[i], ".cpuprofile"), usPerRequest, stages: stageBudget(args[i], usPerRequest) });
  }
  if (columns.length === 1) for (const r of columns[0].stages) console.log(`${String(r.us).padStart(7)} µs ${String(r.pct).padStart(5)} %  ${r.stage}`);
  else console.log(stageTable(columns).join("\n"));
}

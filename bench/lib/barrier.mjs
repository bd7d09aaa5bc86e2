// Scenario "barrier": what encrypting every stored value costs on the hot paths. lookup-self and
// AppRole login on this build against the last build without the barrier, both dev servers on SQLite
// pinned to the same server core, measured alternately in the same run (before, after, before, after),
// with the same loader, connections and seconds. Target: under 5 % fewer requests per second.
//
// "Without the barrier" is a real release, not a switch: PRE_BARRIER is main just before the seal and
// barrier were merged (a23c08f^1), built from git into a temp directory (build-at.mjs). The difference
// is therefore everything that merge brought to these two paths (barrier, seal gate), nothing else;
// commits after it that touch these paths would show up too (pass --before <ref> to compare another).
import { join } from "node:path";
import { buildAt } from "./build-at.mjs";
import { writeLines } from "./bodies.mjs";
import { setupApprole } from "./identity.mjs";
import { abCompare } from "./ab-compare.mjs";
import { stop } from "./procs.mjs";
import { childToken, startWarden } from "./warden.mjs";

export const PRE_BARRIER = "a23c08f^1";
export const BARRIER_TARGET_PCT = 5;


export function barrierScenario({ tmp, SERVER, seconds, warmup, base, results, log, before = PRE_BARRIER, rounds = 3 }) {
  return async function barrier() {
    log(`barrier: building ${before} (without the barrier) into a temp directory`);
    const t0 = Date.now();
    const old = buildAt(before, join(tmp, "pre-barrier"));
    log(`barrier: built ${old.commit.slice(0, 10)} in ${Math.round((Date.now() - t0) / 1000)} s`);
    const servers = {};
    try {
      for (const [name, main] of [["before", old.main], ["after", undefined]]) {
        const w = await startWarden({ core: SERVER, dataDir: join(tmp, `barrier-${name}`), main });
        const token = await childToken(w.url);
        const { body } = await setupApprole(w.url);
        // A reusable body (secret_id_num_uses 0): enough lines that the loader never runs dry.
        const linesFile = await writeLines(join(tmp, `barrier-${name}.lines`), 300_000, () => body);
        servers[name] = { w, token, linesFile };
      }
      const loads = {
        "lookup-self": (s) => ({ ...base, url: s.w.url, method: "GET", path: "/v1/auth/token/lookup-self", headers: { "X-Vault-Token": s.token }, watch: { server: s.w.child.pid } }),
        "login-approle": (s) => ({ ...base, url: s.w.url, method: "POST", path: "/v1/auth/approle/login", headers: { "content-type": "application/json" }, mode: "body", linesFile: s.linesFile, watch: { server: s.w.child.pid } }),
      };
      const out = { before: { ref: before, commit: old.commit }, target_pct: BARRIER_TARGET_PCT, rounds };
      for (const [kind, load] of Object.entries(loads)) {
        const r = await abCompare({ label: `barrier ${kind}`, sides: [["before", load(servers.before)], ["after", load(servers.after)]], rounds, seconds, warmup, log });
        out[kind] = { before: r.before, after: r.after, cost_pct: r.cost_pct, pass: r.cost_pct < BARRIER_TARGET_PCT && r.after.non2xx === 0 && r.before.non2xx === 0 };
      }
      results.scenarios.barrier = out;
    } finally {
      for (const s of Object.values(servers)) await stop(s.w.child);
    }
  };
}

export function barrierMarkdown(S) {
  const x = S.barrier;
  if (!x) return [];
  const out = [
    `The barrier's cost: this build against ${x.before.ref} (${x.before.commit.slice(0, 10)}, the last build without the barrier) built from git in the same run; measured in ${x.rounds ?? 2} alternating rounds each, same core and loader, each side's median.`,
    "",
    "| request | req/s without | req/s with | p99 ms without | p99 ms with | cost | target | |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const kind of ["lookup-self", "login-approle"]) {
    const k = x[kind];
    if (!k) continue;
    out.push(`| ${kind} | ${k.before.rps} | ${k.after.rps} | ${k.before.p99_ms} | ${k.after.p99_ms} | ${k.cost_pct} % | < ${x.target_pct} % | ${k.pass ? "PASS" : "**MISS**"} |`);
  }
  out.push("");
  return out;
}

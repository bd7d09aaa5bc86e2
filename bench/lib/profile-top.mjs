// Top frames of a V8 .cpuprofile by self time (and the share spent under a few known subsystems).
// Usage: node bench/lib/profile-top.mjs file.cpuprofile [N]
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

export function topFrames(file, n = 20) {
  const p = JSON.parse(readFileSync(file, "utf8"));
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const d = p.timeDeltas[i] ?? 0;
    dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + d);
  }
  const total = [...dt.values()].reduce((a, b) => a + b, 0) || 1;
  const byFrame = new Map();
  for (const node of p.nodes) {
    const t = dt.get(node.id) ?? 0;
    if (!t) continue;
    const cf = node.callFrame;
    let url = cf.url;
    try {
      if (url.startsWith("file://")) url = relative(process.cwd(), fileURLToPath(url));
    } catch {}
    const key = `${cf.functionName || "(anonymous)"} ${url ? `${url}:${cf.lineNumber + 1}` : ""}`.trim();
    byFrame.set(key, (byFrame.get(key) ?? 0) + t);
  }
  return [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([frame, t]) => ({ frame, selfPct: Math.round((t / total) * 1000) / 10 }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of topFrames(process.argv[2], Number(process.argv[3] ?? 25))) console.log(`${String(f.selfPct).padStart(5)}%  ${f.frame}`);
}

#!/usr/bin/env node
// Writes dist/build-info.json ({revision, build_date}) for `warden version` and sys/version-history,
// as Vault bakes both into its binary. Run after tsc by `npm run build` and `npm ci` (prepare).
// Outside a git checkout the revision is left empty.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";

const root = new URL("..", import.meta.url);
let revision = "";
try {
  revision = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
} catch {
  // not a checkout
}
mkdirSync(new URL("dist/", root), { recursive: true });
const info = { revision, build_date: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") };
writeFileSync(new URL("dist/build-info.json", root), `${JSON.stringify(info)}\n`);

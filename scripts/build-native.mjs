#!/usr/bin/env node
// Builds native/ (the AES-256-GCM binding the barrier seals with, native/gcm.c) with node-gyp, as npm
// builds better-sqlite3: run by `npm run build` and so by `npm ci` (prepare). Skipped when the built
// file is newer than its sources. The binding is optional: when it cannot be built (no compiler, no
// Node headers) this says why and exits 0, and the server seals with node:crypto, saying so at start.
// node-gyp is npm's own (npm_config_node_gyp under npm, else the one beside this node's npm); Node's
// headers are npm's nodedir when set, else this node's own include/node when it has one.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../native/", import.meta.url));
const out = join(dir, "build", "Release", "warden_gcm.node");
const sources = ["gcm.c", "binding.gyp"].map((f) => join(dir, f));
const mtime = (f) => statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0;

if (existsSync(out) && sources.every((s) => mtime(s) <= mtime(out))) process.exit(0);

const prefix = dirname(dirname(process.execPath));
const gyp =
  [process.env.npm_config_node_gyp, join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js")].find(
    (p) => p && existsSync(p),
  );
if (!gyp) {
  console.warn("native: node-gyp not found; the barrier will seal with node:crypto (slower)");
  process.exit(0);
}
const args = [gyp, "rebuild", "--directory", dir];
if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
if (r.status !== 0) {
  process.stderr.write(r.stdout + r.stderr);
  console.warn("native: the AES-GCM binding did not build (above); the barrier will seal with node:crypto (slower)");
}

// A second build of warden, from another commit, for scenarios that compare two releases in the same
// run (same machine, same load, minutes apart): the commit's files are extracted with `git archive`
// (no worktree, nothing written to the repository), node_modules is this checkout's (a link), and
// only src/ and plugins/ are compiled, with this checkout's TypeScript; a commit that runs its server
// from a bundle (vite.server.config.ts) gets that bundle built too, with this checkout's vite.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./procs.mjs";

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stderr}\n${r.stdout}`.slice(0, 4000));
  return r.stdout;
}

/** Builds `ref` under `dir`; returns the commit and the path of its CLI entry point (dist/src/cli/main.js). */
export function buildAt(ref, dir) {
  const commit = run("git", ["rev-parse", "--verify", `${ref}^{commit}`], { cwd: ROOT }).trim();
  mkdirSync(dir, { recursive: true });
  const tar = spawnSync("git", ["archive", "--format=tar", commit], { cwd: ROOT, maxBuffer: 512 * 1024 * 1024 });
  if (tar.status !== 0) throw new Error(`git archive ${commit} failed: ${tar.stderr}`);
  run("tar", ["-x", "-C", dir], { input: tar.stdout });
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "tsconfig.bench.json"), JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { incremental: false, sourceMap: false }, include: ["src/**/*.ts", "plugins/**/*.ts"] }));
  run(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.bench.json"], { cwd: dir });
  if (existsSync(join(dir, "vite.server.config.ts"))) {
    run(process.execPath, [join(ROOT, "node_modules", "vite", "bin", "vite.js"), "build", "--config", "vite.server.config.ts", "--logLevel", "warn"], { cwd: dir });
  }
  // The AES-GCM binding (native/) is built by `npm run build`, not by tsc: this checkout's build serves
  // (same source file in every commit that has one), so both sides seal alike.
  const binding = join(ROOT, "native", "build", "Release", "warden_gcm.node");
  if (existsSync(join(dir, "native")) && existsSync(binding)) {
    mkdirSync(join(dir, "native", "build", "Release"), { recursive: true });
    copyFileSync(binding, join(dir, "native", "build", "Release", "warden_gcm.node"));
  }
  const main = join(dir, "dist", "src", "cli", "main.js");
  if (!existsSync(main)) throw new Error(`build of ${commit} has no ${main}`);
  return { commit, main };
}

// node bench/lib/build-at.mjs <ref> [dir]: builds <ref> (into a new temp directory unless given) and
// prints its CLI entry point, for cpu-per-request.mjs --vs.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [ref, dir] = process.argv.slice(2);
  if (!ref) throw new Error("usage: node bench/lib/build-at.mjs <git ref> [dir]");
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  console.log(buildAt(ref, dir ?? mkdtempSync(join(tmpdir(), "warden-build-"))).main);
}

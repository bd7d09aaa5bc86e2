// README walk-throughs are tests: the shell blocks of README.md and plugins/*/README.md run, in order,
// in a real bash, against real processes started as the text says (dev server, emulators).
//
// docs/plugins.md (the plugin author's path) is one of those files, with `warden` on the PATH.
// Marking (the line right before a ```sh / ```bash block, blank lines allowed in between):
//   <!-- walkthrough: NAME -->     the block is a step of walk-through NAME. The blocks of one NAME in a
//                                  file run in document order in ONE shell session (variables, exports and
//                                  background servers carry over), in a scratch directory shaped like a
//                                  checkout (README.md: `npm run warden --`; plugin READMEs also have
//                                  `warden` on the PATH, as after a global install; so has docs/plugins.md).
//   <!-- not-run: REASON -->       the block is not run; REASON says why (a real cloud, root, a synopsis).
// Every shell block of those files must carry one of the two: an unmarked block fails the first test.
//
// In a walk-through: each command must exit 0; a comment `-> text` after a command (or on `# ->` lines
// below it, continued by `#   ` lines) is what its output must show (`...`/`…` skip anything, whitespace
// is free, `$VAR` is the session's value); `-> error: text` means the command must fail, printing text.
// Ports 8200, 8300, 9001, 9002, 9003 are replaced by free ones; `<root token>` is the dev server's.
// `npm start` / `warden server -dev` / `npm run *-emulator` start in the background and are waited for
// (test/docs/walkthrough-prelude.sh); `npm ci` and `npm run build` in the checkout do nothing (it is
// built); in another folder (a scaffolded plugin) they run.
// docs/contributing.md says the same for writers.
import { spawn } from "node:child_process";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, existsSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";
import { type CodeBlock, codeBlocks, indentedShellBlocks, matches, SHELL_LANGS, steps } from "./markdown-blocks.js";
import { ShellSession } from "./shell-session.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DEFAULT_PORTS = [8200, 8300, 9001, 9002, 9003];
const PLACEHOLDERS: Record<string, string> = { "<root token>": "$WT_ROOT_TOKEN" };

/** The files whose walk-throughs are tests. */
export function walkthroughFiles(): string[] {
  const plugins = readdirSync(join(ROOT, "plugins"))
    .filter((d) => existsSync(join(ROOT, "plugins", d, "README.md")))
    .sort()
    .map((d) => `plugins/${d}/README.md`);
  return ["README.md", "docs/plugins.md", ...plugins];
}

const shellBlocks = (file: string): CodeBlock[] =>
  codeBlocks(file, readFileSync(join(ROOT, file), "utf8")).filter((b) => SHELL_LANGS.has(b.lang));

const t = suite("README walk-throughs");

t("every shell block of the READMEs is a marked walk-through step or marked not run, with a reason", () => {
  const problems: string[] = [];
  for (const file of walkthroughFiles()) {
    for (const line of indentedShellBlocks(readFileSync(join(ROOT, file), "utf8"))) {
      problems.push(`${file}:${line}: an indented shell block escapes this check; fence it as \`\`\`sh and mark it`);
    }
    for (const b of shellBlocks(file)) {
      const where = `${file}:${b.line} (${b.text.split("\n")[0]!.slice(0, 60)})`;
      if (b.badMarker) problems.push(`${where}: malformed marker ${b.badMarker}`);
      else if (!b.marker) problems.push(`${where}: unmarked; put <!-- walkthrough: NAME --> or <!-- not-run: REASON --> before it`);
      // From a checkout there is no `warden` on the PATH: README.md says `npm run warden --`.
      if (file === "README.md" && b.marker?.kind === "walkthrough") {
        for (const s of steps(b)) {
          if (/(^|[;&|(`]\s*|\$\(\s*)warden\s/m.test(s.text)) problems.push(`${file}:${s.line}: bare \`warden\` (say npm run warden --)`);
        }
      }
    }
  }
  assert.equal(problems, [], problems.join("\n"));
});

t("the dev server's printed hint configures what README.md's first walk-through does", async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "warden-dev-hint-"));
  const server = spawn(process.execPath, [join(ROOT, "dist/src/cli/main.js"), "server", "-dev", `-dev-listen-address=127.0.0.1:${port}`, `-dev-data-dir=${dir}`], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stdout!.on("data", (d) => (output += d));
  try {
    await waitFor("the dev server's hint", 20_000, async () => /Try it[\s\S]*login -method=alicloud/.test(output));
    const oneLine = (text: string) => text.replace(/\\\n\s*/g, " ").replace(/[ \t]+/g, " ");
    const readme = oneLine(readFileSync(join(ROOT, "README.md"), "utf8"));
    const writes = oneLine(output).split("\n").map((l) => l.trim()).filter((l) => l.startsWith("npm run warden -- write auth/alicloud/"));
    assert.is(writes.length, 2, output);
    for (const w of writes) assert.ok(readme.includes(w.replace(/127\.0\.0\.1:\d+/, "127.0.0.1:9001")), `README.md does not run the hint's "${w}"`);
  } finally {
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Walk-throughs by file and name, blocks in document order. */
function walkthroughs(): Array<{ file: string; name: string; blocks: CodeBlock[] }> {
  const out: Array<{ file: string; name: string; blocks: CodeBlock[] }> = [];
  for (const file of walkthroughFiles()) {
    for (const b of shellBlocks(file)) {
      if (b.marker?.kind !== "walkthrough") continue;
      const name = b.marker.name;
      let w = out.find((x) => x.file === file && x.name === name);
      if (!w) out.push((w = { file, name, blocks: [] }));
      w.blocks.push(b);
    }
  }
  return out;
}

const tail = (s: string, n = 40): string => s.trimEnd().split("\n").slice(-n).join("\n");

/** A directory a reader's checkout looks like, where the session runs (its files stay out of the tree). */
function scratch(withWardenOnPath: boolean): { dir: string; home: string; logs: string; bin?: string } {
  const dir = mkdtempSync(join(tmpdir(), "warden-walkthrough-"));
  for (const name of ["package.json", "dist", "node_modules"]) symlinkSync(join(ROOT, name), join(dir, name));
  const home = join(dir, ".home");
  const logs = join(dir, ".walkthrough-logs");
  mkdirSync(home);
  mkdirSync(logs);
  if (!withWardenOnPath) return { dir, home, logs };
  const bin = join(dir, ".bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "warden"), `#!/bin/sh\nexec node "${join(ROOT, "dist/src/cli/main.js")}" "$@"\n`, { mode: 0o755 });
  return { dir, home, logs, bin };
}

for (const w of walkthroughs()) {
  t(`${w.file}: walk-through "${w.name}" runs as written`, async () => {
    const place = scratch(w.file !== "README.md");
    const ports = new Map<number, number>();
    for (const p of DEFAULT_PORTS) ports.set(p, await freePort());
    const env: Record<string, string> = {
      PATH: [place.bin, process.env.PATH].filter(Boolean).join(":"),
      HOME: place.home,
      LANG: "C.UTF-8",
      TERM: "dumb",
      TMPDIR: process.env.TMPDIR ?? "/tmp",
      WT_LOGS: place.logs,
      WT_CHECKOUT: place.dir,
    };
    for (const [p, free] of ports) env[`WT_PORT_${p}`] = String(free);
    const portAlt = DEFAULT_PORTS.join("|");
    const substitute = (text: string): string => {
      let out = text
        .replace(new RegExp(`((?:127\\.0\\.0\\.1|localhost):)(${portAlt})\\b`, "g"), (_, host: string, p: string) => `${host}${ports.get(Number(p))}`)
        .replace(new RegExp(`(--port[ =])(${portAlt})\\b`, "g"), (_, flag: string, p: string) => `${flag}${ports.get(Number(p))}`);
      for (const [placeholder, value] of Object.entries(PLACEHOLDERS)) out = out.split(placeholder).join(value);
      return out;
    };
    const session = new ShellSession(place.dir, env, place.logs);
    try {
      for (const block of w.blocks) {
        for (const step of steps(block)) {
          const where = `${w.file}:${step.line}`;
          const unknown = /<[a-z][a-z0-9 _.-]*>/i.exec(step.text.replace(/<<-?\s*['"]?\w+['"]?/g, ""));
          if (unknown && !(unknown[0] in PLACEHOLDERS)) assert.unreachable(`${where}: placeholder ${unknown[0]} cannot run; write a command that computes it`);
          const r = await session.run(substitute(step.text));
          const shown = `${where}: ${step.text.split("\n")[0]}\n--- output ---\n${tail(r.output)}`;
          if (r.timedOut) assert.unreachable(`${shown}\n(timed out)`);
          if (step.expect?.error) assert.ok(r.code !== 0, `expected a failure, got exit 0: ${shown}`);
          else assert.is(r.code, 0, `exit ${r.code}: ${shown}`);
          if (step.expect?.text) {
            let expected = step.expect.text;
            for (const v of new Set(expected.match(/\$[A-Z_][A-Z0-9_]*/g) ?? [])) {
              const value = (await session.run(`printf '%s' "${v}"`)).output.trim();
              expected = expected.split(v).join(value);
            }
            assert.ok(matches(r.output, substitute(expected)), `output does not show "${expected}": ${shown}`);
          }
        }
      }
    } finally {
      await session.close();
      rmSync(place.dir, { recursive: true, force: true });
    }
  });
}

t.run();

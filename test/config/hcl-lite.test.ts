// The plain-HCL fast path (src/config/hcl-lite.ts) must give exactly hcl2json's answer (same value,
// same key order) whenever it answers, and must answer for the policies and configs warden ships.
// Differential: every HCL text in the repository (files and template literals in src/ and test/),
// generated documents in both layouts, and random mutations of them (where hcl2json may refuse:
// then the fast path must not answer).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "@cdktn/hcl2json";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { parseHclLite } from "../../src/config/hcl-lite.js";
import { DEFAULT_POLICY_TEXT } from "../../src/core/policy/default-policy.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const t = suite("hcl-lite: plain HCL without the wasm parser, equal to hcl2json");

function files(dir: string, ext: RegExp, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) files(full, ext, out);
    else if (ext.test(name)) out.push(full);
  }
  return out;
}

/** Repository HCL: .hcl files, and template literals in TS sources that look like HCL. */
function corpus(): string[] {
  const out = [DEFAULT_POLICY_TEXT];
  for (const f of files(ROOT, /\.hcl$/)) out.push(readFileSync(f, "utf8"));
  for (const f of [...files(join(ROOT, "src"), /\.ts$/), ...files(join(ROOT, "test"), /\.ts$/), ...files(join(ROOT, "plugins"), /\.ts$/)]) {
    const src = readFileSync(f, "utf8");
    for (const m of src.matchAll(/`([^`$\\]*)`/g)) {
      const s = m[1]!;
      if (/^\s*(#[^\n]*\n\s*)*(path|listener|storage|seal|telemetry|api_addr|ui|disable_mlock|plugin_directory)\b/.test(s) && /[={]/.test(s)) out.push(s);
    }
  }
  return out;
}

async function hcl2json(text: string): Promise<unknown> {
  try {
    return { ok: await parse("t.hcl", text) };
  } catch {
    return { error: true };
  }
}

/** Equal values AND equal key order: JSON text compares both. */
async function agree(text: string): Promise<"fast" | "fallback"> {
  const lite = parseHclLite(text);
  if (lite === undefined) return "fallback";
  const real = await hcl2json(text);
  assert.equal(JSON.stringify({ ok: lite }), JSON.stringify(real), `fast path differs from hcl2json on:\n${text}`);
  return "fast";
}

// A small deterministic generator of plain documents.
let seed = 42;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const pick = <T>(xs: T[]) => xs[rnd(xs.length)]!;
const idents = ["capabilities", "allowed_parameters", "denied_parameters", "min_wrapping_ttl", "address", "path", "tls_disable", "a", "b_2", "x-y", "10", "Z"];
const strs = ["", "read", "a/b/*", "sys/+/x", 'q\\"q', "tab\\there", "back\\\\slash", "line\\nfeed", "$", "%", "{}", "=", "#", "//", "/*"];
function val(depth: number): string {
  const k = rnd(depth > 2 ? 5 : 8);
  if (k === 0) return `"${pick(strs)}"`;
  if (k === 1) return String(pick([0, 1, 42, -7, 1234567]));
  if (k === 2) return pick(["true", "false", "null"]);
  if (k === 3 || k === 4) return `"${pick(strs)}"`;
  if (k === 5) return `[${Array.from({ length: rnd(4) }, () => val(depth + 1)).join(pick([", ", ",\n", " ,"]))}${pick(["", ","])}]`;
  const items = Array.from({ length: rnd(4) }, () => `${pick([pick(idents), `"${pick(idents)}"`])} ${pick(["=", ":"])} ${val(depth + 1)}`);
  return items.length && rnd(2) ? `{\n${items.join("\n")}\n}` : `{${items.join(", ")}}`;
}
function doc(depth = 0): string {
  const lines: string[] = [];
  for (let i = 0, n = 1 + rnd(4); i < n; i++) {
    const c = rnd(6);
    if (c === 0) lines.push(pick(["# comment", "// comment", "/* c */", ""]));
    else if (c <= 2) lines.push(`${pick(idents)} = ${val(depth)}${pick(["", " # trailing", " // trailing"])}`);
    else {
      const labels = Array.from({ length: rnd(3) }, () => `"${pick(strs.slice(0, 4))}"`).join(" ");
      const head = `${pick(["path", "listener", "seal", "telemetry"])} ${labels}`.trim();
      if (depth < 2 && rnd(3)) lines.push(`${head} {\n${doc(depth + 1)}\n}`);
      else lines.push(`${head} { ${pick(idents)} = ${val(depth + 2)} }`);
    }
  }
  return lines.join(pick(["\n", "\r\n", "\n\n"]));
}
function mutate(s: string): string {
  const i = rnd(s.length + 1);
  const k = rnd(3);
  if (k === 0) return s.slice(0, i) + s.slice(i + 1);
  const ch = pick(['"', "{", "}", "[", "]", "=", ",", "\n", " ", "#", "/", "*", "$", "\\", "a", "1", ":", "-"]);
  return k === 1 ? s.slice(0, i) + ch + s.slice(i) : s.slice(0, i) + ch + s.slice(i + 1);
}

t("every shipped policy and config, and the repository's HCL texts, take the fast path with hcl2json's answer", async () => {
  const texts = corpus();
  assert.ok(texts.length >= 10, `corpus of ${texts.length} texts`);
  const shipped = [DEFAULT_POLICY_TEXT, ...files(join(ROOT, "policies"), /\.hcl$/).map((f) => readFileSync(f, "utf8")), readFileSync(join(ROOT, "config.example.hcl"), "utf8")];
  for (const s of shipped) assert.is(await agree(s), "fast", `a shipped file is not on the fast path:\n${s}`);
  let fast = 0;
  for (const s of texts) if ((await agree(s)) === "fast") fast++;
  assert.ok(fast >= texts.length * 0.8, `fast path for ${fast} of ${texts.length}`);
});

t("generated documents: equal whenever the fast path answers", async () => {
  let fast = 0;
  for (let i = 0; i < 600; i++) if ((await agree(doc())) === "fast") fast++;
  assert.ok(fast > 300, `fast path for ${fast} of 600`);
});

t("mutated documents: the fast path never accepts what hcl2json refuses or reads differently", async () => {
  const base = [...corpus().slice(0, 40), ...Array.from({ length: 60 }, () => doc())];
  for (let i = 0; i < 2500; i++) {
    let s = pick(base);
    for (let j = 0, n = 1 + rnd(3); j < n; j++) s = mutate(s);
    await agree(s);
  }
});

t("templates, references, functions and heredocs go to hcl2json", () => {
  for (const s of ['x = "${var.a}"', 'x = "%{ if a }b%{ endif }"', "x = a.b", "x = max(1, 2)", "x = <<EOF\nhi\nEOF\n", "x = 1 + 2", "x = true ? 1 : 2", 'x = "\\u00e9"', "x = 1.5", 'x = "é"', "a = 1 b = 2", "p {\n x = 1 }", 'x = 1\nx = 2']) {
    assert.is(parseHclLite(s), undefined, s);
  }
});

t.run();

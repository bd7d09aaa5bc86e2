// Reads the fenced code blocks of a markdown file and the walk-through markers that say what the
// walk-through test does with each (see the comment at the top of walkthroughs.test.ts).

/** What the line before a block says about it. */
export type Marker = { kind: "walkthrough"; name: string } | { kind: "not-run"; reason: string };

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
  marker: Marker | undefined;
  /** A marker-looking comment that is malformed (no name, no reason): reported by the check. */
  badMarker?: string;
}

/** Languages the walk-through check covers: every block a reader could paste into a shell. */
export const SHELL_LANGS = new Set(["sh", "bash", "shell", "console", "zsh"]);

const FENCE_OPEN = /^(\s*)(```+|~~~+)\s*([\w-]*)\s*$/;
const MARKER = /^<!--\s*(walkthrough|not-run)\s*:\s*(.*?)\s*-->$/;

export function codeBlocks(file: string, markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const out: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trim() === fence) break;
      body.push(l.startsWith(indent!) ? l.slice(indent!.length) : l.trimStart());
    }
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === "") prev--;
    const before = prev >= 0 ? lines[prev]!.trim() : "";
    const m = MARKER.exec(before);
    const block: CodeBlock = { file, line: i + 1, lang: lang!, text: body.join("\n"), marker: undefined };
    if (m && m[2]) block.marker = m[1] === "walkthrough" ? { kind: "walkthrough", name: m[2] } : { kind: "not-run", reason: m[2] };
    else if (m || /^<!--\s*(walk-?through|not-?run)/i.test(before)) block.badMarker = before;
    out.push(block);
    i = j;
  }
  return out;
}

/** What a step's comment says its output must be. */
export interface Expectation {
  /** `-> error...`: the command must fail (exit status not 0). */
  error: boolean;
  /** Fragments that must appear in the output, in order (`...`/`…` in the text separate them). */
  text: string;
}

export interface Step {
  /** 1-based line in the markdown file. */
  line: number;
  /** The command as bash gets it (continuation lines and heredoc bodies included). */
  text: string;
  expect?: Expectation;
}

/** The index of an unquoted `#` that starts a comment (after whitespace), or -1. */
function commentStart(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "\\") i++;
    else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return i;
  }
  return -1;
}

function expectation(comment: string): Expectation | undefined {
  const at = comment.indexOf("->");
  if (at === -1) return undefined;
  const rest = comment.slice(at + 2).trim();
  const err = /^error\b:?\s*(.*)$/s.exec(rest);
  return err ? { error: true, text: err[1]!.trim() } : { error: false, text: rest };
}

const HEREDOC = /<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

/**
 * Splits a shell block into the commands bash runs one at a time: a line with its `\` continuation
 * lines and the bodies of its heredocs is one command. Comment lines are skipped, except
 * `# -> ...` lines, which (with their indented `#   ...` continuation lines) are the expected
 * output of the command before them; a `-> ...` in a command's own trailing comment is too.
 */
export function steps(block: CodeBlock): Step[] {
  const lines = block.text.split("\n");
  const out: Step[] = [];
  let expecting: Expectation | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (trimmed === "") {
      expecting = undefined;
      continue;
    }
    if (trimmed.startsWith("#")) {
      const body = trimmed.slice(1);
      const last = out[out.length - 1];
      if (/^\s*->/.test(body) && last) {
        const e = expectation(body)!;
        if (last.expect) last.expect.text += ` ... ${e.text}`;
        else last.expect = e;
        expecting = last.expect;
      } else if (expecting && /^\s{2,}/.test(body)) {
        expecting.text += ` ${body.trim()}`;
      } else expecting = undefined;
      continue;
    }
    expecting = undefined;
    const start = i;
    const command: string[] = [line];
    let comment = "";
    const take = (l: string): void => {
      const c = commentStart(l);
      if (c !== -1) comment += ` ${l.slice(c + 1)}`;
    };
    take(line);
    while (/\\$/.test(lines[i]!) && i + 1 < lines.length) {
      command.push(lines[++i]!);
      take(lines[i]!);
    }
    for (const l of command.slice()) {
      const code = commentStart(l) === -1 ? l : l.slice(0, commentStart(l));
      for (const h of code.matchAll(HEREDOC)) {
        if (code.slice(Math.max(0, h.index! - 1), h.index! + 3) === "<<<") continue;
        const word = h[3]!;
        while (i + 1 < lines.length) {
          const body = lines[++i]!;
          command.push(body);
          if ((h[1] ? body.trim() : body) === word) break;
        }
      }
    }
    const step: Step = { line: block.line + 1 + start, text: command.join("\n") };
    const e = expectation(comment);
    if (e) step.expect = e;
    out.push(step);
  }
  return out;
}

/** Does `output` show what `expected` says (fragments in order; whitespace is ignored: tables align, JSON wraps)? */
export function matches(output: string, expected: string): boolean {
  const squash = (s: string) => s.replace(/\s+/g, "");
  const hay = squash(output);
  let at = 0;
  for (const fragment of expected.split(/\.\.\.|…/).map(squash).filter((f) => f !== "")) {
    const found = hay.indexOf(fragment, at);
    if (found === -1) return false;
    at = found + fragment.length;
  }
  return true;
}

/** A shell command at the start of a line: what an indented (unfenced) code block must not hold unmarked. */
const SHELL_COMMAND = /^(?:\$ )?(?:warden|npm|npx|node|curl|export|sudo|docker|cat|echo|install|cd)\b/;

/**
 * Indented (4-space, unfenced) code blocks whose first line is a shell command: they would escape the
 * walk-through check, so the check refuses them (fence them as ```sh and mark them). Lines inside
 * fences and list continuations are not code blocks.
 */
export function indentedShellBlocks(markdown: string): number[] {
  const lines = markdown.split("\n");
  const out: number[] = [];
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const f = FENCE_OPEN.exec(l);
    if (fence) {
      if (l.trim() === fence) fence = undefined;
      continue;
    }
    if (f) {
      fence = f[2];
      continue;
    }
    const prev = i > 0 ? lines[i - 1]! : "";
    if (prev.trim() !== "" || !/^ {4}\S/.test(l)) continue;
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === "") before--;
    // A list item's continuation paragraph is indented too: not a code block.
    if (before >= 0 && /^\s*([-*+]|\d+\.)\s/.test(lines[before]!)) continue;
    if (SHELL_COMMAND.test(l.trim())) out.push(i + 1);
  }
  return out;
}

/**
 * A fast path for the plain HCL that policies and server configs are written in: blocks with quoted
 * labels, attributes whose values are literals (strings, numbers, booleans, null, lists, objects) and
 * comments. It gives exactly what hcl2json gives for such input (same shape, same key order: hcl2json
 * is Go's encoding/json, which sorts object keys) and answers `undefined` for ANYTHING else
 * (templates, references, functions, heredocs, odd layouts, duplicates, errors), which then goes to
 * hcl2json itself. So it never accepts what hcl2json would refuse, and never decides an error message.
 *
 * Why: hcl2json is a Go program compiled to WebAssembly; starting its runtime for the first parse costs
 * ~300 ms of CPU, the largest single item of a server's start-up, for a few policy files.
 * test/config/hcl-lite.test.ts holds the two parsers equal on a corpus and on random and mutated input.
 */

type Value = string | number | boolean | null | Value[] | { [k: string]: Value };
type Body = Record<string, unknown>;

/** Thrown inside the parser to give up; never escapes parseHclLite. */
const GIVE_UP = Symbol("hcl-lite: not plain");

class Reader {
  pos = 0;
  constructor(readonly s: string) {}

  /** Skips spaces and comments; stops at a newline unless `newlines`. Returns whether it crossed one. */
  skip(newlines: boolean): boolean {
    const s = this.s;
    let crossed = false;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 13) this.pos++;
      else if (c === 10) {
        if (!newlines) return crossed;
        crossed = true;
        this.pos++;
      } else if (c === 35 || (c === 47 && s.charCodeAt(this.pos + 1) === 47)) {
        // "#" or "//" runs to the end of the line (the newline itself is left for the caller).
        const nl = s.indexOf("\n", this.pos);
        this.pos = nl === -1 ? s.length : nl;
      } else if (c === 47 && s.charCodeAt(this.pos + 1) === 42) {
        const end = s.indexOf("*/", this.pos + 2);
        if (end === -1) throw GIVE_UP;
        // A block comment spanning lines counts as a newline only where newlines may be crossed.
        if (s.slice(this.pos, end).includes("\n")) {
          if (!newlines) throw GIVE_UP;
          crossed = true;
        }
        this.pos = end + 2;
      } else return crossed;
    }
  }

  peek(): number {
    return this.s.charCodeAt(this.pos);
  }

  expect(ch: string): void {
    if (this.s[this.pos] !== ch) throw GIVE_UP;
    this.pos++;
  }

  ident(): string {
    const m = /[A-Za-z_][A-Za-z0-9_-]*/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.s);
    if (!r) throw GIVE_UP;
    this.pos += r[0].length;
    return r[0];
  }

  string(): string {
    this.expect('"');
    const s = this.s;
    let out = "";
    for (;;) {
      const c = s[this.pos];
      if (c === undefined || c === "\n" || c === "\r") throw GIVE_UP;
      this.pos++;
      if (c === '"') return out;
      if ((c === "$" || c === "%") && s[this.pos] === "{") throw GIVE_UP;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = s[this.pos++];
      if (e === "n") out += "\n";
      else if (e === "r") out += "\r";
      else if (e === "t") out += "\t";
      else if (e === '"') out += '"';
      else if (e === "\\") out += "\\";
      // \u escapes (Unicode normalisation) and anything else: hcl2json's rules decide.
      else throw GIVE_UP;
    }
  }

  value(): Value {
    this.skip(false);
    const c = this.s[this.pos];
    if (c === '"') return this.string();
    if (c === "[") return this.list();
    if (c === "{") return this.object();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    const word = this.ident();
    if (word === "true") return true;
    if (word === "false") return false;
    if (word === "null") return null;
    throw GIVE_UP;
  }

  number(): number {
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![A-Za-z0-9_.])/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.s);
    if (!r) throw GIVE_UP;
    const n = Number(r[0]);
    // Big or fractional values: hcl2json's big-number formatting decides.
    if (!Number.isSafeInteger(n) || /[.eE]/.test(r[0]) || Object.is(n, -0)) throw GIVE_UP;
    this.pos += r[0].length;
    return n;
  }

  list(): Value[] {
    this.expect("[");
    const out: Value[] = [];
    for (;;) {
      this.skip(true);
      if (this.peek() === 93) {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.skip(true);
      if (this.peek() === 44) this.pos++;
      else if (this.peek() !== 93) throw GIVE_UP;
    }
  }

  object(): { [k: string]: Value } {
    this.expect("{");
    const items: Array<[string, Value]> = [];
    for (;;) {
      this.skip(true);
      if (this.peek() === 125) {
        this.pos++;
        return sorted(items);
      }
      const key = this.peek() === 34 ? this.string() : this.ident();
      this.skip(false);
      const sep = this.s[this.pos];
      if (sep !== "=" && sep !== ":") throw GIVE_UP;
      this.pos++;
      items.push([key, this.value()]);
      // Items end with a comma, a newline, or the closing brace.
      const crossed = this.skip(true);
      if (this.peek() === 44) this.pos++;
      else if (this.peek() !== 125 && !crossed) throw GIVE_UP;
    }
  }

  /** A body (the file, or a block's), up to `}` when `inBlock`, else to the end. */
  body(inBlock: boolean): Body {
    const attrs: Array<[string, Value]> = [];
    const blocks = new Map<string, { labels: number; items: Array<[string[], Body]> }>();
    for (;;) {
      this.skip(true);
      const c = this.peek();
      if (Number.isNaN(c)) {
        if (inBlock) throw GIVE_UP;
        break;
      }
      if (c === 125) {
        if (!inBlock) throw GIVE_UP;
        this.pos++;
        break;
      }
      const name = this.ident();
      this.skip(false);
      if (this.peek() === 61 && this.s.charCodeAt(this.pos + 1) !== 61) {
        this.pos++;
        attrs.push([name, this.value()]);
      } else {
        const labels: string[] = [];
        while (this.peek() === 34) {
          labels.push(this.string());
          this.skip(false);
        }
        this.expect("{");
        const inner = this.blockBody();
        const entry = blocks.get(name) ?? { labels: labels.length, items: [] };
        if (entry.labels !== labels.length) throw GIVE_UP;
        entry.items.push([labels, inner]);
        blocks.set(name, entry);
      }
      // Every attribute and block ends its line.
      const crossed = this.skip(false);
      const next = this.peek();
      if (!crossed && next !== 10 && !Number.isNaN(next)) throw GIVE_UP;
    }
    const out: Array<[string, unknown]> = [...attrs];
    for (const [name, { labels, items }] of blocks) {
      if (labels === 0) {
        out.push([name, items.map(([, b]) => b)]);
        continue;
      }
      const root: Record<string, unknown> = {};
      for (const [ls, b] of items) {
        let node = root;
        for (let i = 0; i < ls.length - 1; i++) {
          const l = ls[i]!;
          if (!Object.hasOwn(node, l)) node[l] = {};
          node = node[l] as Record<string, unknown>;
        }
        const last = ls[ls.length - 1]!;
        if (!Object.hasOwn(node, last)) node[last] = [];
        (node[last] as Body[]).push(b);
      }
      out.push([name, sortDeep(root)]);
    }
    return sorted(out as Array<[string, Value]>) as Body;
  }

  /** After `{`: a multi-line body, `}` at once, or ONE attribute on the same line (HCL's one-line block). */
  blockBody(): Body {
    if (this.skip(false)) return this.body(true);
    if (this.peek() === 10) return this.body(true);
    if (this.peek() === 125) {
      this.pos++;
      return {};
    }
    const name = this.ident();
    this.skip(false);
    this.expect("=");
    const v = this.value();
    this.skip(false);
    this.expect("}");
    return { [name]: v };
  }
}

/** An object from its entries in Go's order (sorted keys); a duplicate or a non-ASCII key gives up. */
function sorted(items: Array<[string, Value]>): { [k: string]: Value } {
  const keys = items.map(([k]) => k);
  if (new Set(keys).size !== keys.length || keys.some((k) => /[^\x20-\x7e]/.test(k))) throw GIVE_UP;
  const out: { [k: string]: Value } = {};
  for (const [k, v] of [...items].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
  return out;
}

function sortDeep(node: Record<string, unknown>): { [k: string]: Value } {
  return sorted(Object.entries(node).map(([k, v]) => [k, (Array.isArray(v) ? v : sortDeep(v as Record<string, unknown>)) as Value]));
}

/** hcl2json's answer for plain HCL, or undefined: then only hcl2json may answer. */
export function parseHclLite(text: string): Record<string, unknown> | undefined {
  // Anything but printable ASCII, tab and line ends (control characters, a byte-order mark, text
  // HCL would normalise to NFC): the real parser's business.
  if (/[^\t\n\r\x20-\x7e]/.test(text)) return undefined;
  try {
    return new Reader(text).body(false);
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}

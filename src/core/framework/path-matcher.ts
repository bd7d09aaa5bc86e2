import type { FieldSchema } from "../../sdk/fields.js";
import type { PathDefinition } from "../../sdk/plugin.js";

/**
 * Compiles a backend's declared path patterns once. A pattern is "/"-separated segments where
 * ":name" captures one segment, ":name*" captures one or more segments, and a trailing "/?" makes
 * the last slash optional. A literal pattern wins outright; patterns with captures are tried in
 * declaration order and the first that matches wins.
 *
 * Captures into case-folding fields (`lowercase: true`, or type `lowercase_string`) are folded here,
 * and the match carries the canonical remainder: the router hands that one name to the ACL, the
 * handler and the audit log, so no handler can act on a name the ACL did not decide on.
 */

/** What the matcher needs of a path: core and plugin paths alike. */
export type RoutablePath = Pick<PathDefinition, "pattern" | "fields">;

export interface CompiledPath<P extends RoutablePath = RoutablePath> {
  def: P;
  regex: RegExp;
  captures: string[];
  /** Captures whose segment is folded to lower case before anyone sees it. */
  folded: string[];
}

export interface PathMatch<P extends RoutablePath = RoutablePath> {
  path: CompiledPath<P>;
  captures: Record<string, string>;
  /** The remainder with folded captures in their canonical form (the input itself when none). */
  remainder: string;
}

const SEGMENT = "[A-Za-z0-9_.@-]+";

export const foldsCase = (schema: FieldSchema): boolean => schema.lowercase === true || schema.type === "lowercase_string";

export function compilePattern<P extends RoutablePath>(def: P): CompiledPath<P> {
  let pattern = def.pattern;
  let optionalSlash = false;
  if (pattern.endsWith("/?")) {
    optionalSlash = true;
    pattern = pattern.slice(0, -2);
  }
  const captures: string[] = [];
  const parts = pattern === "" ? [] : pattern.split("/");
  const source = parts
    .map((part) => {
      if (part.startsWith(":")) {
        const rest = part.endsWith("*");
        const name = part.slice(1, rest ? -1 : undefined);
        if (!Object.hasOwn(def.fields, name)) {
          throw new Error(`path "${def.pattern}" captures "${name}" but declares no such field`);
        }
        captures.push(name);
        return rest ? `(?<${name}>${SEGMENT}(?:/${SEGMENT})*)` : `(?<${name}>${SEGMENT})`;
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  const folded = captures.filter((name) => foldsCase(def.fields[name]!));
  // Match indices are only asked for where a segment must be rewritten.
  const regex = new RegExp(`^${source}${optionalSlash ? "/?" : ""}$`, folded.length > 0 ? "d" : "");
  return { def, regex, captures, folded };
}

/** The match's captures and remainder with every case-folding capture lower-cased in place. */
function canonical<P extends RoutablePath>(path: CompiledPath<P>, m: RegExpExecArray, remainder: string): PathMatch<P> {
  const captures: Record<string, string> = { ...m.groups };
  if (path.folded.length === 0) return { path, captures, remainder };
  let out = remainder;
  for (const name of path.folded) {
    const [start, end] = m.indices!.groups![name]!;
    const value = remainder.slice(start, end).toLowerCase();
    captures[name] = value;
    // Segments are ASCII, so folding keeps every offset where it was.
    out = out.slice(0, start) + value + out.slice(end);
  }
  return { path, captures, remainder: out };
}

export class PathMatcher<P extends RoutablePath = RoutablePath> {
  private readonly paths: CompiledPath<P>[];
  /** Literal patterns (most paths) resolve with one map lookup. */
  private readonly literal = new Map<string, CompiledPath<P>>();

  constructor(backend: { paths: readonly P[] }) {
    this.paths = backend.paths.map((p) => compilePattern(p));
    for (const p of this.paths) {
      if (!p.def.pattern.includes(":") && !p.def.pattern.endsWith("/?") && !this.literal.has(p.def.pattern)) {
        this.literal.set(p.def.pattern, p);
      }
    }
  }

  match(remainder: string): PathMatch<P> | undefined {
    const literal = this.literal.get(remainder);
    if (literal) return { path: literal, captures: {}, remainder };
    for (const p of this.paths) {
      const m = p.regex.exec(remainder);
      if (m) return canonical(p, m, remainder);
    }
    return undefined;
  }
}

import type { PathDefinition, PluginDefinition } from "../../sdk/plugin.js";

/**
 * Compiles a backend's declared path patterns once. A pattern is "/"-separated segments where
 * ":name" captures one segment, ":name*" captures one or more segments, and a trailing "/?" makes
 * the last slash optional. A literal pattern wins outright; patterns with captures are tried in
 * declaration order and the first that matches wins.
 */
export interface CompiledPath {
  def: PathDefinition;
  regex: RegExp;
  captures: string[];
}

export interface PathMatch {
  path: CompiledPath;
  captures: Record<string, string>;
}

const SEGMENT = "[A-Za-z0-9_.@-]+";

export function compilePattern(def: PathDefinition): CompiledPath {
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
  return { def, regex: new RegExp(`^${source}${optionalSlash ? "/?" : ""}$`), captures };
}

export class PathMatcher {
  private readonly paths: CompiledPath[];
  /** Literal patterns (most paths) resolve with one map lookup. */
  private readonly literal = new Map<string, CompiledPath>();

  constructor(plugin: Pick<PluginDefinition, "paths">) {
    this.paths = plugin.paths.map(compilePattern);
    for (const p of this.paths) {
      if (!p.def.pattern.includes(":") && !p.def.pattern.endsWith("/?") && !this.literal.has(p.def.pattern)) {
        this.literal.set(p.def.pattern, p);
      }
    }
  }

  match(remainder: string): PathMatch | undefined {
    const literal = this.literal.get(remainder);
    if (literal) return { path: literal, captures: {} };
    for (const p of this.paths) {
      const m = p.regex.exec(remainder);
      if (m) return { path: p, captures: { ...m.groups } };
    }
    return undefined;
  }
}

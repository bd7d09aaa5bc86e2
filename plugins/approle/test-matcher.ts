/**
 * Test-only: the SDK's documented pattern rules (":name" captures one "/"-free segment, a trailing
 * "/?" makes the final slash optional, literal patterns win), so handler tests reach handlers by the
 * same paths clients use.
 */
import type { AnyPathDefinition } from "warden/sdk";

export function compileMatcher(paths: readonly AnyPathDefinition[]) {
  const compiled = paths.map((def) => {
    const optional = def.pattern.endsWith("/?");
    const body = optional ? def.pattern.slice(0, -2) : def.pattern;
    const src = body
      .split("/")
      .map((seg) => (seg.startsWith(":") ? `(?<${seg.slice(1)}>[A-Za-z0-9_.@-]+)` : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    return { def, literal: !def.pattern.includes(":") && !optional, re: new RegExp(`^${src}${optional ? "/?" : ""}$`) };
  });
  return (path: string): { def: AnyPathDefinition; captures: Record<string, string> } | undefined => {
    const lit = compiled.find((c) => c.literal && c.def.pattern === path);
    if (lit) return { def: lit.def, captures: {} };
    for (const c of compiled) {
      const m = c.re.exec(path);
      if (m) return { def: c.def, captures: { ...m.groups } };
    }
    return undefined;
  };
}

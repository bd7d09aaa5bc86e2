import type { TemplateContext } from "./types.js";

/**
 * Identity templating in policy paths. Only the entity id, name and metadata are supported; any
 * other `{{...}}` is refused when the policy is written, so an operator learns at once rather than
 * finding a rule that never matches.
 *
 * Substituted values are untrusted (entity metadata may be self-set): a value that is empty or
 * contains "/", "*", "+" or ".." could change which paths the rule covers (CVE-2026-5006), so the
 * whole rule is dropped instead. Dropping narrows; it never widens.
 */
const TEMPLATE_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const METADATA_PREFIX = "identity.entity.metadata.";

export function hasTemplate(path: string): boolean {
  return path.includes("{{");
}

/** Throws a plain message (the caller prefixes it) when a template is unsupported or unbalanced. */
export function validateTemplates(path: string): void {
  for (const m of path.matchAll(TEMPLATE_RE)) {
    if (!isSupported(m[1]!)) throw new Error(`unsupported template "${m[0]}"`);
  }
  const rest = path.replace(TEMPLATE_RE, "");
  if (rest.includes("{{") || rest.includes("}}")) throw new Error("unbalanced template braces");
}

function isSupported(expr: string): boolean {
  if (expr === "identity.entity.id" || expr === "identity.entity.name") return true;
  return expr.startsWith(METADATA_PREFIX) && expr.length > METADATA_PREFIX.length;
}

/** The path with every template filled in, or undefined when the rule must be dropped. */
export function fillTemplates(path: string, ctx: TemplateContext | undefined): string | undefined {
  let ok = true;
  const out = path.replace(TEMPLATE_RE, (_all, expr: string) => {
    const value = lookup(expr, ctx);
    if (value === undefined || !isSafeValue(value)) ok = false;
    return value ?? "";
  });
  return ok ? out : undefined;
}

function lookup(expr: string, ctx: TemplateContext | undefined): string | undefined {
  if (!ctx) return undefined;
  if (expr === "identity.entity.id") return ctx.entityId;
  if (expr === "identity.entity.name") return ctx.entityName;
  if (expr.startsWith(METADATA_PREFIX) && ctx.entityMetadata) {
    const key = expr.slice(METADATA_PREFIX.length);
    return Object.hasOwn(ctx.entityMetadata, key) ? ctx.entityMetadata[key] : undefined;
  }
  return undefined;
}

function isSafeValue(v: unknown): boolean {
  return (
    typeof v === "string" &&
    v !== "" &&
    !v.includes("/") &&
    !v.includes("*") &&
    !v.includes("+") &&
    !v.includes("..")
  );
}

import { badRequest } from "../../../sdk/errors.js";
import { parseDurationSeconds } from "../../../sdk/fields.js";
import type { EntityAliasRecord, EntityRecord, GroupRecord } from "../../../storage/types.js";

/**
 * Role templates (Vault's identity-token templates): a JSON object whose values may be placeholders
 * such as {{identity.entity.name}}, written unquoted. Each placeholder becomes the JSON encoding of
 * its value, so entity data (which may be self-set metadata) can never add structure to the claims.
 * A placeholder with no value renders as null and its top-level claim is left out, as Vault omits it.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.:@/-]+)\s*\}\}/g;

/** Claims the issuer sets itself; a template may not override them (Vault's list plus nbf and jti). */
export const RESERVED_CLAIMS = new Set(["iat", "aud", "exp", "iss", "sub", "namespace", "nonce", "auth_time", "at_hash", "c_hash", "nbf", "jti"]);

export interface TemplateContext {
  entity: EntityRecord;
  groups: GroupRecord[];
  aliases: EntityAliasRecord[];
  now: number;
}

/** Accepts the template as JSON or base64(JSON), as Vault does; "" stays "". Throws a 400 when invalid. */
export function normaliseTemplate(input: string): string {
  const text = input.trim();
  if (text === "") return "";
  let candidate = text;
  if (!text.startsWith("{")) {
    const decoded = Buffer.from(text, "base64").toString("utf8").trim();
    if (decoded.startsWith("{")) candidate = decoded;
  }
  // Rendering against a blank entity checks the syntax and the placeholders in one go.
  const probe: TemplateContext = {
    entity: { id: "", name: "", policies: [], metadata: {}, disabled: false, createdAt: 0, updatedAt: 0 },
    groups: [],
    aliases: [],
    now: 0,
  };
  for (const m of candidate.matchAll(PLACEHOLDER)) {
    if (!isKnown(m[1]!)) throw badRequest(`error parsing template: unsupported template element "${m[1]!.slice(0, 80)}"`);
  }
  const claims = parseRendered(candidate, probe);
  for (const k of Object.keys(claims)) if (RESERVED_CLAIMS.has(k)) throw badRequest(`top level key "${k}" in template is reserved`);
  return candidate;
}

export function renderTemplate(template: string, ctx: TemplateContext): Record<string, unknown> {
  if (template === "") return {};
  const claims = parseRendered(template, ctx);
  for (const [k, v] of Object.entries(claims)) if (v === null || RESERVED_CLAIMS.has(k)) delete claims[k];
  return claims;
}

function parseRendered(template: string, ctx: TemplateContext): Record<string, unknown> {
  const text = template.replace(PLACEHOLDER, (_all, expr: string) => JSON.stringify(lookup(expr, ctx) ?? null));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest("error parsing template: the template must be a JSON object (placeholders unquoted)");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw badRequest("error parsing template: the template must be a JSON object");
  return parsed as Record<string, unknown>;
}

const ENTITY = "identity.entity.";

function isKnown(expr: string): boolean {
  if (expr === "time.now" || /^time\.now\.(plus|minus)\.[0-9a-z.]+$/.test(expr)) return true;
  if (!expr.startsWith(ENTITY)) return false;
  const rest = expr.slice(ENTITY.length);
  if (["id", "name", "metadata", "groups.names", "groups.ids"].includes(rest)) return true;
  if (/^metadata\.[^.]+$/.test(rest)) return true;
  return /^aliases\.[^.]+\.(id|name|metadata|metadata\.[^.]+)$/.test(rest);
}

function lookup(expr: string, ctx: TemplateContext): unknown {
  if (expr === "time.now") return Math.floor(ctx.now / 1000);
  const t = /^time\.now\.(plus|minus)\.(.+)$/.exec(expr);
  if (t) {
    const d = parseDurationSeconds(t[2], "template duration");
    return Math.floor(ctx.now / 1000) + (t[1] === "plus" ? d : -d);
  }
  if (!expr.startsWith(ENTITY)) return undefined;
  const rest = expr.slice(ENTITY.length);
  const { entity } = ctx;
  switch (rest) {
    case "id":
      return entity.id;
    case "name":
      return entity.name;
    case "metadata":
      return { ...entity.metadata };
    case "groups.names":
      return ctx.groups.map((g) => g.name).sort();
    case "groups.ids":
      return ctx.groups.map((g) => g.id).sort();
  }
  if (rest.startsWith("metadata.")) return own(entity.metadata, rest.slice(9));
  const a = /^aliases\.([^.]+)\.(id|name|metadata)(?:\.([^.]+))?$/.exec(rest);
  if (a) {
    const alias = ctx.aliases.find((x) => x.mountAccessor === a[1]);
    if (!alias) return undefined;
    if (a[2] === "id") return alias.id;
    if (a[2] === "name") return alias.name;
    return a[3] === undefined ? { ...alias.metadata } : own(alias.metadata, a[3]);
  }
  return undefined;
}

/** Own properties only: a metadata key named "__proto__" or "toString" must not reach the prototype. */
function own(map: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

import type { FieldSchema, Fields } from "../../sdk/fields.js";
import type { Operation, PathDefinition } from "../../sdk/plugin.js";
import { isSecretFieldName } from "../logging/logger.js";

/**
 * What a backend's path declarations say about its API, in two forms: an OpenAPI 3 document
 * (sys/internal/specs/openapi) and Vault's path help (`?help=1`, `warden path-help`). Both are
 * built from the declarations only (pattern, fields, operations, help, description), never from
 * stored data, and a default that could be a secret is never shown.
 */

/** What the docs need of a path: core and plugin paths alike. */
export type DocumentedPath = Pick<PathDefinition, "pattern" | "fields" | "unauthenticated" | "sudo" | "help" | "description"> & {
  operations: Partial<Record<Operation, unknown>>;
  existenceCheck?: unknown;
};

/** A mount as the document shows it: its path ("auth/approle/"), type and declared paths. */
export interface DocumentedMount {
  path: string;
  type: string;
  description: string;
  paths: readonly DocumentedPath[];
}

type Json = Record<string, unknown>;

const OPENAPI_VERSION = "3.0.2";

/** A default shown in the docs: never a non-empty string of a secret-named field. */
function shownDefault(name: string, schema: FieldSchema): unknown {
  const value = schema.default;
  if (value === undefined) return undefined;
  if (isSecretFieldName(name) && typeof value === "string" && value !== "") return undefined;
  // A duration's default is seconds; its schema is a string (Vault's "duration" format), so say it as one.
  if (schema.type === "duration" && typeof value === "number") return String(value);
  return value;
}

/** A field's OpenAPI schema (Vault's mapping of framework types). */
export function fieldSchema(name: string, schema: FieldSchema): Json {
  const out: Json = {};
  switch (schema.type) {
    case "int":
      out.type = "integer";
      break;
    case "bool":
      out.type = "boolean";
      break;
    case "duration":
      out.type = "string";
      out.format = "duration";
      break;
    case "comma_string_slice":
    case "string_slice":
      out.type = "array";
      out.items = { type: "string" };
      break;
    case "map":
      out.type = "object";
      break;
    case "kv_pairs":
      out.type = "object";
      out.additionalProperties = { type: "string" };
      break;
    case "header":
      out.type = "object";
      out.additionalProperties = { type: "array", items: { type: "string" } };
      break;
    default:
      out.type = "string";
      if (schema.type === "lowercase_string" || schema.lowercase) out.format = "lowercase";
  }
  if (schema.description) out.description = schema.description;
  if (schema.allowedValues) out.enum = [...schema.allowedValues];
  const def = shownDefault(name, schema);
  if (def !== undefined) out.default = def;
  if (schema.deprecated) out.deprecated = true;
  return out;
}

interface ParsedPattern {
  /** "/auth/approle/role/{role_name}" */
  oasPath: string;
  captures: string[];
}

function parsePattern(mountPath: string, pattern: string): ParsedPattern {
  const trimmed = pattern.endsWith("/?") ? `${pattern.slice(0, -2)}/` : pattern;
  const captures: string[] = [];
  const segments = trimmed.split("/").map((seg) => {
    if (!seg.startsWith(":")) return seg;
    const name = seg.slice(1).replace(/\*$/, "");
    captures.push(name);
    return `{${name}}`;
  });
  return { oasPath: `/${mountPath}${segments.join("/")}`, captures };
}

function operationId(method: string, oasPath: string): string {
  const words = oasPath.split(/[^A-Za-z0-9]+/).filter((w) => w !== "");
  return [method, ...words].join("-");
}

/** One path's OpenAPI path item, keyed by its OpenAPI path. */
export function openApiPathItem(mount: Pick<DocumentedMount, "path" | "type">, def: DocumentedPath): [string, Json] {
  const { oasPath, captures } = parsePattern(mount.path, def.pattern);
  const tags = [mount.path.startsWith("auth/") ? "auth" : mount.path === "sys/" ? "system" : mount.path.replace(/\/$/, "")];
  const item: Json = {};
  if (def.help) item.description = def.help;
  if (captures.length > 0) {
    item.parameters = captures.map((name) => ({
      name,
      in: "path",
      required: true,
      description: def.fields[name]?.description ?? name,
      schema: { type: "string" },
    }));
  }
  if (def.unauthenticated) item["x-vault-unauthenticated"] = true;
  if (def.sudo) item["x-vault-sudo"] = true;
  if (def.operations.create || (def.existenceCheck && def.operations.update)) item["x-vault-createSupported"] = true;

  const summary = def.help ?? `${mount.type} ${def.pattern}`;
  const base = (method: string): Json => {
    const op: Json = { summary, operationId: operationId(method, oasPath), tags, responses: { "200": { description: "OK" }, "204": { description: "empty body" } } };
    if (def.description) op.description = def.description;
    return op;
  };
  const ops = def.operations;
  if (ops.read || ops.list) {
    const get = base("read");
    if (ops.list) {
      // Vault's list is a GET with list=true; a path that only lists needs it.
      get.parameters = [{ name: "list", in: "query", required: !ops.read, description: "Return a list of keys", schema: { type: "string", enum: ["true"] } }];
    }
    item.get = get;
  }
  if (ops.create || ops.update) {
    const post = base("write");
    const body = requestBody(def.fields, captures);
    if (body) post.requestBody = body;
    item.post = post;
  }
  if (ops.delete) item.delete = base("delete");
  return [oasPath, item];
}

function requestBody(fields: Fields, captures: readonly string[]): Json | undefined {
  const properties: Json = {};
  const required: string[] = [];
  for (const [name, schema] of Object.entries(fields)) {
    if (captures.includes(name)) continue;
    properties[name] = fieldSchema(name, schema);
    if (schema.required) required.push(name);
  }
  if (Object.keys(properties).length === 0) return undefined;
  const schema: Json = { type: "object", properties };
  if (required.length > 0) schema.required = required;
  return { required: required.length > 0, content: { "application/json": { schema } } };
}

function emptyDocument(): Json & { paths: Json } {
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: "warden API",
      description: "HTTP API of warden, a Vault-compatible auth server. Every route is prefixed with `/v1/`.",
      version: "1.0.0",
    },
    paths: {},
  };
}

/** The OpenAPI document of these mounts' paths; `include` says which paths the caller may see. */
export function openApiDocument(mounts: readonly DocumentedMount[], include: (mount: DocumentedMount, def: DocumentedPath) => boolean): Json {
  const doc = emptyDocument();
  for (const mount of [...mounts].sort((a, b) => a.path.localeCompare(b.path))) {
    for (const def of mount.paths) {
      if (!include(mount, def)) continue;
      const [path, item] = openApiPathItem(mount, def);
      // The first declaration wins, as in routing.
      if (!(path in doc.paths)) doc.paths[path] = item;
    }
  }
  return doc;
}

/**
 * Vault's help answer for one path: `help` (synopsis, parameters, description, as text), the path's
 * OpenAPI document, and `see_also`.
 */
export function pathHelp(requestPath: string, mount: DocumentedMount, def: DocumentedPath): Json {
  const lines = [`Request:        ${requestPath.slice(mount.path.length)}`, `Matching Route: ${def.pattern}`, "", def.help ?? "(no synopsis)", ""];
  const names = Object.keys(def.fields).sort();
  if (names.length > 0) {
    lines.push("## PARAMETERS", "");
    for (const name of names) {
      const schema = def.fields[name]!;
      lines.push(`    ${name} (${schema.type})`, "");
      if (schema.description) lines.push(...schema.description.split("\n").map((l) => `        ${l}`), "");
    }
  }
  lines.push("## DESCRIPTION", "", def.description ?? def.help ?? "", "");
  const doc = emptyDocument();
  const [path, item] = openApiPathItem(mount, def);
  doc.paths[path] = item;
  return { help: lines.join("\n"), openapi: doc, see_also: null };
}

/**
 * The field schemas of a mount's paths, from the public OpenAPI document
 * (GET /v1/sys/internal/specs/openapi): the same declarations the server parses requests with, so
 * a custom plugin's role form needs no console code.
 */

export interface FieldSpec {
  name: string;
  type: "string" | "integer" | "boolean" | "array" | "object";
  format?: string;
  description?: string;
  enum?: string[];
  default?: unknown;
  required: boolean;
  deprecated: boolean;
}

export interface RolePathSpec {
  /** "/auth/approle/role/{role_name}" */
  path: string;
  /** The role name's path parameter ("role_name", "role", "name"). */
  nameParam: string;
  /** The body fields, in declaration order. */
  fields: FieldSpec[];
}

type OpenApi = { paths?: Record<string, any> };

function toFields(schema: any): FieldSpec[] {
  const props: Record<string, any> = schema?.properties ?? {};
  const required: string[] = schema?.required ?? [];
  return Object.entries(props).map(([name, p]) => ({
    name,
    type: ["integer", "boolean", "array", "object"].includes(p.type) ? p.type : "string",
    ...(p.format ? { format: p.format } : {}),
    ...(p.description ? { description: p.description } : {}),
    ...(Array.isArray(p.enum) ? { enum: p.enum.map(String) } : {}),
    ...(p.default !== undefined ? { default: p.default } : {}),
    required: required.includes(name),
    deprecated: p.deprecated === true,
  }));
}

/** The role path of an auth mount ("approle/"): `/auth/<mount>role/{name}` with a writable body. */
export function rolePathSpec(doc: OpenApi, mountPath: string): RolePathSpec | undefined {
  const prefix = `/auth/${mountPath.replace(/\/?$/, "/")}role/`;
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith(prefix)) continue;
    const m = /^\{([^}/]+)\}$/.exec(path.slice(prefix.length));
    if (!m || !item.post) continue;
    const schema = item.post.requestBody?.content?.["application/json"]?.schema;
    return { path, nameParam: m[1]!, fields: toFields(schema) };
  }
  return undefined;
}

/** The body fields of any writable path of the document (tune forms and the like). */
export function bodyFields(doc: OpenApi, path: string): FieldSpec[] {
  return toFields(doc.paths?.[path]?.post?.requestBody?.content?.["application/json"]?.schema);
}

/** "a, b,,c " -> ["a", "b", "c"]: a comma-separated input as the list it names. */
export const splitList = (s: string): string[] =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");

/**
 * A form's text inputs -> the request body: only fields the operator touched are sent, so the
 * server's defaults (and a role's stored values) stay as they are.
 */
export function formBody(fields: readonly FieldSpec[], values: Record<string, string | boolean>, touched: ReadonlySet<string>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    if (!touched.has(f.name)) continue;
    const v = values[f.name];
    if (f.type === "boolean") {
      body[f.name] = v === true;
      continue;
    }
    const s = typeof v === "string" ? v.trim() : "";
    if (f.type === "array") body[f.name] = splitList(s);
    else if (f.type === "integer") body[f.name] = s === "" ? 0 : /^-?\d+$/.test(s) ? Number(s) : s; // the server says what is wrong with "abc"
    else if (f.type === "object") body[f.name] = s === "" ? {} : parseObject(s);
    else body[f.name] = s;
  }
  return body;
}

/** An object field: JSON, or `key=value` pairs one per line. */
function parseObject(s: string): unknown {
  if (s.startsWith("{")) {
    try {
      return JSON.parse(s);
    } catch {
      return s; // sent as is: the server names the field in its error
    }
  }
  return Object.fromEntries(
    s
      .split(/\n|,/)
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .map((l) => {
        const eq = l.indexOf("=");
        return eq < 0 ? [l, ""] : [l.slice(0, eq).trim(), l.slice(eq + 1).trim()];
      }),
  );
}

/** A stored value (from a read) as the text an input shows. */
export function inputValue(f: FieldSpec, v: unknown): string | boolean {
  if (f.type === "boolean") return v === true;
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) return v.join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

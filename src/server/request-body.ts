import type { IncomingMessage } from "node:http";
import { WardenError, badRequest } from "../sdk/errors.js";

const MAX_DEPTH = 32;
const MAX_NODES = 5000;

/**
 * Reads at most `maxBytes` of the body while it streams in; more is a 413, never buffered. Plain
 * stream events: an async iterator over the request costs more than the read on small JSON bodies.
 */
export function readBody(body: IncomingMessage, declaredLength: string | undefined, maxBytes: number): Promise<string> {
  if (declaredLength !== undefined && Number(declaredLength) > maxBytes) return Promise.reject(new WardenError(413, "http: request body too large"));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        body.off("data", onData);
        body.resume();
        reject(new WardenError(413, "http: request body too large"));
        return;
      }
      chunks.push(chunk);
    };
    body.on("data", onData);
    body.once("end", () => resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    body.once("error", reject);
  });
}

/**
 * Vault's body rules: JSON whatever the content type, form data only when declared and not
 * starting with "{" or "["; an empty body is no data. Depth and size of the JSON are bounded so no
 * later recursive walk (audit hashing, field parsing) can blow the stack.
 */
export function parseBody(text: string, contentType: string | undefined): Record<string, unknown> {
  const trimmed = text.trimStart();
  if (trimmed === "") return Object.create(null);
  if (contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded") && !/^[{[]/.test(trimmed)) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of new URLSearchParams(text)) out[k] = k in out ? `${String(out[k])},${v}` : v;
    return out;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest("failed to decode JSON input: invalid JSON");
  }
  if (value === null) return Object.create(null);
  if (typeof value !== "object" || Array.isArray(value)) throw badRequest("failed to decode JSON input: expected an object");
  checkShape(value);
  return value as Record<string, unknown>;
}

function checkShape(root: unknown): void {
  const stack: Array<[unknown, number]> = [[root, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (++nodes > MAX_NODES) throw badRequest("failed to decode JSON input: too many values");
    if (depth > MAX_DEPTH) throw badRequest("failed to decode JSON input: nested too deeply");
    if (v !== null && typeof v === "object") {
      for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
    }
  }
}

/** Query parameters as Vault reads them: one value -> string, repeated -> list. */
export function queryData(query: Record<string, string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, values] of Object.entries(query)) {
    if (k === "list" || k === "help") continue;
    out[k] = values.length === 1 ? values[0] : values;
  }
  return out;
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** `?list=` is parsed like Go's strconv.ParseBool; anything else is a 400. */
export function parseListFlag(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw badRequest(`invalid value for list parameter: "${value.slice(0, 20)}"`);
}

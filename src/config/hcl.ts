import { badRequest } from "../sdk/errors.js";
import { parseHclLite } from "./hcl-lite.js";

/**
 * The one HCL entry point of warden: policies and the server config both come through here, so
 * there is one place that knows the parser's output shape and error format.
 *
 * Output shape (HCL2 via hcl2json): attributes are plain values; blocks become arrays keyed by
 * their labels, e.g. `path "a" { ... }` -> `{ path: { a: [{ ... }] } }`.
 */

/** Refuse absurd inputs before they reach the wasm parser (it runs on the event loop). */
export const MAX_HCL_BYTES = 1024 * 1024;

export async function parseHcl(text: string, filename: string): Promise<Record<string, unknown>> {
  if (Buffer.byteLength(text, "utf8") > MAX_HCL_BYTES) {
    throw badRequest(`${filename}: larger than ${MAX_HCL_BYTES} bytes`);
  }
  // Plain HCL (every shipped policy and config) is parsed without starting hcl2json's wasm runtime;
  // anything else, errors included, is hcl2json's (loaded on first need).
  const plain = parseHclLite(text);
  if (plain !== undefined) return plain;
  let out: unknown;
  try {
    const { parse } = await import("@cdktn/hcl2json");
    out = await parse(filename, text);
  } catch (e) {
    throw badRequest(cleanMessage(e, filename));
  }
  if (out === null || typeof out !== "object" || Array.isArray(out)) {
    throw badRequest(`${filename}: does not contain a root object`);
  }
  return out as Record<string, unknown>;
}

/**
 * hcl2json reports `parse config: [file:1,2-3: Summary; Detail.]` (several diagnostics joined by
 * ", "); strip the wrapper so the operator sees "file:line,col: what is wrong".
 */
function cleanMessage(e: unknown, filename: string): string {
  const raw = e instanceof Error ? e.message : String(e);
  const m = /^parse config: \[(.*)\]$/s.exec(raw.trim());
  const body = (m ? m[1]! : raw).trim();
  if (body === "") return `${filename}: invalid HCL`;
  return body.startsWith(filename) ? body : `${filename}: ${body}`;
}

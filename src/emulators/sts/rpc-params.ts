// Collects the RPC parameters of one request from the query string and, for POST, a form body —
// the Go SDK puts everything in the query, pop-core and the V2 SDK put it in the body.
import { stsErrors } from "./errors.js";

export interface ParsedRpcParams {
  /** Every parameter exactly once (Signature included); built with fromEntries so "__proto__" is inert. */
  params: Record<string, string>;
  /** The URL query alone, duplicates preserved, for the request log. */
  query: Record<string, string[]>;
}

function pairs(encoded: string): Array<[string, string]> {
  // URLSearchParams decodes "+" as space, matching Go's url.Values encoding of the Vault CLI's URLs.
  return [...new URLSearchParams(encoded)];
}

export function isFormContentType(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase() === "application/x-www-form-urlencoded";
}

/** Groups the query for the request log without rejecting anything. */
export function groupQuery(search: string): Record<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of pairs(search)) grouped.set(k, [...(grouped.get(k) ?? []), v]);
  return Object.fromEntries(grouped);
}

/**
 * Merges query and form-body parameters. A name given twice — within one source or across both — is
 * rejected: the signature covers one value per name, and ambiguity is exactly what request-smuggling
 * through a verifier relies on.
 */
export function parseRpcParams(search: string, formBody: string | null): ParsedRpcParams {
  const merged = new Map<string, string>();
  const all = [...pairs(search), ...(formBody === null ? [] : pairs(formBody))];
  for (const [k, v] of all) {
    if (merged.has(k)) throw stsErrors.duplicateParameter(k);
    merged.set(k, v);
  }
  return { params: Object.fromEntries(merged), query: groupQuery(search) };
}

import { badRequest } from "./errors.js";

/**
 * How much of a URL an operator-configured endpoint may carry beyond scheme://host[:port]:
 *  - "origin": nothing (a lone trailing "/" is fine): where a plugin sends requests it builds itself
 *    (sts_endpoint, auth_endpoint), so nothing of a client's input can be smuggled into it;
 *  - "base": a path the plugin appends to (kubernetes_host = https://host:6443/prefix), no query;
 *  - "url": a document to fetch as written (jwks_url, oidc_discovery_url), query included.
 */
export type HttpUrlShape = "origin" | "base" | "url";

/**
 * The one check for http(s) endpoints in plugin configs. Always refused: other schemes, credentials
 * (user:pass@host: they would end up in logs and allow-lists), a fragment. Returns the value to
 * store: the canonical origin ("origin"), the URL without trailing slashes ("base"), or the trimmed
 * input unchanged ("url": an issuer URL is compared as written). Errors are 400s naming `field`.
 */
export function checkHttpUrl(input: string, field: string, shape: HttpUrlShape = "origin"): string {
  const s = input.trim();
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw badRequest(`${field} must be an http(s) URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw badRequest(`${field} must be an http(s) URL`);
  if (url.username || url.password) throw badRequest(`${field} must not contain credentials`);
  // An empty "?" or "#" parses to nothing, yet is still not a bare origin: look at the text too.
  if (url.hash || s.includes("#")) throw badRequest(`${field} must not have a fragment`);
  if (shape !== "url" && (url.search || s.includes("?"))) throw badRequest(`${field} must not have a query`);
  if (shape === "origin") {
    if (url.pathname !== "/") throw badRequest(`${field} must be an origin (scheme://host[:port]), without a path`);
    return url.origin;
  }
  return shape === "base" ? url.href.replace(/\/+$/, "") : s;
}

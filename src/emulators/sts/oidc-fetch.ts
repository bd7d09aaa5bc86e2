// Fetches an issuer's discovery document and JWKS the way a careful relying party does: plain GET, no
// redirects followed, a deadline, and a size cap, so a misbehaving issuer cannot stall or flood STS.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

const TIMEOUT_MS = 5_000;
const MAX_BYTES = 256 * 1024;

export class FetchFailed extends Error {}

export function fetchJson(url: string): Promise<unknown> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new FetchFailed("not a URL"));
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return Promise.reject(new FetchFailed("unsupported scheme"));
  const send = u.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(u, { method: "GET", headers: { accept: "application/json" }, agent: false, timeout: TIMEOUT_MS }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new FetchFailed(`status ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) {
          req.destroy(new FetchFailed("response too large"));
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch {
          reject(new FetchFailed("not JSON"));
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new FetchFailed("timeout")));
    req.on("error", (e) => reject(e instanceof FetchFailed ? e : new FetchFailed(e.message)));
    req.end();
  });
}

/** The JWKS of an issuer: discovery first (its issuer must match), then jwks_uri. */
export async function fetchIssuerKeys(issuer: string): Promise<Array<Record<string, unknown>>> {
  const discovery = await fetchJson(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
  if (!isObject(discovery) || discovery.issuer !== issuer || typeof discovery.jwks_uri !== "string") {
    throw new FetchFailed("discovery document does not name this issuer and a jwks_uri");
  }
  const jwks = await fetchJson(discovery.jwks_uri);
  if (!isObject(jwks) || !Array.isArray(jwks.keys)) throw new FetchFailed("jwks_uri did not answer a key set");
  return jwks.keys.filter(isObject);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

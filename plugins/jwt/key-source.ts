/**
 * Where verification keys come from: an OIDC discovery document (its jwks_uri), a JWKS URL, or PEMs
 * in the config. Every remote fetch goes through the SDK's HttpClient, so the core's rules apply
 * (no redirects: a 3xx is just a status we refuse; a hard timeout; a response size cap), and only
 * the public members of each JWK are kept: a JWKS that leaks a private "d" or publishes an "oct"
 * secret can never turn into a signing key or an HMAC secret here.
 */
import { createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { badRequest, checkHttpUrl, type HttpClient } from "warden/sdk";

/** Knobs for fetches; a test seam (tests shorten the timeout), otherwise constants. */
export const fetchLimits = {
  timeoutMs: 5_000,
  maxDiscoveryBytes: 64 * 1024,
  maxJwksBytes: 256 * 1024,
  /** More keys than this in one JWKS is refused: each one may cost an import. */
  maxKeys: 100,
};

export interface PublicJwk {
  kty: "RSA" | "EC" | "OKP";
  kid?: string;
  alg?: string;
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
}

/** A fetch failure with a message fit for the operator (never the body of the remote answer). */
export class KeySourceError extends Error {}

async function getJson(http: HttpClient, url: string, maxBytes: number, what: string, ca: string | undefined, service: "jwks" | "oidc_discovery"): Promise<unknown> {
  let res;
  try {
    res = await http.request({
      method: "GET",
      url,
      headers: { accept: "application/json" },
      service,
      timeoutMs: fetchLimits.timeoutMs,
      maxResponseBytes: maxBytes,
      // A private CA (jwks_ca_pem / oidc_discovery_ca_pem) replaces the system store; still verified.
      ...(ca ? { ca } : {}),
    });
  } catch (e) {
    // The SDK client keeps the real cause (timeout, size, network) in `cause`, never in the message.
    const cause = (e as { cause?: unknown }).cause;
    throw new KeySourceError(`fetching ${what} failed${typeof cause === "string" ? `: ${cause}` : ""}`);
  }
  if (res.status >= 300 && res.status < 400) throw new KeySourceError(`fetching ${what} failed: redirects are not followed (status ${res.status})`);
  if (res.status !== 200) throw new KeySourceError(`fetching ${what} failed: status ${res.status}`);
  try {
    return JSON.parse(res.body.toString("utf8"));
  } catch {
    throw new KeySourceError(`${what} is not valid JSON`);
  }
}

/** Vault's and go-oidc's rule: the discovery URL is the issuer, compared without a trailing slash. */
export const trimSlash = (u: string): string => u.replace(/\/+$/, "");

export interface Discovery {
  issuer: string;
  jwksUri: string;
}

export async function fetchDiscovery(http: HttpClient, discoveryUrl: string, ca?: string): Promise<Discovery> {
  const url = `${trimSlash(discoveryUrl)}/.well-known/openid-configuration`;
  const doc = await getJson(http, url, fetchLimits.maxDiscoveryBytes, "the discovery document", ca, "oidc_discovery");
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new KeySourceError("the discovery document is not a JSON object");
  const { issuer, jwks_uri: jwksUri } = doc as Record<string, unknown>;
  if (typeof issuer !== "string" || typeof jwksUri !== "string") throw new KeySourceError("the discovery document lacks issuer or jwks_uri");
  // The issuer check is what ties the keys to the URL the operator trusted (go-oidc does the same).
  if (trimSlash(issuer) !== trimSlash(discoveryUrl)) {
    throw new KeySourceError(`issuer did not match the issuer returned by provider, expected "${trimSlash(discoveryUrl)}" got "${issuer.slice(0, 200)}"`);
  }
  try {
    checkHttpUrl(jwksUri, "jwks_uri", "url");
  } catch (e) {
    // The SDK's check answers a 400; here the bad URL is the provider's, reported as a fetch failure.
    throw new KeySourceError((e as Error).message);
  }
  return { issuer, jwksUri };
}

export async function fetchJwks(http: HttpClient, jwksUrl: string, ca?: string): Promise<PublicJwk[]> {
  const doc = await getJson(http, jwksUrl, fetchLimits.maxJwksBytes, "the JWKS", ca, "jwks");
  const keys = doc !== null && typeof doc === "object" ? (doc as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new KeySourceError('the JWKS has no "keys" list');
  if (keys.length > fetchLimits.maxKeys) throw new KeySourceError(`the JWKS has more than ${fetchLimits.maxKeys} keys`);
  const out: PublicJwk[] = [];
  for (const k of keys) {
    const pub = publicPart(k);
    if (pub) out.push(pub);
  }
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Copies only the public members of a signing JWK; anything else (oct, enc keys, junk) is skipped. */
function publicPart(k: unknown): PublicJwk | undefined {
  if (k === null || typeof k !== "object") return undefined;
  const j = k as Record<string, unknown>;
  if (j.use !== undefined && j.use !== "sig") return undefined;
  const base = { kid: str(j.kid), alg: str(j.alg) };
  const clean = (o: Record<string, unknown>): PublicJwk => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as PublicJwk;
  if (j.kty === "RSA" && str(j.n) && str(j.e)) return clean({ kty: "RSA", ...base, n: str(j.n), e: str(j.e) });
  if (j.kty === "EC" && str(j.crv) && str(j.x) && str(j.y)) return clean({ kty: "EC", ...base, crv: str(j.crv), x: str(j.x), y: str(j.y) });
  if (j.kty === "OKP" && str(j.crv) && str(j.x)) return clean({ kty: "OKP", ...base, crv: str(j.crv), x: str(j.x) });
  return undefined;
}

/**
 * Parses one PEM of jwt_validation_pubkeys (a public key or a certificate). A private key is refused
 * rather than silently reduced to its public half: it must not be stored in the config at all.
 */
export function parsePublicPem(pem: string, index: number): KeyObject {
  if (/PRIVATE KEY/.test(pem)) throw badRequest(`error parsing public key: jwt_validation_pubkeys[${index}] is a private key; give the public key`);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw badRequest(`error parsing public key: jwt_validation_pubkeys[${index}] is not a PEM public key or certificate`);
  }
  if (!["rsa", "rsa-pss", "ec", "ed25519"].includes(key.asymmetricKeyType ?? "")) {
    throw badRequest(`error parsing public key: jwt_validation_pubkeys[${index}] has an unsupported key type`);
  }
  return key;
}

/**
 * Validates a CA field (jwks_ca_pem, oidc_discovery_ca_pem): one or more PEM certificates and nothing
 * else, so a typo is a 400 at write time rather than every fetch failing TLS later.
 */
export function parseCaPem(pem: string, field: string): string {
  if (/PRIVATE KEY/.test(pem)) throw badRequest(`${field} must hold certificates only, not a private key`);
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw badRequest(`${field} is not a PEM certificate`);
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch {
      throw badRequest(`${field} holds a certificate that cannot be parsed`);
    }
  }
  return blocks.join("\n") + "\n";
}

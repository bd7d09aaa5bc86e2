/**
 * Verifying a login JWT: shape and size first (cheap, before any base64 or JSON work on a big
 * input), then the header's alg against the configured list (so none and HS* never reach a key),
 * then the signature with a key of the configured source only, then the registered claims with the
 * role's leeways. Every failure is a message for a 400, prefixed as Vault prefixes it.
 */
import type { HttpClient, Logger } from "warden/sdk";
import { audiences, type Claims } from "./claims.js";
import type { KeysetCache } from "./keyset-cache.js";
import type { ConfigEntry } from "./path-config.js";
import {
  DEFAULT_CLOCK_SKEW,
  DEFAULT_EXPIRATION_LEEWAY,
  DEFAULT_NOT_BEFORE_LEEWAY,
  effectiveLeeway,
  type RoleEntry,
} from "./role-entry.js";

/** GitHub's and Kubernetes' tokens are 1-2 KiB; anything near this is not a workload token. */
export const MAX_JWT_BYTES = 16 * 1024;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export class TokenError extends Error {}

const fail = (why: string): never => {
  throw new TokenError(`error validating token: ${why}`);
};

export interface Header {
  alg: string;
  kid?: string;
}

/** Size, compact shape and a JSON header with a string alg (and kid, if any). */
export function readHeader(jwt: string): Header {
  if (jwt.length > MAX_JWT_BYTES) fail(`token is larger than ${MAX_JWT_BYTES} bytes`);
  if (!COMPACT_JWS.test(jwt)) fail("malformed token: not a compact JWS (header.payload.signature)");
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(jwt.slice(0, jwt.indexOf(".")), "base64url").toString("utf8"));
  } catch {
    fail("malformed token: the header is not JSON");
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) return fail("malformed token: the header is not a JSON object");
  const { alg, kid } = header as Record<string, unknown>;
  if (typeof alg !== "string") return fail("malformed token: no alg in the header");
  if (kid !== undefined && typeof kid !== "string") return fail("malformed token: kid is not a string");
  return kid === undefined ? { alg } : { alg, kid };
}

export interface Verified {
  claims: Claims;
  /** The issuer a discovery document announced, if the keys came from one. */
  discoveredIssuer?: string;
}

/** Header, algorithm and signature; returns the payload's claims. */
export async function verifySignature(
  jwt: string,
  config: ConfigEntry,
  ctx: { keys: KeysetCache; http: HttpClient; log: Logger },
): Promise<Verified> {
  const header = readHeader(jwt);
  if (!config.jwt_supported_algs.includes(header.alg)) fail(`unsupported signing algorithm "${header.alg.slice(0, 20)}"`);
  const found = await ctx.keys.candidates(ctx.http, ctx.log, config, header);
  if (found.error !== undefined) fail(found.error);
  let payload: Uint8Array | undefined;
  // jose on first use: a server that verifies no JWT never loads it.
  const { compactVerify } = await import("jose");
  for (const key of found.keys) {
    try {
      // algorithms: exactly the header's (already allowed) alg; jose also checks key/alg fit.
      payload = (await compactVerify(jwt, key, { algorithms: [header.alg] })).payload;
      break;
    } catch {
      // try the next candidate (static keys and kid-less tokens may have several)
    }
  }
  if (payload === undefined) return fail("failed to verify signature");
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload).toString("utf8"));
  } catch {
    fail("malformed token: the payload is not JSON");
  }
  if (claims === null || typeof claims !== "object" || Array.isArray(claims)) return fail("malformed token: the payload is not a JSON object");
  return { claims: claims as Claims, ...(found.discoveredIssuer ? { discoveredIssuer: found.discoveredIssuer } : {}) };
}

function numericClaim(claims: Claims, name: "exp" | "nbf" | "iat"): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) fail(`invalid ${name} claim: not a number`);
  return v as number;
}

/**
 * iss, sub, aud and the time claims. `expectedIssuer` is bound_issuer, or else the issuer of the
 * discovery document: a key of that provider is only trusted for tokens that provider issued.
 */
export function checkRegisteredClaims(claims: Claims, role: RoleEntry, expectedIssuer: string | undefined, nowMs = Date.now()): void {
  if (expectedIssuer !== undefined && claims.iss !== expectedIssuer) fail("invalid issuer (iss) claim");
  if (role.bound_subject !== "" && claims.sub !== role.bound_subject) fail("invalid subject (sub) claim");

  const aud = audiences(claims);
  if (aud === undefined) fail("invalid audience (aud) claim: not a string or list of strings");
  if (role.bound_audiences.length === 0) {
    if (aud!.length > 0) throw new TokenError("audience claim found in JWT but no audiences bound to the role");
  } else if (!aud!.some((a) => role.bound_audiences.includes(a))) {
    throw new TokenError("aud claim does not match any bound audience");
  }

  const now = nowMs / 1000;
  const skew = effectiveLeeway(role.clock_skew_leeway, DEFAULT_CLOCK_SKEW);
  const expLeeway = effectiveLeeway(role.expiration_leeway, DEFAULT_EXPIRATION_LEEWAY);
  const nbfLeeway = effectiveLeeway(role.not_before_leeway, DEFAULT_NOT_BEFORE_LEEWAY);
  const exp = numericClaim(claims, "exp");
  const nbf = numericClaim(claims, "nbf");
  const iat = numericClaim(claims, "iat");
  // A token without exp would be a credential forever (the lesson of CVE-2020-16251's fix).
  if (exp === undefined) fail("invalid expiration time (exp) claim: exp is required");
  if (now > exp! + expLeeway + skew) fail("invalid expiration time (exp) claim: token is expired");
  if (nbf !== undefined && now + nbfLeeway + skew < nbf) fail("invalid not before (nbf) claim: token not yet valid");
  if (iat !== undefined && now + skew < iat) fail("invalid issued at (iat) claim: token issued in the future");
  if (role.max_jwt_lifetime > 0 && exp! - now > role.max_jwt_lifetime + skew) {
    fail("invalid expiration time (exp) claim: the token is valid for longer than the role's max_jwt_lifetime");
  }
}

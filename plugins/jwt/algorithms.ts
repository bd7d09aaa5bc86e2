/**
 * The signing algorithms this method accepts, and which key each one may be verified with.
 *
 * Only asymmetric algorithms exist here: the keys come from a public JWKS or from public PEMs, so
 * an HMAC algorithm would mean "verify with a key everybody has" (the classic HS256-with-the-public-
 * key forgery), and "none" means no signature at all. Both are refused at config time and again,
 * independently, at login (the header's alg must be in the configured list, which can't hold them).
 */
import { badRequest } from "warden/sdk";
import type { KeyObject } from "node:crypto";

interface AlgSpec {
  kty: "RSA" | "EC" | "OKP";
  /** The curve for EC/OKP keys. */
  crv?: string;
}

const ALGS: Record<string, AlgSpec> = {
  RS256: { kty: "RSA" },
  RS384: { kty: "RSA" },
  RS512: { kty: "RSA" },
  PS256: { kty: "RSA" },
  PS384: { kty: "RSA" },
  PS512: { kty: "RSA" },
  ES256: { kty: "EC", crv: "P-256" },
  ES384: { kty: "EC", crv: "P-384" },
  ES512: { kty: "EC", crv: "P-521" },
  EdDSA: { kty: "OKP", crv: "Ed25519" },
  Ed25519: { kty: "OKP", crv: "Ed25519" },
};

export const SUPPORTED_ALGS: readonly string[] = Object.keys(ALGS);
export const DEFAULT_ALGS: readonly string[] = ["RS256"];

export const isSupportedAlg = (alg: string): boolean => Object.hasOwn(ALGS, alg);

/** Validates `jwt_supported_algs` at config time: a clear 400 for none, HS* and unknown names. */
export function validateAlgs(input: readonly string[]): string[] {
  if (input.length === 0) return [...DEFAULT_ALGS];
  const out: string[] = [];
  for (const alg of input) {
    if (alg.toLowerCase() === "none") throw badRequest('jwt_supported_algs: "none" is not allowed: tokens must be signed');
    if (/^HS\d+$/i.test(alg)) {
      throw badRequest(`jwt_supported_algs: ${alg} is not allowed: HMAC algorithms cannot be verified with public keys`);
    }
    if (!isSupportedAlg(alg)) {
      throw badRequest(`jwt_supported_algs: unsupported algorithm "${alg.slice(0, 20)}" (supported: ${SUPPORTED_ALGS.join(", ")})`);
    }
    if (!out.includes(alg)) out.push(alg);
  }
  return out;
}

/** Whether a public JWK may verify a token signed with `alg` (kty, curve, and the JWK's own alg). */
export function jwkFitsAlg(jwk: { kty?: unknown; crv?: unknown; alg?: unknown }, alg: string): boolean {
  const spec = ALGS[alg];
  if (!spec || !Object.hasOwn(ALGS, alg)) return false;
  if (jwk.kty !== spec.kty) return false;
  if (spec.crv !== undefined && jwk.crv !== spec.crv) return false;
  // A key that names its algorithm is bound to it (EdDSA and Ed25519 are two names of one).
  if (typeof jwk.alg === "string" && jwk.alg !== alg && !(isEd(jwk.alg) && isEd(alg))) return false;
  return true;
}

const isEd = (a: string): boolean => a === "EdDSA" || a === "Ed25519";

const CURVE_OF_NODE: Record<string, string> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };

/** Whether a node KeyObject (a PEM from jwt_validation_pubkeys) may verify a token signed with `alg`. */
export function keyObjectFitsAlg(key: KeyObject, alg: string): boolean {
  const spec = ALGS[alg];
  if (!spec || !Object.hasOwn(ALGS, alg)) return false;
  const type = key.asymmetricKeyType;
  switch (spec.kty) {
    case "RSA":
      return type === "rsa" || (type === "rsa-pss" && alg.startsWith("PS"));
    case "EC": {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return type === "ec" && curve !== undefined && CURVE_OF_NODE[curve] === spec.crv;
    }
    case "OKP":
      return type === "ed25519";
  }
}

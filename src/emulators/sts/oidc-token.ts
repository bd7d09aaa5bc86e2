// Parses and verifies an OIDC token with node:crypto only (the emulator is a peer of warden and shares
// no code or library with it): structure, algorithm allow-list, key by kid, signature.
import { type KeyObject, createPublicKey, verify } from "node:crypto";
import { stsErrors } from "./errors.js";

export interface ParsedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

/** Asymmetric algorithms only: HS256 with a public key as the secret is the classic forgery. */
const ALGORITHMS: Record<string, { kty: string; hash: string | null; crv?: string }> = {
  RS256: { kty: "RSA", hash: "sha256" },
  RS384: { kty: "RSA", hash: "sha384" },
  RS512: { kty: "RSA", hash: "sha512" },
  ES256: { kty: "EC", hash: "sha256", crv: "P-256" },
  ES384: { kty: "EC", hash: "sha384", crv: "P-384" },
  EdDSA: { kty: "OKP", hash: null, crv: "Ed25519" },
};

const B64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string): Record<string, unknown> {
  if (!B64URL.test(part)) throw stsErrors.oidcInvalid("Cannot decode base64 encoded response(format invalided).");
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw stsErrors.oidcInvalid("Cannot decode base64 encoded response(format invalided).");
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw stsErrors.oidcInvalid("The Jwt content is invalid that cannot be recognized.");
  return v as Record<string, unknown>;
}

export function parseJwt(token: string): ParsedJwt {
  const parts = token.split(".");
  if (parts.length !== 3) throw stsErrors.oidcInvalid("The number of Jwt field should be divided into 3 parts with '.' .");
  const [h, p, s] = parts as [string, string, string];
  const header = decodeJson(h);
  const payload = decodeJson(p);
  if (!B64URL.test(s) || s === "") throw stsErrors.oidcInvalid("Cannot decode base64 encoded response(format invalided).");
  const alg = header.alg;
  if (typeof alg !== "string" || !Object.hasOwn(ALGORITHMS, alg)) {
    throw stsErrors.oidcInvalid(`The algorithm ${String(alg).slice(0, 20)} that be specified in Jwt header is unknown.`);
  }
  return { header, payload, signingInput: Buffer.from(`${h}.${p}`, "ascii"), signature: Buffer.from(s, "base64url") };
}

/** The JWKS entry for the token: by kid, or the only key when the token names none. */
function pickKey(jwt: ParsedJwt, keys: Array<Record<string, unknown>>): Record<string, unknown> | undefined {
  const kid = jwt.header.kid;
  if (typeof kid === "string") return keys.find((k) => k.kid === kid);
  return keys.length === 1 ? keys[0] : undefined;
}

export function verifySignature(jwt: ParsedJwt, keys: Array<Record<string, unknown>>): boolean {
  const alg = jwt.header.alg as string;
  const spec = ALGORITHMS[alg]!;
  const jwk = pickKey(jwt, keys);
  if (!jwk || jwk.kty !== spec.kty) return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (jwk.use !== undefined && jwk.use !== "sig") return false;
  if (spec.crv && jwk.crv !== spec.crv) return false;
  let key: KeyObject;
  try {
    // Only public members are passed on: a JWKS that (wrongly) carried "d" still yields a public key.
    const pub: Record<string, unknown> = { kty: jwk.kty };
    for (const m of ["n", "e", "crv", "x", "y"]) if (typeof jwk[m] === "string") pub[m] = jwk[m];
    key = createPublicKey({ key: pub as never, format: "jwk" });
  } catch {
    return false;
  }
  try {
    return spec.kty === "EC"
      ? verify(spec.hash, jwt.signingInput, { key, dsaEncoding: "ieee-p1363" }, jwt.signature)
      : verify(spec.hash, jwt.signingInput, key, jwt.signature);
  } catch {
    return false;
  }
}

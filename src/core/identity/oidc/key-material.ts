import { type KeyObject, createPrivateKey, generateKeyPair as generate, randomUUID } from "node:crypto";
import { promisify } from "node:util";
import type { OidcAlgorithm, PrivateKeyRecord, PublicKeyRecord } from "./records.js";

/**
 * Key pairs for the issuer. Public JWKs are built by copying the public members by name (never by
 * deleting "d" from the private one), so a private member can never leak through a field we forgot.
 */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ["kty", "n", "e"],
  EC: ["kty", "crv", "x", "y"],
  OKP: ["kty", "crv", "x"],
};

const generateAsync = promisify(generate);

/** Off the event loop: an RSA-2048 pair takes tens of milliseconds. */
export async function generateKeyPair(alg: OidcAlgorithm): Promise<{ pub: PublicKeyRecord; priv: PrivateKeyRecord }> {
  const kid = randomUUID();
  const { privateKey } =
    alg === "RS256"
      ? await generateAsync("rsa", { modulusLength: 2048 })
      : alg === "ES256"
        ? await generateAsync("ec", { namedCurve: "P-256" })
        : await generateAsync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as Record<string, string>;
  return { pub: { kid, alg, jwk: publicJwk(jwk) }, priv: { kid, alg, jwk } };
}

export function publicJwk(jwk: Record<string, string>): Record<string, string> {
  const members = PUBLIC_MEMBERS[jwk.kty ?? ""];
  if (!members) throw new Error(`unsupported key type ${String(jwk.kty)}`);
  const out: Record<string, string> = {};
  for (const m of members) if (typeof jwk[m] === "string") out[m] = jwk[m];
  return out;
}

/** The JWKS entry: public members plus the metadata verifiers match on. */
export function jwksEntry(pub: PublicKeyRecord): Record<string, string> {
  return { ...publicJwk(pub.jwk), kid: pub.kid, use: "sig", alg: pub.alg };
}

/** Private KeyObjects are immutable per kid, so one parse per process is enough. */
const signers = new Map<string, KeyObject>();

export function signingKeyObject(priv: PrivateKeyRecord): KeyObject {
  let key = signers.get(priv.kid);
  if (!key) {
    key = createPrivateKey({ key: priv.jwk, format: "jwk" });
    if (signers.size > 1000) signers.clear();
    signers.set(priv.kid, key);
  }
  return key;
}

export function forgetSigningKey(kid: string): void {
  signers.delete(kid);
}

/**
 * Test-only helpers (never imported by the plugin): a handler harness like alicloud's, with a mount
 * key cache of its own per harness (on a TestClock tests advance), key pairs, token signing, and
 * hand-made hostile tokens (alg none, HS256 keyed with the public key's bytes).
 */
import { createHmac, randomUUID } from "node:crypto";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from "jose";
import type { AnyPathDefinition } from "warden/sdk";
import { type HandlerHarness, type MemoryStorage, TestClock, handlerHarness, uniqueAccessor } from "warden/sdk/testing";
import { KeysetCache } from "./keyset-cache.js";
import { configPath } from "./path-config.js";
import { loginPath } from "./path-login.js";

/** A mount's harness: its key cache, and its config and login paths bound to that cache. */
export type Harness = HandlerHarness & { accessor: string; keys: KeysetCache; clock: TestClock; configPath: AnyPathDefinition; loginPath: AnyPathDefinition };

/**
 * The SDK kit's handler harness on a jwt mount with a key cache of its own, as a mount's instance
 * has. `allowOrigin` mimics the core's per-mount allow-list: pass one to test that the plugin only
 * fetches from where its config points.
 */
export function harness(opts: { timeoutMs?: number; allowOrigin?: (origin: string, storage: MemoryStorage) => Promise<boolean> } = {}): Harness {
  const clock = new TestClock();
  const h = handlerHarness({ type: "jwt", accessor: uniqueAccessor("jwt"), clock, ...opts });
  const keys = new KeysetCache(clock);
  return Object.assign(h, { accessor: h.mount.accessor, keys, clock, configPath: configPath(keys), loginPath: loginPath(keys) });
}

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

export async function makeKey(alg: "RS256" | "ES256" | "EdDSA" | "PS256" | "RS384" = "RS256", kid = `k-${randomUUID().slice(0, 8)}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === "EdDSA" ? { crv: "Ed25519" } : {});
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey, publicKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

/** Signs `claims` with `key`; `kid: null` leaves the kid out of the header. */
export async function sign(key: TestKey, claims: Record<string, unknown>, header: { kid?: string | null; alg?: string } = {}): Promise<string> {
  const kid = header.kid === null ? undefined : (header.kid ?? key.kid);
  const protectedHeader: Record<string, unknown> = { alg: header.alg ?? key.alg, typ: "JWT" };
  if (kid !== undefined) protectedHeader.kid = kid;
  return new SignJWT(claims).setProtectedHeader(protectedHeader as { alg: string }).sign(key.privateKey);
}

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");

/** An unsigned token: {"alg":"none"} and an empty signature. */
export const algNoneToken = (claims: Record<string, unknown>, kid?: string): string =>
  `${b64({ alg: "none", typ: "JWT", ...(kid ? { kid } : {}) })}.${b64(claims)}.`;

/** The classic key-confusion forgery: HS256 with the public key (PEM text, or JWK JSON) as the secret. */
export function hs256WithPublicKey(secret: string, claims: Record<string, unknown>, kid?: string): string {
  const input = `${b64({ alg: "HS256", typ: "JWT", ...(kid ? { kid } : {}) })}.${b64(claims)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

export const nowSec = (): number => Math.floor(Date.now() / 1000);

/** Claims of a normal token: iss/aud/sub, issued now, valid for 5 minutes, plus `extra`. */
export function claimsFor(iss: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSec();
  return { iss, sub: "repo:acme/app:ref:refs/heads/main", aud: "warden", iat: now, nbf: now, exp: now + 300, ...extra };
}

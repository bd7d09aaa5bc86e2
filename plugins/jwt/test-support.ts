/**
 * Test-only helpers (never imported by the plugin): a handler harness like alicloud's, with a mount
 * accessor of its own per harness (the key cache is keyed by it), key pairs, token signing, and
 * hand-made hostile tokens (alg none, HS256 keyed with the public key's bytes).
 */
import { createHmac, randomUUID } from "node:crypto";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from "jose";
import {
  createHttpClient,
  parseFields,
  type HandlerResult,
  type HttpClient,
  type Operation,
  type PathDefinition,
  type PluginRequest,
} from "warden/sdk";
import { MemoryStorage } from "warden/sdk/testing";
import { recordingLogger } from "../alicloud/test-support.js";

export interface Harness {
  storage: MemoryStorage;
  http: HttpClient;
  log: ReturnType<typeof recordingLogger>;
  accessor: string;
  clientAddress: string | undefined;
  call(path: PathDefinition<any>, op: Operation, input: object): Promise<HandlerResult | void>;
}

/**
 * `allowOrigin` mimics the core's per-mount allow-list (it is given the harness' storage): pass
 * one to test that the plugin only fetches from where its config points.
 */
export function harness(opts: { timeoutMs?: number; allowOrigin?: (origin: string, storage: MemoryStorage) => Promise<boolean> } = {}): Harness {
  const storage = new MemoryStorage();
  const allow = opts.allowOrigin;
  const http = createHttpClient({ timeoutMs: opts.timeoutMs ?? 2000, ...(allow ? { allowOrigin: (o: string) => allow(o, storage) } : {}) });
  const log = recordingLogger();
  const accessor = `auth_jwt_${randomUUID().slice(0, 8)}`;
  const h: Harness = {
    storage,
    http,
    log,
    accessor,
    clientAddress: "127.0.0.1",
    async call(path, op, input) {
      const handler = path.operations[op];
      if (!handler) throw new Error(`no ${op} handler on ${path.pattern}`);
      const parsed = parseFields(path.fields, input as Record<string, unknown>);
      const req: PluginRequest<any> = {
        operation: op,
        path: path.pattern,
        data: parsed.values,
        has: (f: string) => parsed.supplied.has(f),
        storage,
        mount: { path: "auth/jwt/", type: "jwt", accessor },
        clientAddress: h.clientAddress,
        requestHost: "127.0.0.1:8200",
        http,
        log,
      };
      return handler(req);
    },
  };
  return h;
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

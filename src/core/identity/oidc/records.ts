/**
 * What the identity-token issuer keeps, and where. Everything lives in one core KV namespace
 * ("sys/oidc"), never in a mount's namespace, so no plugin can read it and an unmount cannot drop it.
 * Private JWKs sit under their own prefix and are read only by the signer.
 */
export const OIDC_NAMESPACE = "sys/oidc";

export const SUPPORTED_ALGORITHMS = ["RS256", "ES256", "EdDSA"] as const;
export type OidcAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

export interface OidcConfig {
  /** scheme://host[:port] as configured; "" = the server's api address. */
  issuer: string;
}

export interface KeyRingEntry {
  kid: string;
  /** Epoch ms after which the public key is no longer published; 0 = current or next key. */
  expireAt: number;
}

/** A named signing key (Vault's namedKey): the key ring of its current, next and rotated keys. */
export interface NamedKeyRecord {
  name: string;
  algorithm: OidcAlgorithm;
  /** Seconds. */
  rotationPeriod: number;
  /** Seconds a rotated-out public key stays published. */
  verificationTtl: number;
  allowedClientIds: string[];
  signingKid: string;
  /** Published now, signs after the next rotation (Vault's NextSigningKey). */
  nextKid: string;
  /** Epoch ms. */
  nextRotation: number;
  ring: KeyRingEntry[];
  /** Bumped on every write; the optimistic-concurrency token (see OidcStore.updateKey). */
  generation: number;
}

export interface RoleRecord {
  name: string;
  key: string;
  /** The template as written (JSON text, already base64-decoded); "" = none. */
  template: string;
  clientId: string;
  /** Seconds. */
  ttl: number;
  audienceAsArray: boolean;
  jwtTypeHeader: boolean;
}

/** Public half of one key pair: exactly what /.well-known/keys may publish. */
export interface PublicKeyRecord {
  kid: string;
  alg: OidcAlgorithm;
  jwk: Record<string, string>;
}

export interface PrivateKeyRecord {
  kid: string;
  alg: OidcAlgorithm;
  jwk: Record<string, string>;
}

export const keyPath = (name: string): string => `key/${name}`;
export const rolePath = (name: string): string => `role/${name}`;
export const publicPath = (kid: string): string => `public/${kid}`;
export const privatePath = (kid: string): string => `private/${kid}`;
export const CONFIG_PATH = "config";

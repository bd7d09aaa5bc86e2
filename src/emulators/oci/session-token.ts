// Instance-principal session tokens, as the emulator's federation endpoint issues them: an RS256 JWT
// signed with the emulator's own key, naming the instance (sub, opc-instance, opc-compartment,
// opc-tenant, ptype "instance") and carrying, in `jwk`, the session public key the instance supplied.
// A request whose keyId is `ST$<token>` must then be signed with that session key (signature.ts).
// Node built-ins only, like the rest of the emulator.
import { createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from "node:crypto";
import type { OciInstanceSpec } from "./model.js";

export interface SessionClaims {
  sub: string;
  ptype: string;
  tenant: string;
  "opc-tenant": string;
  "opc-instance": string;
  "opc-compartment": string;
  "opc-certtype": string;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  /** The session public key as a JWK, JSON-encoded (as OCI's tokens carry it). */
  jwk: string;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");
const ISSUER = "authService.oracle.com";

export class SessionTokenIssuer {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(readonly ttlSeconds = 20 * 60) {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  /** A token for `instance` over `sessionKey`, valid from `now` for the issuer's TTL. */
  issue(instance: OciInstanceSpec, sessionKey: KeyObject, now: number): string {
    const iat = Math.floor(now / 1000);
    const claims: SessionClaims = {
      sub: instance.id,
      ptype: "instance",
      tenant: instance.tenancyId,
      "opc-tenant": instance.tenancyId,
      "opc-instance": instance.id,
      "opc-compartment": instance.compartmentId,
      "opc-certtype": "instance",
      iss: ISSUER,
      aud: "oci",
      iat,
      exp: iat + this.ttlSeconds,
      jti: randomUUID(),
      jwk: JSON.stringify(sessionKey.export({ format: "jwk" })),
    };
    const head = `${b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "oci-emulator" }))}.${b64url(JSON.stringify(claims))}`;
    return `${head}.${b64url(sign("sha256", Buffer.from(head), this.privateKey))}`;
  }

  /** The claims and session key of a token this issuer signed and that is valid at `now`; else undefined. */
  verify(token: string, now: number): { claims: SessionClaims; sessionKey: KeyObject } | undefined {
    const parts = token.split(".");
    if (parts.length !== 3 || token.length > 16 * 1024) return undefined;
    const [h, p, s] = parts as [string, string, string];
    try {
      const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as { alg?: unknown };
      if (header.alg !== "RS256") return undefined;
      if (!verify("sha256", Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, "base64url"))) return undefined;
      const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as SessionClaims;
      const seconds = now / 1000;
      if (typeof claims.exp !== "number" || typeof claims.iat !== "number" || claims.exp <= seconds || claims.iat > seconds + 60) return undefined;
      if (claims.ptype !== "instance" || claims.iss !== ISSUER || typeof claims.jwk !== "string") return undefined;
      const sessionKey = createPublicKey({ key: JSON.parse(claims.jwk) as import("node:crypto").JsonWebKey, format: "jwk" });
      if (sessionKey.asymmetricKeyType !== "rsa") return undefined;
      return { claims, sessionKey };
    } catch {
      return undefined;
    }
  }
}

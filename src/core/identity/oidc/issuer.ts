import { randomUUID } from "node:crypto";
// jose is imported on first use (~30 ms of module loading that a server without identity tokens never needs).
import { type Clock, systemClock } from "../../../sdk/clock.js";
import { badRequest } from "../../../sdk/errors.js";
import type { IdentityStore } from "../../../storage/types.js";
import { renderTemplate } from "./claims-template.js";
import { jwksEntry, signingKeyObject } from "./key-material.js";
import { publishedKids } from "./key-ring.js";
import type { OidcStore } from "./oidc-store.js";
import { SUPPORTED_ALGORITHMS } from "./records.js";

/** The path under the API prefix the issuer lives at; iss = <base> + this. */
export const ISSUER_PATH = "/v1/identity/oidc";

export interface MintedIdentityToken {
  client_id: string;
  token: string;
  ttl: number;
}

/**
 * The issuer proper: identity tokens for entities, their introspection, and the two documents a
 * relying party (Alibaba STS, a jwt auth mount) fetches: discovery and JWKS. Only public key members
 * ever leave this file.
 */
export class OidcIssuer {
  constructor(
    private readonly store: OidcStore,
    private readonly identity: IdentityStore,
    /** scheme://host:port the server is reached at (api_addr, else the first listener). */
    private readonly apiAddress: () => string,
    /** iat, nbf and exp of issued tokens, their introspection, and the JWKS cache window. */
    private readonly clock: Clock = systemClock,
  ) {}

  async issuer(): Promise<string> {
    const base = (await this.store.config()).issuer || this.apiAddress().replace(/\/+$/, "");
    return `${base}${ISSUER_PATH}`;
  }

  async mint(roleName: string, entityId: string | undefined): Promise<MintedIdentityToken> {
    const role = await this.store.role(roleName);
    if (!role) throw badRequest(`role "${roleName}" not found`);
    if (!entityId) throw badRequest("no entity associated with the request's token");
    const entity = await this.identity.getEntity(entityId);
    if (!entity) throw badRequest("no entity associated with the request's token");
    const [groups, aliases] = await Promise.all([this.identity.groupsOf(entityId), this.identity.aliasesOf(entityId)]);
    const iss = await this.issuer();

    // A rotation on another node may retire the signing key between our two reads: read again once.
    for (let attempt = 0; ; attempt++) {
      const key = await this.store.key(role.key);
      if (!key) throw badRequest(`role "${roleName}" references a non-existent key "${role.key}"`);
      if (!key.allowedClientIds.includes("*") && !key.allowedClientIds.includes(role.clientId)) {
        throw badRequest(`the key "${role.key}" does not list the client ID of the role "${roleName}" as an allowed client ID`);
      }
      const priv = await this.store.privateKey(key.signingKid);
      if (!priv) {
        if (attempt < 2) continue;
        throw badRequest(`key "${role.key}" has no usable signing key`);
      }
      const now = this.clock.now();
      const iat = Math.floor(now / 1000);
      const claims: Record<string, unknown> = {
        ...renderTemplate(role.template, { entity, groups, aliases, now }),
        namespace: "root",
        jti: randomUUID(),
      };
      const header: { alg: string; kid: string; typ?: string } = { alg: priv.alg, kid: priv.kid };
      if (role.jwtTypeHeader) header.typ = "JWT";
      const { SignJWT } = await import("jose");
      const token = await new SignJWT(claims)
        .setProtectedHeader(header)
        .setIssuer(iss)
        .setSubject(entityId)
        .setAudience(role.audienceAsArray ? [role.clientId] : role.clientId)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + role.ttl)
        .sign(signingKeyObject(priv));
      return { client_id: role.clientId, token, ttl: role.ttl };
    }
  }

  /**
   * Vault's introspection: signature against the published keys, issuer, expiry, the client id when
   * given, and that the entity still exists and is enabled (what a JWT alone cannot show).
   */
  async introspect(token: string, clientId: string | undefined): Promise<{ active: boolean; error?: string }> {
    if (!token) return { active: false, error: "missing token" };
    try {
      const { createLocalJWKSet, jwtVerify } = await import("jose");
      const { payload } = await jwtVerify(token, createLocalJWKSet((await this.jwks()).body as { keys: never[] }), {
        issuer: await this.issuer(),
        algorithms: [...SUPPORTED_ALGORITHMS],
        currentDate: new Date(this.clock.now()),
      });
      if (clientId) {
        const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        if (!aud.includes(clientId)) return { active: false, error: "token audience does not match client_id" };
      }
      const entity = typeof payload.sub === "string" ? await this.identity.getEntity(payload.sub) : undefined;
      if (!entity) return { active: false, error: "entity was not found" };
      if (entity.disabled) return { active: false, error: "entity is disabled" };
      return { active: true };
    } catch (e) {
      return { active: false, error: e instanceof Error ? `error validating token: ${e.message}` : "error validating token" };
    }
  }

  async discovery(): Promise<{ body: Record<string, unknown>; headers: Record<string, string> }> {
    const iss = await this.issuer();
    return {
      body: {
        issuer: iss,
        jwks_uri: `${iss}/.well-known/keys`,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: [...SUPPORTED_ALGORITHMS],
      },
      // Vault's fixed value: the document only changes when the operator changes the issuer.
      headers: { "cache-control": "max-age=3600" },
    };
  }

  /**
   * Every named key's current, next and not-yet-expired rotated public keys. Cache-Control follows
   * Vault: a verifier may cache until the next rotation or expiry (never longer than the shortest
   * rotation_period / verification_ttl), because any key that will sign before then is already here.
   */
  async jwks(now = this.clock.now()): Promise<{ body: Record<string, unknown>; headers: Record<string, string> }> {
    const keys: Record<string, string>[] = [];
    let nextEvent = Number.POSITIVE_INFINITY;
    let cap = Number.POSITIVE_INFINITY;
    for (const k of await this.store.allKeys()) {
      cap = Math.min(cap, k.rotationPeriod, k.verificationTtl);
      nextEvent = Math.min(nextEvent, k.nextRotation);
      for (const e of k.ring) if (e.expireAt > now) nextEvent = Math.min(nextEvent, e.expireAt);
      for (const kid of publishedKids(k, now)) {
        const pub = await this.store.publicKey(kid);
        if (pub) keys.push(jwksEntry(pub));
      }
    }
    const headers: Record<string, string> = {};
    if (keys.length > 0 && Number.isFinite(nextEvent)) {
      const maxAge = Math.max(0, Math.min(cap, Math.floor((nextEvent - now) / 1000)));
      headers["cache-control"] = `max-age=${maxAge}`;
    }
    return { body: { keys }, headers };
  }
}

// The three operations the emulator serves, over an already-verified caller. Shapes follow the
// oci-identity / oci-identitydataplane models (oci-auth.md §1.2, §4).
import { createPublicKey } from "node:crypto";
import { ociErrors } from "./errors.js";
import type { Principal, Tenancy } from "./model.js";
import { headerMapFrom, verifyRequest } from "./signature.js";

export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const TIME_CREATED = "2026-01-15T09:30:00.000Z";

/** GetUser: your own user always; another user only with the admin flag (else 404, as OCI hides it). */
export function getUser(tenancy: Tenancy, caller: Principal, userId: string): RouteResult {
  const user = tenancy.users.get(userId);
  const mayRead = caller.kind === "user" && (caller.id === userId || caller.user?.admin === true);
  if (!user || !mayRead || user.tenancyId !== caller.tenancyId) throw ociErrors.notAuthorizedOrNotFound();
  return {
    status: 200,
    headers: { etag: `"${Buffer.from(user.id).toString("base64url").slice(-16)}"` },
    body: {
      id: user.id,
      compartmentId: user.tenancyId,
      name: user.name,
      description: user.description ?? user.name,
      email: user.email ?? null,
      emailVerified: false,
      identityProviderId: null,
      externalIdentifier: null,
      timeCreated: TIME_CREATED,
      lifecycleState: user.lifecycleState ?? "ACTIVE",
      inactiveStatus: null,
      freeformTags: {},
      definedTags: {},
      capabilities: { canUseConsolePassword: true, canUseApiKeys: true, canUseAuthTokens: true, canUseSmtpCredentials: true, canUseDbCredentials: true, canUseCustomerSecretKeys: true, canUseOAuth2ClientCredentials: true },
      isMfaActivated: false,
      lastSuccessfulLoginTime: null,
      previousSuccessfulLoginTime: null,
    },
  };
}

function requireInspector(caller: Principal): void {
  if (caller.kind !== "user" || caller.user?.authInspector !== true) throw ociErrors.notAuthorizedOrNotFound();
}

function principalJson(p: Principal): Record<string, unknown> {
  const claims = [
    { key: "ptype", value: p.kind, issuer: "authService.oracle.com" },
    { key: "tenant", value: p.tenancyId, issuer: "authService.oracle.com" },
    { key: "sub", value: p.id, issuer: "authService.oracle.com" },
  ];
  if (p.kind === "instance") {
    claims.push({ key: "opc-instance", value: p.id, issuer: "authService.oracle.com" });
    claims.push({ key: "opc-compartment", value: p.instance!.compartmentId, issuer: "authService.oracle.com" });
  }
  return { tenantId: p.tenancyId, subjectId: p.id, claims };
}

/**
 * authenticateClient: verifies the *forwarded* headers; the request target comes from their
 * (request-target) pseudo-header. A client that fails gets 200 with a null principal (the documented
 * behaviour); only an unauthenticated outer caller gets 401.
 */
export function authenticateClient(tenancy: Tenancy, caller: Principal, body: unknown, now: number, maxSkewMs: number): RouteResult {
  requireInspector(caller);
  const rh = body !== null && typeof body === "object" ? (body as Record<string, unknown>).requestHeaders : undefined;
  const headers = headerMapFrom(rh);
  if (!headers) throw ociErrors.invalidParameter("requestHeaders");
  const target = headers.get("(request-target)");
  const m = target && target.length === 1 ? /^([a-z]+) (\/\S*)$/.exec(target[0]!) : null;
  const refused: RouteResult = { status: 200, body: { principal: null, errorMessage: "Authentication failed", success: false } };
  if (!m) return refused;
  try {
    const p = verifyRequest({ method: m[1]!, target: m[2]!, headers }, tenancy, now, maxSkewMs);
    return { status: 200, body: { principal: principalJson(p), errorMessage: null, success: true } };
  } catch {
    return refused;
  }
}

/** filterGroupMembership: the submitted group ids the principal really belongs to. */
export function filterGroupMembership(tenancy: Tenancy, caller: Principal, body: unknown): RouteResult {
  requireInspector(caller);
  const b = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const principal = b.principal as Record<string, unknown> | undefined;
  const groupIds = b.groupIds;
  if (!principal || typeof principal.subjectId !== "string" || !Array.isArray(groupIds) || groupIds.some((g) => typeof g !== "string")) {
    throw ociErrors.invalidParameter("filterGroupMembershipDetails");
  }
  const member = tenancy.memberships.get(principal.subjectId) ?? new Set<string>();
  return { status: 200, body: { principal, groupIds: (groupIds as string[]).filter((g) => member.has(g)) } };
}

/**
 * Federation (`POST /v1/x509`), simplified: OCI takes the instance's X.509 leaf certificate (from the
 * instance metadata service) plus a session public key and answers `{"token"}`, a session token over
 * that key. Here the instance proves itself by signing this request with its registered instance key
 * (keyId <tenancy>/<instance>/<fingerprint>, the stand-in for the certificate's key); `certificate`
 * and `intermediateCertificates` are accepted and ignored. `publicKey` is the session key's
 * SubjectPublicKeyInfo in base64 DER (what the SDKs send). A session token cannot mint another.
 */
export function federateX509(tenancy: Tenancy, caller: Principal, viaSession: boolean, body: unknown, now: number): RouteResult {
  if (caller.kind !== "instance" || viaSession || !caller.instance) throw ociErrors.notAuthenticated();
  const b = body !== null && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const pub = b.publicKey;
  if (typeof pub !== "string" || pub.length === 0 || pub.length > 4096) throw ociErrors.invalidParameter("publicKey");
  let key;
  try {
    key = createPublicKey({ key: Buffer.from(pub, "base64"), format: "der", type: "spki" });
  } catch {
    throw ociErrors.invalidParameter("publicKey");
  }
  if (key.asymmetricKeyType !== "rsa" || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw ociErrors.invalidParameter("publicKey");
  return { status: 200, body: { token: tenancy.sessions.issue(caller.instance, key, now) } };
}

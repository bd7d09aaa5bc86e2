/**
 * Instance-principal key ids, `ST$<session token>` (oci-auth.md §3.1): the token is a JWT OCI's
 * federation endpoint issued to an instance over a session key the instance holds. warden does not
 * verify it (OCI does, in authenticateClient, together with the request signature made with the
 * session key); it reads the claims only to refuse early, without any outbound call, what OCI would
 * refuse anyway or what warden would refuse after it: a token that is malformed, expired, not an
 * instance's, or of another tenancy. The principal warden trusts is the one OCI answers with.
 */
import { isOcid } from "./ocid.js";

export interface SessionTokenClaims {
  tenancy: string;
  instance: string;
  /** Epoch seconds. */
  expiresAt: number;
}

// A real OCI session token is a few KB; the whole Authorization header must fit the header cap.
const MAX_TOKEN_CHARS = 7 * 1024;
const JWT = /^[A-Za-z0-9_-]{2,}\.([A-Za-z0-9_-]{2,})\.[A-Za-z0-9_-]{2,}$/;

/** The claims warden checks, or a message saying what is wrong (never echoing the token). */
export function readSessionToken(token: string): SessionTokenClaims | string {
  const malformed = "keyId security token (ST$) is not a well-formed session token";
  if (token.length > MAX_TOKEN_CHARS) return "keyId security token (ST$) is too long";
  const m = JWT.exec(token);
  if (!m) return malformed;
  let claims: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(m[1]!, "base64url").toString("utf8"));
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return malformed;
    claims = parsed as Record<string, unknown>;
  } catch {
    return malformed;
  }
  // Resource and other principals also use ST$ tokens; only instances log in (as in Vault).
  if (claims.ptype !== "instance") return "only instance principal session tokens (ptype instance) are supported";
  const tenancy = claims["opc-tenant"] ?? claims.tenant;
  const instance = claims.sub;
  const exp = claims.exp;
  if (typeof tenancy !== "string" || !isOcid(tenancy, "tenancy")) return malformed;
  if (typeof instance !== "string" || !isOcid(instance, "instance")) return malformed;
  if (typeof exp !== "number" || !Number.isFinite(exp)) return malformed;
  return { tenancy, instance, expiresAt: exp };
}

/**
 * The OCI `Authorization: Signature ...` header, parsed strictly (oci-auth.md §3.1, §3.5; Infisical
 * PR #8215's hardened parser). Every parameter must be `name="value"`, names are known and unique
 * (case-insensitively), and a decoy such as `notKeyId="..."` is an error rather than something a
 * lenient regex might pick up. warden never verifies the RSA signature itself (OCI holds the public
 * key); this parse exists so that tenancy, user and replay checks run before any outbound call.
 */
import { isStrictBase64 } from "warden/sdk";
import { isOcid } from "./ocid.js";
import { readSessionToken } from "./session-token.js";

export interface KeyId {
  tenancy: string;
  /** A user OCID (API keys), or an instance OCID (instance principals; the emulator's instance keys). */
  principal: string;
  /** The API key's fingerprint; "" for a session token. */
  fingerprint: string;
  /** Set for `ST$<token>` key ids: the token's (unverified) expiry, epoch seconds. */
  session?: { expiresAt: number };
}

export interface SignatureParams {
  keyId: KeyId;
  /** Lower-cased, in signing order. */
  headers: string[];
  /** The base64 text as sent (the replay-cache key is derived from it). */
  signature: string;
}

const KNOWN = new Set(["version", "keyid", "algorithm", "headers", "signature"]);
const ITEM = /^([A-Za-z]+)="([^"]*)"$/;
const FINGERPRINT = /^[0-9a-f]{2}(?::[0-9a-f]{2}){15}$/;
const HEADER_NAME = /^(?:\(request-target\)|[a-z0-9!#$%&'*+.^_`|~-]{1,64})$/;
// RSA-2048..8192 signatures are 256..1024 bytes.
const MAX_SIGNATURE_CHARS = 1400;

/**
 * Parses `<tenancy>/<principal>/<fingerprint>`, or an instance principal's `ST$<session token>`
 * (session-token.ts); other security-token principals (resource principals) are refused.
 */
export function parseKeyId(value: string): KeyId | string {
  if (value.startsWith("ST$")) {
    const claims = readSessionToken(value.slice(3));
    if (typeof claims === "string") return claims;
    return { tenancy: claims.tenancy, principal: claims.instance, fingerprint: "", session: { expiresAt: claims.expiresAt } };
  }
  const parts = value.split("/");
  if (parts.length !== 3) return "keyId must have three parts: tenancy/user/fingerprint";
  const [tenancy, principal, fingerprint] = parts as [string, string, string];
  if (!isOcid(tenancy, "tenancy")) return "keyId tenancy is not a tenancy OCID";
  if (!isOcid(principal, "user", "instance")) return "keyId principal is not a user OCID";
  if (!FINGERPRINT.test(fingerprint)) return "keyId fingerprint is malformed";
  return { tenancy, principal, fingerprint };
}

/** The parsed header, or a message saying what is wrong with it (never echoing its content). */
export function parseAuthorization(header: string): SignatureParams | string {
  // Room for an instance principal's session token in the keyId (the SDK caps header values at 8 KiB).
  if (header.length > 8192) return "authorization header is too long";
  const m = /^Signature +(.*)$/i.exec(header);
  if (!m) return "authorization header is not an OCI Signature";
  const params = new Map<string, string>();
  for (const raw of m[1]!.split(",")) {
    const item = ITEM.exec(raw.trim());
    if (!item) return "authorization header has a malformed parameter";
    const name = item[1]!.toLowerCase();
    if (!KNOWN.has(name)) return "authorization header has an unknown parameter";
    if (params.has(name)) return "authorization header repeats a parameter";
    params.set(name, item[2]!);
  }
  const version = params.get("version");
  if (version !== undefined && version !== "1") return "unsupported signature version";
  if (params.get("algorithm") !== "rsa-sha256") return "signature algorithm must be rsa-sha256";
  const keyIdText = params.get("keyid");
  const headersText = params.get("headers");
  const signature = params.get("signature");
  if (!keyIdText || !headersText || !signature) return "authorization header lacks keyId, headers or signature";
  const keyId = parseKeyId(keyIdText);
  if (typeof keyId === "string") return keyId;
  if (signature.length > MAX_SIGNATURE_CHARS || !isStrictBase64(signature)) return "signature is not valid base64";
  const headers = headersText.split(" ").map((h) => h.toLowerCase());
  if (headers.some((h) => !HEADER_NAME.test(h))) return "signed header list is malformed";
  if (new Set(headers).size !== headers.length) return "signed header list repeats a header";
  return { keyId, headers, signature };
}

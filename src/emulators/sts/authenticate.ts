// Authenticates an RPC v1 signed request the way the POP gateway does, in gateway order: common
// parameters, signature syntax, timestamp, key lookup, HMAC, security token, and only then the nonce —
// so unauthenticated traffic can never burn a legitimate caller's nonce.
import { stsErrors } from "./errors.js";
import type { StsIdentity } from "./identity.js";
import type { NonceCache } from "./nonce-cache.js";
import { isWellFormedSignature, constantTimeEqual, signStringToSign, stringToSign } from "./signature.js";
import { parseRpcTimestamp } from "./timestamp.js";

export interface AuthenticationContext {
  findIdentity(accessKeyId: string): StsIdentity | undefined;
  nonces: NonceCache;
  maxSkewMs: number;
  now(): number;
}

const REQUIRED = ["AccessKeyId", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"] as const;

function requireParam(params: Readonly<Record<string, string>>, name: string): string {
  const v = params[name];
  if (v === undefined || v === "") throw stsErrors.missingParameter(name);
  return v;
}

export function authenticateSignedRequest(
  method: string,
  params: Readonly<Record<string, string>>,
  ctx: AuthenticationContext,
): StsIdentity {
  for (const name of REQUIRED) requireParam(params, name);
  const signature = params.Signature ?? "";
  if (!isWellFormedSignature(signature)) throw stsErrors.incompleteSignature();
  if (params.SignatureMethod !== "HMAC-SHA1") throw stsErrors.invalidSignatureMethod();
  if (params.SignatureVersion !== "1.0") throw stsErrors.invalidSignatureVersion();
  // The Go SDK always sends an empty SignatureType; a non-empty one selects bearer-token auth we do not emulate.
  if (params.SignatureType !== undefined && params.SignatureType !== "") throw stsErrors.invalidSignatureMethod();

  const ts = parseRpcTimestamp(params.Timestamp!);
  if (ts === null) throw stsErrors.timestampFormat();
  if (Math.abs(ctx.now() - ts) > ctx.maxSkewMs) throw stsErrors.timestampExpired();

  const identity = ctx.findIdentity(params.AccessKeyId!);
  if (!identity) throw stsErrors.accessKeyNotFound();

  const serverStringToSign = stringToSign(method, params);
  const expected = signStringToSign(serverStringToSign, identity.accessKeySecret);
  if (!constantTimeEqual(signature, expected)) throw stsErrors.signatureMismatch(serverStringToSign);

  // The token is a signed parameter, so it is compared only once we know the caller holds the secret.
  const token = params.SecurityToken;
  if (identity.securityToken !== undefined) {
    if (token === undefined || token === "") throw stsErrors.missingSecurityToken();
    if (!constantTimeEqual(token, identity.securityToken)) throw stsErrors.securityTokenMismatch();
    if (identity.expiresAt !== undefined && ctx.now() >= identity.expiresAt) throw stsErrors.securityTokenExpired();
  } else if (token !== undefined && token !== "") {
    // A long-term key presented with a token is as wrong as a token for another key.
    throw stsErrors.securityTokenMismatch();
  }

  if (!ctx.nonces.claim(identity.accessKeyId, params.SignatureNonce!)) throw stsErrors.nonceUsed();
  return identity;
}

// The Alibaba POP gateway / STS error catalogue the emulator answers with. Codes and HTTP statuses
// follow the reference notes (alicloud-auth.md §4); codes marked "unverified" there are best guesses.

export interface StsErrorSpec {
  status: number;
  code: string;
  message: string;
}

/** Thrown anywhere in request handling; the server turns it into the Alibaba error body. */
export class StsError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(spec: StsErrorSpec) {
    super(spec.message);
    this.name = "StsError";
    this.status = spec.status;
    this.code = spec.code;
  }
}

const e = (status: number, code: string, message: string): StsError => new StsError({ status, code, message });

export const stsErrors = {
  missingParameter: (name: string) =>
    e(400, "MissingParameter", `The input parameter "${name}" that is mandatory for processing this request is not supplied.`),
  duplicateParameter: (name: string) =>
    e(400, "InvalidParameter", `The specified parameter "${name}" appears more than once.`),
  invalidFormat: () => e(400, "InvalidParameter.Format", "Specified parameter Format is not valid. It must be JSON or XML."),
  unsupportedHttpMethod: (method: string) =>
    e(400, "UnsupportedHTTPMethod", `Specified HTTP method ${method} is not supported; use GET or POST.`),
  bodyTooLarge: () => e(413, "RequestEntityTooLarge", "The request body is too large."),
  actionNotFound: () => e(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."),
  invalidVersion: () => e(400, "InvalidVersion", "Specified parameter Version is not valid."),
  incompleteSignature: () => e(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."),
  invalidSignatureMethod: () => e(400, "InvalidSignatureMethod", "Specified signature method is not valid."),
  invalidSignatureVersion: () => e(400, "InvalidSignatureVersion", "Specified signature version is not valid."),
  timestampFormat: () =>
    e(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."),
  timestampExpired: () => e(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."),
  accessKeyNotFound: () => e(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
  // The real gateway echoes its string-to-sign so callers can debug their canonicalisation; warden must not log it.
  signatureMismatch: (serverStringToSign: string) =>
    e(
      400,
      "SignatureDoesNotMatch",
      `Specified signature is not matched with our calculation. server string to sign is:${serverStringToSign}`,
    ),
  nonceUsed: () => e(400, "SignatureNonceUsed", "Specified signature nonce was used already."),
  missingSecurityToken: () => e(400, "MissingSecurityToken", "SecurityToken is mandatory for this access key."),
  securityTokenMismatch: () =>
    e(400, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey."),
  securityTokenExpired: () => e(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired."),
  // AssumeRoleWithOIDC (STS error-code catalogue, api-sts-2015-04-01-errorcodes). Codes marked
  // [inferred] are not in that catalogue; they are the closest documented code with our message.
  oidcInvalid: (message: string) => e(401, "AuthenticationFail.OIDCToken.Invalid", message),
  oidcInvalidSignature: () => e(401, "AuthenticationFail.OIDCToken.InvalidSignature", "OIDC token validate failed: invalid signature."),
  oidcExpired: () => e(401, "AuthenticationFail.OIDCToken.Expired", "This JsonWebToken is expired."),
  // [inferred] the catalogue has no separate code for an iat older than IssuanceLimitTime.
  oidcIssuedTooLongAgo: () =>
    e(401, "AuthenticationFail.OIDCToken.Expired", "The OIDC token was issued earlier than the IssuanceLimitTime of the OIDC provider allows."),
  oidcAudience: () => e(401, "AuthenticationFail.OIDCToken.AudienceNotMatch", "Invalid audience."),
  oidcIssuer: () => e(401, "AuthenticationFail.OIDCToken.IssuerNotMatch", "The issuer in the OIDC Token doesn't match the OIDC Provider registered."),
  oidcIssuerBroken: (issuer: string) =>
    e(401, "AuthenticationFail.OIDCToken.IssuerConfigurationBroken", `Get public keys from OIDC Provider failed, the issuer is ${issuer}.`),
  noSuchProvider: () => e(401, "AuthenticationFail.NoPermission", "No such OIDC Provider registered."),
  noPermission: () => e(401, "AuthenticationFail.NoPermission", "There is no permission"),
  roleNotFound: (arn: string) => e(404, "EntityNotExist.Role", `The role not exists: ${arn}. `),
  // [inferred] parameter-validation codes for the two bounded parameters.
  invalidRoleSessionName: () =>
    e(400, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName must be 2 to 64 characters of letters, digits, '.', '@', '-' or '_'."),
  invalidDurationSeconds: (max: number) =>
    e(400, "InvalidParameter.DurationSeconds", `The parameter DurationSeconds must be between 900 and ${max}.`),
  internalError: () =>
    e(500, "InternalError", "STS Server Internal Error happened, please send the RequestId to us."),
} as const;

/** Real STS names its endpoint here; a constant keeps emulator answers independent of the Host header. */
export const STS_HOST_ID = "sts.aliyuncs.com";

/** The error envelope fields, in the order the gateway sends them. */
export function errorFields(err: StsError, requestId: string): Record<string, string> {
  return {
    RequestId: requestId,
    HostId: STS_HOST_ID,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=Sts&requestId=${requestId}`,
  };
}

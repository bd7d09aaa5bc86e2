// AssumeRoleWithOIDC: an anonymous call that trades an OIDC token for temporary STS credentials.
// Checks follow Alibaba's documented order of concerns: parameters, provider and role, token format,
// issuer, keys fetched from the issuer over HTTP, signature, lifetime, audience, trust conditions.
import { randomBytes } from "node:crypto";
import { stsErrors } from "./errors.js";
import type { StsIdentity } from "./identity.js";
import { type OidcProviderConfig, type OidcRoleConfig, roleArnParts } from "./oidc-config.js";
import { fetchIssuerKeys } from "./oidc-fetch.js";
import { parseJwt, verifySignature } from "./oidc-token.js";

export interface OidcFederation {
  provider(arn: string): OidcProviderConfig | undefined;
  role(arn: string): OidcRoleConfig | undefined;
  /** Makes the issued credentials usable for signed calls (GetCallerIdentity). */
  addIdentity(i: StsIdentity): void;
  now(): number;
}

export type NestedAnswer = Record<string, string | Record<string, string>>;

const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Clock leeway for iat/nbf in the future: issuer and STS clocks are never exactly equal. */
const LEEWAY_S = 60;

function base62(n: number): string {
  return [...randomBytes(n)].map((b) => BASE62[b % 62]).join("");
}

/** "2021-10-20T04:27:09Z": Alibaba's timestamps carry no milliseconds. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function required(params: Readonly<Record<string, string>>, name: string): string {
  const v = params[name];
  if (v === undefined || v === "") throw stsErrors.missingParameter(name);
  return v;
}

function audiences(aud: unknown): string[] {
  if (typeof aud === "string") return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === "string")) return aud as string[];
  return [];
}

export async function assumeRoleWithOidc(params: Readonly<Record<string, string>>, requestId: string, fed: OidcFederation): Promise<NestedAnswer> {
  const providerArn = required(params, "OIDCProviderArn");
  const roleArn = required(params, "RoleArn");
  const token = params.OIDCToken ?? "";
  if (token === "") throw stsErrors.oidcInvalid("The OIDCToken can not empty.");
  if (token.length < 4 || token.length > 20_000) throw stsErrors.oidcInvalid("The length of OIDCToken must be 4 to 20000 characters.");
  // [inferred] without a RoleSessionName the emulator names the session itself.
  const sessionName = params.RoleSessionName ?? `oidc-${base62(12)}`;
  if (!SESSION_NAME.test(sessionName)) throw stsErrors.invalidRoleSessionName();

  const provider = fed.provider(providerArn);
  if (!provider) throw stsErrors.noSuchProvider();
  const role = fed.role(roleArn);
  if (!role) throw stsErrors.roleNotFound(roleArn);
  const maxDuration = role.maxSessionDuration ?? 3600;
  let duration = 3600;
  if (params.DurationSeconds !== undefined) {
    if (!/^\d{1,6}$/.test(params.DurationSeconds)) throw stsErrors.invalidDurationSeconds(maxDuration);
    duration = Number(params.DurationSeconds);
  }
  if (duration < 900 || duration > maxDuration) throw stsErrors.invalidDurationSeconds(maxDuration);

  const jwt = parseJwt(token);
  const claims = jwt.payload;
  if (claims.iss !== provider.issuerUrl) throw stsErrors.oidcIssuer();

  let keys: Array<Record<string, unknown>>;
  try {
    keys = await fetchIssuerKeys(provider.issuerUrl);
  } catch {
    throw stsErrors.oidcIssuerBroken(provider.issuerUrl);
  }
  if (!verifySignature(jwt, keys)) throw stsErrors.oidcInvalidSignature();

  const now = fed.now();
  const nowS = Math.floor(now / 1000);
  if (typeof claims.exp !== "number") throw stsErrors.oidcInvalid("The Jwt content is invalid that cannot be recognized.");
  if (nowS >= claims.exp) throw stsErrors.oidcExpired();
  if (typeof claims.iat !== "number") throw stsErrors.oidcInvalid("The Jwt content is invalid that cannot be recognized.");
  if (claims.iat > nowS + LEEWAY_S) throw stsErrors.oidcInvalid("The OIDC token was issued in the future.");
  if (nowS - claims.iat > (provider.issuanceLimitTime ?? 12) * 3600) throw stsErrors.oidcIssuedTooLongAgo();
  if (typeof claims.nbf === "number" && claims.nbf > nowS + LEEWAY_S) throw stsErrors.oidcInvalid("The OIDC token is not yet valid.");
  const aud = audiences(claims.aud);
  if (!aud.some((a) => provider.clientIds.includes(a))) throw stsErrors.oidcAudience();
  const sub = typeof claims.sub === "string" ? claims.sub : "";
  if (sub === "") throw stsErrors.oidcInvalid("The Jwt content is invalid that cannot be recognized.");

  // The role's trust policy: its Federated principal and StringEquals conditions.
  const c = role.conditions;
  const trusted =
    role.providerArn === providerArn &&
    c["oidc:iss"].includes(claims.iss as string) &&
    aud.some((a) => c["oidc:aud"].includes(a)) &&
    (c["oidc:sub"] === undefined || c["oidc:sub"].includes(sub));
  if (!trusted) throw stsErrors.noPermission();

  const { accountId, roleName } = roleArnParts(roleArn)!;
  const expiresAt = now + duration * 1000;
  const identity: StsIdentity = {
    accessKeyId: `STS.${base62(24)}`,
    accessKeySecret: base62(40),
    securityToken: `CAIS${randomBytes(96).toString("base64")}`,
    accountId,
    kind: "AssumedRoleUser",
    roleName,
    roleId: role.roleId,
    sessionName,
    expiresAt,
  };
  fed.addIdentity(identity);
  return {
    RequestId: requestId,
    OIDCTokenInfo: {
      Subject: sub,
      Issuer: claims.iss as string,
      ClientIds: aud.join(","),
      ExpirationTime: isoSeconds(claims.exp * 1000),
      IssuanceTime: isoSeconds(claims.iat * 1000),
    },
    AssumedRoleUser: {
      Arn: `acs:ram::${accountId}:assumed-role/${roleName}/${sessionName}`,
      AssumedRoleId: `${role.roleId}:${sessionName}`,
    },
    Credentials: {
      SecurityToken: identity.securityToken!,
      Expiration: isoSeconds(expiresAt),
      AccessKeySecret: identity.accessKeySecret,
      AccessKeyId: identity.accessKeyId,
    },
  };
}

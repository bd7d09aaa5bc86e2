// What RAM would hold for role-based OIDC SSO: OIDC identity providers (CreateOIDCProvider) and roles
// whose trust policy names one of them with conditions on oidc:iss / oidc:aud / oidc:sub. Tests and
// main.ts register them; the emulator validates them the way RAM would at creation time.

export interface OidcProviderConfig {
  /** acs:ram::<account>:oidc-provider/<name> */
  arn: string;
  /** Must equal the tokens' iss; RAM requires https and no query, fragment or user info. */
  issuerUrl: string;
  /** Allowed aud values (RAM: at most 50). */
  clientIds: string[];
  /** Hours, 1..168 (RAM default 12): tokens whose iat is older are refused. */
  issuanceLimitTime?: number;
}

export interface OidcTrustConditions {
  /** StringEquals on the token's iss (RAM requires this condition). */
  "oidc:iss": string[];
  /** StringEquals on the token's aud (RAM requires this condition). */
  "oidc:aud": string[];
  /** Optional StringEquals on sub: pins the workload. */
  "oidc:sub"?: string[];
}

export interface OidcRoleConfig {
  /** acs:ram::<account>:role/<name> */
  arn: string;
  /** Digits, as RAM role ids are. */
  roleId: string;
  /** The trust policy's Federated principal. */
  providerArn: string;
  conditions: OidcTrustConditions;
  /** Seconds, 3600..43200 (RAM default 3600): the DurationSeconds ceiling. */
  maxSessionDuration?: number;
}

const PROVIDER_ARN = /^acs:ram::(\d{16}):oidc-provider\/[A-Za-z0-9.-]{1,128}$/;
const ROLE_ARN = /^acs:ram::(\d{16}):role\/([A-Za-z0-9.-]{1,64})$/;

export function roleArnParts(arn: string): { accountId: string; roleName: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { accountId: m[1]!, roleName: m[2]! } : undefined;
}

/** Rejects what RAM would refuse to create, so a test fixture cannot describe an impossible setup. */
export function validateProvider(p: OidcProviderConfig, allowHttpIssuer: boolean): void {
  const where = `OIDC provider ${JSON.stringify(p.arn)}`;
  if (!PROVIDER_ARN.test(p.arn)) throw new Error(`${where}: arn must look like acs:ram::<16 digits>:oidc-provider/<name>`);
  let u: URL;
  try {
    u = new URL(p.issuerUrl);
  } catch {
    throw new Error(`${where}: issuerUrl is not a URL`);
  }
  const schemeOk = u.protocol === "https:" || (allowHttpIssuer && u.protocol === "http:");
  if (!schemeOk) throw new Error(`${where}: issuerUrl must start with https://`);
  if (u.search || u.hash || u.username || u.password || p.issuerUrl.includes("?") || p.issuerUrl.includes("#")) {
    throw new Error(`${where}: issuerUrl may not contain a query, a fragment or user info`);
  }
  if (p.clientIds.length === 0 || p.clientIds.length > 50) throw new Error(`${where}: clientIds must hold 1..50 entries`);
  const limit = p.issuanceLimitTime ?? 12;
  if (!Number.isInteger(limit) || limit < 1 || limit > 168) throw new Error(`${where}: issuanceLimitTime must be 1..168 hours`);
}

export function validateRole(r: OidcRoleConfig): void {
  const where = `OIDC role ${JSON.stringify(r.arn)}`;
  if (!roleArnParts(r.arn)) throw new Error(`${where}: arn must look like acs:ram::<16 digits>:role/<name>`);
  if (!/^\d{6,24}$/.test(r.roleId)) throw new Error(`${where}: roleId must be digits`);
  if (!PROVIDER_ARN.test(r.providerArn)) throw new Error(`${where}: providerArn must be an oidc-provider ARN`);
  if (!r.conditions["oidc:iss"]?.length || !r.conditions["oidc:aud"]?.length) {
    throw new Error(`${where}: the trust policy needs oidc:iss and oidc:aud conditions`);
  }
  const max = r.maxSessionDuration ?? 3600;
  if (!Number.isInteger(max) || max < 3600 || max > 43200) throw new Error(`${where}: maxSessionDuration must be 3600..43200`);
}

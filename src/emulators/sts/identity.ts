// The principals the emulator knows, and the GetCallerIdentity answer real STS gives for each kind.

export interface StsIdentity {
  accessKeyId: string;
  accessKeySecret: string;
  /** Required for STS credentials (AccessKeyId "STS.…"): the gateway checks it against the key. */
  securityToken?: string;
  /** 16 digits. */
  accountId: string;
  kind: "AssumedRoleUser" | "RAMUser";
  roleName?: string;
  roleId?: string;
  sessionName?: string;
  userName?: string;
  userId?: string;
  /** Epoch ms after which the credentials stop working (temporary credentials from AssumeRoleWithOIDC). */
  expiresAt?: number;
}

/** Field order follows the real API's JSON (alphabetical), which keeps fixtures readable. */
export type CallerIdentityBody = Record<string, string>;

/** Rejects identities that real STS could never return, so a test fixture cannot quietly lie. */
export function validateIdentity(i: StsIdentity): void {
  const where = `identity ${JSON.stringify(i.accessKeyId)}`;
  if (!i.accessKeyId || !i.accessKeySecret) throw new Error(`${where}: accessKeyId and accessKeySecret are required`);
  if (!/^\d{16}$/.test(i.accountId)) throw new Error(`${where}: accountId must be 16 digits`);
  if (i.accessKeyId.startsWith("STS.") && !i.securityToken)
    throw new Error(`${where}: STS credentials (AccessKeyId "STS.…") need a securityToken`);
  if (i.kind === "AssumedRoleUser") {
    if (!i.roleName || !i.roleId || !i.sessionName)
      throw new Error(`${where}: an AssumedRoleUser needs roleName, roleId and sessionName`);
  } else if (i.kind === "RAMUser") {
    if (!i.userName || !i.userId) throw new Error(`${where}: a RAMUser needs userName and userId`);
  } else {
    throw new Error(`${where}: kind must be AssumedRoleUser or RAMUser`);
  }
}

export function arnOf(i: StsIdentity): string {
  return i.kind === "AssumedRoleUser"
    ? `acs:ram::${i.accountId}:assumed-role/${i.roleName}/${i.sessionName}`
    : `acs:ram::${i.accountId}:user/${i.userName}`;
}

/** The documented shapes: roles carry RoleId and "<RoleId>:<session>", users carry UserId twice. */
export function callerIdentityBody(i: StsIdentity, requestId: string): CallerIdentityBody {
  if (i.kind === "AssumedRoleUser") {
    return {
      AccountId: i.accountId,
      Arn: arnOf(i),
      IdentityType: "AssumedRoleUser",
      PrincipalId: `${i.roleId}:${i.sessionName}`,
      RequestId: requestId,
      RoleId: i.roleId!,
    };
  }
  return {
    AccountId: i.accountId,
    Arn: arnOf(i),
    IdentityType: "RAMUser",
    PrincipalId: i.userId!,
    RequestId: requestId,
    UserId: i.userId!,
  };
}

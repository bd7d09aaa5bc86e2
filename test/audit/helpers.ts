/** Shared fixtures for the audit tests: an in-memory SystemStore, temp dirs, and request/response facts. */
import { createHmac } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SystemStore } from "../../src/storage/types.js";
import type { AuditAuthInfo, AuditRequestFacts, AuditResponseFacts } from "../../src/core/audit/types.js";

/** The SystemStore contract on a Map; putIfAbsent is trivially atomic on one thread. */
export class MemorySystem implements SystemStore {
  readonly map = new Map<string, string>();
  async get(key: string) {
    return this.map.get(key);
  }
  async put(key: string, value: string) {
    this.map.set(key, value);
  }
  async putIfAbsent(key: string, value: string) {
    if (this.map.has(key)) return false;
    this.map.set(key, value);
    return true;
  }
  async delete(key: string) {
    this.map.delete(key);
  }
}

export const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), "warden-audit-"));
export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

/** Independent computation of Vault's audit hash from the hex key stored in the SystemStore. */
export function expectedHash(storedHexKey: string, value: string): string {
  return "hmac-sha256:" + createHmac("sha256", Buffer.from(storedHexKey, "hex")).update(value).digest("hex");
}

export async function readLines(file: string): Promise<Record<string, any>[]> {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));
}

/** Distinctive raw secrets: any of them found in an audit file is a leak. */
export const SECRETS = {
  callerToken: "hvs.CALLERTOKENrawXYZ0123456789",
  callerAccessor: "acc-CALLERaccessorRAW987654",
  newToken: "hvs.NEWLYissuedTOKENraw55555",
  newAccessor: "acc-NEWaccessorRAW1122334455",
  signature: "SIGNATURErawVALUEabc%2B%3D==",
  accessKeyId: "LTAIaccessKEYidRAW777",
  securityToken: "CAISsecurityTOKENrawQQQ",
  secretId: "SECRETidRAW-5f1e-4b1a-9c4e",
  nonce: "NONCErawVALUE4242",
  jwt: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyYXcifQ.JWTsigRAW",
};

export function callerAuth(): AuditAuthInfo {
  return {
    clientToken: SECRETS.callerToken,
    accessor: SECRETS.callerAccessor,
    displayName: "token-ci",
    policies: ["default", "ci"],
    tokenPolicies: ["default", "ci"],
    identityPolicies: ["idp"],
    metadata: { team: "platform" },
    entityId: "ent-1",
    remainingUses: 0,
    tokenType: "service",
    tokenTtl: 3600,
    tokenIssueTime: "2024-05-01T10:00:00Z",
  };
}

/** A login request carrying every kind of signed material the cloud plugins receive. */
export function loginRequest(overrides: Partial<AuditRequestFacts> = {}): AuditRequestFacts {
  const url =
    "https://sts.aliyuncs.com/?Action=GetCallerIdentity&AccessKeyId=" + SECRETS.accessKeyId +
    "&SecurityToken=" + SECRETS.securityToken + "&Signature=" + SECRETS.signature + "&SignatureNonce=" + SECRETS.nonce;
  return {
    id: "req-1",
    operation: "update",
    path: "auth/alicloud/login",
    mountPoint: "auth/alicloud/",
    mountType: "alicloud",
    mountAccessor: "auth_alicloud_1234",
    remoteAddress: "10.1.2.3",
    remotePort: 50123,
    data: {
      role: "dev",
      identity_request_url: Buffer.from(url).toString("base64"),
      identity_request_headers: { Authorization: [`Signature keyId="x",signature="${SECRETS.signature}"`], "x-acs-nonce": SECRETS.nonce },
      nested: { list: ["plain", { deeper: SECRETS.secretId }], count: 3, flag: true },
      secret_id: SECRETS.secretId,
      jwt: SECRETS.jwt,
      raw_url: url,
      signed_at: "2024-05-01T10:00:00Z",
    },
    auth: null,
    clientToken: "",
    clientTokenAccessor: "",
    ...overrides,
  };
}

export function authedRequest(overrides: Partial<AuditRequestFacts> = {}): AuditRequestFacts {
  return loginRequest({
    id: "req-2",
    path: "auth/token/create",
    mountPoint: "auth/token/",
    mountType: "token",
    mountAccessor: "auth_token_1",
    data: { policies: ["ci"], ttl: "1h" },
    auth: callerAuth(),
    clientToken: SECRETS.callerToken,
    clientTokenAccessor: SECRETS.callerAccessor,
    ...overrides,
  });
}

export function loginResponse(overrides: Partial<AuditResponseFacts> = {}): AuditResponseFacts {
  return {
    data: { echo: SECRETS.securityToken, expires: "2030-01-01T00:00:00.5+02:00", n: 7 },
    warnings: ["role has no bound CIDRs"],
    auth: { ...callerAuth(), clientToken: SECRETS.newToken, accessor: SECRETS.newAccessor, displayName: "alicloud-dev" },
    error: null,
    status: 200,
    ...overrides,
  };
}

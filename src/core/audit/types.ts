/**
 * The audit contract. The request pipeline hands the broker plain facts (raw token, raw data);
 * the broker builds Vault-shaped entries and HMACs every secret before anything leaves the process.
 * When at least one device is enabled and none could write, logRequest/logResponse reject with a
 * 500 WardenError and the request fails (fail closed).
 */
import type { WrapInfo } from "../framework/response-envelope.js";

export interface AuditAuthInfo {
  /** Raw client token: HMAC'd by the broker, never written in clear. */
  clientToken: string;
  accessor: string;
  displayName: string;
  policies: string[];
  tokenPolicies: string[];
  identityPolicies?: string[];
  metadata: Record<string, string> | null;
  entityId: string;
  remainingUses: number;
  tokenType: string;
  /** Seconds. */
  tokenTtl: number;
  /** RFC3339. */
  tokenIssueTime: string;
}

export interface AuditRequestFacts {
  id: string;
  operation: string;
  /** "auth/alicloud/login" (no /v1/). */
  path: string;
  mountPoint: string;
  mountType: string;
  mountAccessor: string;
  remoteAddress: string;
  remotePort?: number;
  data: Record<string, unknown> | null;
  /** The caller's token and what it resolved to; null on unauthenticated requests. */
  auth: AuditAuthInfo | null;
  /** Raw caller token as sent (may be set even when it did not resolve). */
  clientToken: string;
  clientTokenAccessor: string;
  /** Why the request was refused before its handler ran (written on the request entry, as Vault does). */
  error?: string;
  /** The response-wrapping TTL the request asked for (seconds). */
  wrapTtl?: number;
}

export interface AuditResponseFacts {
  data: Record<string, unknown> | null;
  warnings: string[] | null;
  /** A login or token-create answer: the new token's facts (raw; HMAC'd by the broker). */
  auth: AuditAuthInfo | null;
  /** Error text returned to the client, if any (not hashed, Vault-style). */
  error: string | null;
  status: number;
  /** A wrapped answer: the wrapping token (raw; HMAC'd by the broker) instead of any data. */
  wrapInfo?: WrapInfo;
}

export interface AuditDeviceInfo {
  path: string;
  type: "file";
  description: string;
  options: Record<string, string>;
}

/** Who enabled a device: the operator's config file, or a caller of sys/audit (held to stricter rules). */
export type AuditDeviceOrigin = "api" | "config";

export interface AuditBroker {
  /** True when at least one device is enabled (the pipeline skips entry building otherwise). */
  readonly active: boolean;
  logRequest(req: AuditRequestFacts): Promise<void>;
  logResponse(req: AuditRequestFacts, res: AuditResponseFacts): Promise<void>;
  /** Enables and persists a device; "api" (the default) applies the file-path rules of device-rules.ts. */
  enable(device: AuditDeviceInfo, origin?: AuditDeviceOrigin): Promise<void>;
  disable(path: string): Promise<boolean>;
  list(): AuditDeviceInfo[];
  /** sys/audit-hash/:path: "hmac-sha256:<hex>" with that device's key; undefined if no such device. */
  hash(path: string, input: string): string | undefined;
  /** Re-reads the device table (another node enabled or disabled a device). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

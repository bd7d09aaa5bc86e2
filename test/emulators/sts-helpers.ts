// Test helpers for the STS emulator. Requests are signed with Alibaba's OFFICIAL signer
// (@alicloud/openapi-util) so the emulator's verifier is checked against an independent implementation.
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import type { StsIdentity } from "../../src/emulators/sts/server.js";

const require = createRequire(import.meta.url);

interface OpenApiUtilStatic {
  getRPCSignature(params: Record<string, string>, method: string, secret: string): string;
  getTimestamp(): string;
}
export const OpenApiUtil = (require("@alicloud/openapi-util") as { default: OpenApiUtilStatic }).default;

export interface PopRpcClient {
  request<T = Record<string, unknown>>(action: string, params: object, opts?: object): Promise<T>;
}
export const PopRPCClient = (require("@alicloud/pop-core") as {
  RPCClient: new (config: {
    endpoint: string;
    apiVersion: string;
    accessKeyId: string;
    accessKeySecret: string;
    securityToken?: string;
  }) => PopRpcClient;
}).RPCClient;

export const ROLE: StsIdentity = {
  accessKeyId: "STS.NTestRoleKey0001",
  accessKeySecret: "role-secret-for-tests",
  securityToken: "CAIS+role/token==",
  accountId: "1234567890123456",
  kind: "AssumedRoleUser",
  roleName: "dev-role",
  roleId: "300044677176060001",
  sessionName: "alice@example.com",
};

export const USER: StsIdentity = {
  accessKeyId: "LTAI5tTestUser0001",
  accessKeySecret: "user-secret-for-tests",
  accountId: "1733057948060001",
  kind: "RAMUser",
  userName: "ci-bot",
  userId: "204070465786810001",
};

/** "YYYY-MM-DDThh:mm:ssZ", offset from now. */
export function timestampAt(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The unsigned parameter set an SDK would send for GetCallerIdentity with `who`'s key. */
export function baseParams(who: StsIdentity, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const p: Record<string, string | undefined> = {
    AccessKeyId: who.accessKeyId,
    Action: "GetCallerIdentity",
    Format: "JSON",
    SignatureMethod: "HMAC-SHA1",
    SignatureNonce: randomUUID(),
    SignatureVersion: "1.0",
    Timestamp: timestampAt(),
    Version: "2015-04-01",
    SecurityToken: who.securityToken,
    ...overrides,
  };
  // An override of `undefined` removes the parameter.
  return Object.fromEntries(Object.entries(p).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Adds Signature computed by the official SDK helper. */
export function officiallySigned(params: Record<string, string>, method: "GET" | "POST", secret: string): Record<string, string> {
  return { ...params, Signature: OpenApiUtil.getRPCSignature(params, method, secret) };
}

export function formEncode(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method?: string;
  path?: string;
  body?: string;
  contentType?: string;
  timeoutMs?: number;
}

/** Plain node:http, no agent and no redirects followed, so the test sees exactly what the emulator sent. */
export function rawCall(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(req.path ?? "/", baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (req.contentType) headers["content-type"] = req.contentType;
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(req.body);
    const r = httpRequest(url, { method: req.method ?? "GET", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    if (req.timeoutMs) r.setTimeout(req.timeoutMs, () => r.destroy(new Error("client timeout")));
    r.on("error", reject);
    r.end(req.body);
  });
}

/** GET with every parameter in the query (pop-core GET style). */
export function callGet(baseUrl: string, signed: Record<string, string>): Promise<RawResponse> {
  return rawCall(baseUrl, { method: "GET", path: `/?${formEncode(signed)}` });
}

/** POST with every parameter in a form body (pop-core / V2 SDK style). */
export function callPostForm(baseUrl: string, signed: Record<string, string>): Promise<RawResponse> {
  return rawCall(baseUrl, {
    method: "POST",
    path: "/",
    body: formEncode(signed),
    contentType: "application/x-www-form-urlencoded",
  });
}

export function jsonBody(res: RawResponse): Record<string, string> {
  return JSON.parse(res.body) as Record<string, string>;
}

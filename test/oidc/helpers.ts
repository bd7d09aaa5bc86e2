import { alicloudLoginData } from "../../plugins/alicloud/cli.js";
import type { StsIdentity } from "../../src/emulators/sts/server.js";
import type { TestServer } from "../helpers/server.js";
import { formEncode, rawCall, type RawResponse } from "../emulators/sts-helpers.js";

export const ACCOUNT = "1234567890123456";

export const runner: StsIdentity = {
  accessKeyId: "STS.OidcRunnerKey01",
  accessKeySecret: "oidc-runner-secret",
  securityToken: "CAIS.oidc-runner",
  accountId: ACCOUNT,
  kind: "AssumedRoleUser",
  roleName: "ci-role",
  roleId: "300011112222333344",
  sessionName: "runner-1",
};

/** Header and payload of a JWT, decoded by hand (no library), so assertions see exactly what was sent. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, any> } {
  const [h, p] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(h!, "base64url").toString("utf8")),
    payload: JSON.parse(Buffer.from(p!, "base64url").toString("utf8")),
  };
}

export function b64url(v: unknown): string {
  return Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
}

export async function alicloudLogin(s: TestServer, who: StsIdentity, role = "ci"): Promise<{ token: string; entityId: string }> {
  const body = alicloudLoginData({ role, region: "cn-hangzhou", accessKey: who.accessKeyId, secretKey: who.accessKeySecret, securityToken: who.securityToken });
  const r = await s.request("PUT", "auth/alicloud/login", { token: null, body });
  if (r.status !== 200) throw new Error(`alicloud login failed: ${r.status} ${r.text}`);
  return { token: r.body.auth.client_token, entityId: r.body.auth.entity_id };
}

/** Mounts alicloud against the emulator with role "ci" for the runner's role ARN. */
export async function setupAlicloud(s: TestServer, stsUrl: string): Promise<void> {
  const ok = (r: { status: number; text: string }, what: string) => {
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text}`);
  };
  ok(await s.request("POST", "sys/auth/alicloud", { body: { type: "alicloud" } }), "enable alicloud");
  ok(await s.request("PUT", "auth/alicloud/config", { body: { sts_endpoint: stsUrl } }), "alicloud config");
  ok(await s.request("PUT", "auth/alicloud/role/ci", { body: { arn: `acs:ram::${ACCOUNT}:role/ci-role`, token_ttl: "1h", token_policies: "oidc-reader" } }), "alicloud role");
  const policy = 'path "identity/oidc/token/*" { capabilities = ["read"] }\npath "identity/oidc/introspect" { capabilities = ["update"] }';
  ok(await s.request("PUT", "sys/policies/acl/oidc-reader", { body: { policy } }), "policy");
}

/** AssumeRoleWithOIDC as the CLI sends it: anonymous, parameters in a form body. */
export function assumeRoleWithOidc(stsUrl: string, params: Record<string, string | undefined>): Promise<RawResponse> {
  const all: Record<string, string> = {};
  const merged = { Action: "AssumeRoleWithOIDC", Version: "2015-04-01", Format: "JSON", ...params };
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) all[k] = v;
  return rawCall(stsUrl, { method: "POST", path: "/", body: formEncode(all), contentType: "application/x-www-form-urlencoded" });
}

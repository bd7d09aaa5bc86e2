/**
 * Client side of `warden login -method=alicloud`: signs a GetCallerIdentity request the way the Vault
 * CLI does (through the Alibaba Go SDK), so warden and Vault accept each other's login payloads.
 * POST, every parameter in the query sorted, RegionId and an empty SignatureType included, URL
 * https://sts.<region>.aliyuncs.com/?..., headers as Go's http.Header JSON, both base64'd.
 */
import { randomBytes } from "node:crypto";
import { badRequest, defineLoginHandler, loginArgs } from "warden/sdk";
import { encodeQuery, signRpc } from "./rpc-encoding.js";
import { REGION_ID } from "./sts-request.js";

export interface AlicloudLoginOptions {
  role: string;
  region: string;
  accessKey: string;
  secretKey: string;
  securityToken?: string;
  now?: Date;
  nonce?: string;
}

export interface AlicloudLoginData {
  role: string;
  identity_request_url: string;
  identity_request_headers: string;
}

/** "2006-01-02T15:04:05Z": UTC, no milliseconds (what the Go SDK's ISO 8601 formatter emits). */
function timestamp(now: Date): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

export function alicloudLoginData(opts: AlicloudLoginOptions): AlicloudLoginData {
  if (!REGION_ID.test(opts.region)) throw new Error("region must be an Alibaba Cloud region id such as cn-hangzhou");
  if (!opts.accessKey || !opts.secretKey) throw new Error("access_key and secret_key are required");
  const params: Record<string, string> = {
    AccessKeyId: opts.accessKey,
    Action: "GetCallerIdentity",
    Format: "JSON",
    RegionId: opts.region,
    SignatureMethod: "HMAC-SHA1",
    // The Go SDK nonce is 32 hex characters.
    SignatureNonce: opts.nonce ?? randomBytes(16).toString("hex"),
    SignatureType: "",
    SignatureVersion: "1.0",
    Timestamp: timestamp(opts.now ?? new Date()),
    Version: "2015-04-01",
  };
  if (opts.securityToken) params.SecurityToken = opts.securityToken;
  params.Signature = signRpc("POST", params, opts.secretKey);
  const url = `https://sts.${opts.region}.aliyuncs.com/?${encodeQuery(params)}`;
  // What the Go SDK puts on the request; none of it is signed, warden ignores it, Vault requires it.
  const headers = {
    "Content-Type": ["application/x-www-form-urlencoded"],
    "x-acs-action": ["GetCallerIdentity"],
    "x-acs-version": ["2015-04-01"],
    "x-sdk-client": ["warden/1.0"],
    "x-sdk-invoke-type": ["normal"],
  };
  return {
    role: opts.role,
    identity_request_url: Buffer.from(url, "utf8").toString("base64"),
    identity_request_headers: Buffer.from(JSON.stringify(headers), "utf8").toString("base64"),
  };
}

export const alicloudLogin = defineLoginHandler({
  help: `-method=alicloud: role=ROLE region=REGION [access_key=... secret_key=... [security_token=...]] [mount=PATH]
      Signs an STS GetCallerIdentity request locally and sends only the signed request, never the
      secret key. Credentials come from the arguments, else from ALICLOUD_ACCESS_KEY,
      ALICLOUD_SECRET_KEY and ALICLOUD_ACCESS_KEY_STS_TOKEN. (ECS instance metadata is not consulted.)`,
  login(input) {
    const args = loginArgs(input, "alicloud", ["role", "region", "access_key", "secret_key", "security_token"]);
    const role = args.string("role");
    const region = args.string("region");
    if (!role) throw badRequest("role is required for -method=alicloud");
    if (!region) throw badRequest("region is required for -method=alicloud");
    // Take the whole credential set from one source: mixing an argument key with an environment
    // STS token would only produce a signature the server rejects.
    const fromArgs = input.args.access_key !== undefined || input.args.secret_key !== undefined;
    const accessKey = fromArgs ? args.string("access_key") : input.env.ALICLOUD_ACCESS_KEY;
    const secretKey = fromArgs ? args.string("secret_key") : input.env.ALICLOUD_SECRET_KEY;
    const securityToken = fromArgs ? args.string("security_token") : input.env.ALICLOUD_ACCESS_KEY_STS_TOKEN;
    if (!accessKey || !secretKey) {
      throw badRequest("no Alibaba Cloud credentials: pass access_key= and secret_key=, or set ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY");
    }
    const body = alicloudLoginData({ role, region, accessKey, secretKey, ...(securityToken ? { securityToken } : {}) });
    return { path: `auth/${args.mount}/login`, body: { ...body } };
  },
});

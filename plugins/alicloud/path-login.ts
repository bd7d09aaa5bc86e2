/**
 * `login`: a RAM role session proves who it is with a signed GetCallerIdentity request.
 *
 * Order matters: every check that needs no network runs first (role, CIDR, the full request grammar,
 * the timestamp window), then the nonce is claimed atomically, and only then is one rebuilt request
 * sent. Anything forged, replayed, stale or off the allow-list therefore costs us no outbound call,
 * and concurrent replays of one signed URL cannot both reach STS.
 */
import { addressInCidrs, badRequest, definePath, permissionDenied, type HandlerResult, type PluginRequest } from "warden/sdk";
import { isMemberOf, parseArn } from "./arn.js";
import { readConfig } from "./path-config.js";
import { claimSignature } from "./replay-claim.js";
import { roleForLogin } from "./role-entry.js";
import {
  type ValidatedStsRequest,
  parseIdentityRequestParams,
  parseIdentityRequestUrl,
  rebuildStsRequest,
} from "./sts-request.js";
import { readCallerIdentity } from "./sts-response.js";

export const USER_AGENT = "warden-auth-alicloud/1.0";

/**
 * Infisical's login body: the signed GetCallerIdentity parameters as top-level fields. Declared one by
 * one so that only these names can ever reach the rebuilt request.
 */
const FLAT_PARAMS = [
  "Action",
  "Version",
  "AccessKeyId",
  "SignatureMethod",
  "SignatureVersion",
  "SignatureNonce",
  "Timestamp",
  "Signature",
  "Format",
  "SecurityToken",
] as const;

const flatField = { type: "string", description: "Signed GetCallerIdentity parameter (Infisical's flat login body)" } as const;

const loginFields = {
  role: { type: "string", required: true, description: "Name of the warden role to log in to" },
  // Required (as in Vault) unless the flat form is used; checked by the handler, before anything else.
  identity_request_url: {
    type: "string",
    description: "Standard base64 of the signed https://sts.<region>.aliyuncs.com/?... GetCallerIdentity URL",
  },
  identity_request_headers: {
    type: "header",
    description: "Headers of the signed request (validated, then ignored: RPC v1 signs no header)",
  },
  identity_request_method: {
    type: "string",
    allowedValues: ["POST", "GET"],
    description:
      "HTTP method the request was signed for: POST (default for identity_request_url: Vault CLI, Go SDK) or GET (pop-core style; default for the flat form)",
  },
  Action: flatField,
  Version: flatField,
  AccessKeyId: flatField,
  SignatureMethod: flatField,
  SignatureVersion: flatField,
  SignatureNonce: flatField,
  Timestamp: flatField,
  Signature: flatField,
  Format: flatField,
  SecurityToken: flatField,
} as const;

type LoginFields = typeof loginFields;

/**
 * Which of the two body forms the caller used, refusing a body that mixes them or has neither. Runs
 * before the role lookup, as the schema's required-field checks did, so a malformed body is a 400
 * whatever the role.
 */
function bodyForm(req: PluginRequest<LoginFields>): "url" | "flat" {
  const flat = FLAT_PARAMS.filter((k) => req.has(k));
  const urlForm = req.has("identity_request_url") || req.has("identity_request_headers");
  if (flat.length > 0 && urlForm) {
    throw badRequest("send either identity_request_url with identity_request_headers, or the signed parameters as top-level fields, not both");
  }
  if (flat.length > 0) return "flat";
  if (!req.data.identity_request_url) throw badRequest("missing identity_request_url");
  if (!req.has("identity_request_headers")) throw badRequest("missing identity_request_headers");
  return "url";
}

/** The signed request of either form, validated completely (400s). */
function signedRequest(req: PluginRequest<LoginFields>, form: "url" | "flat"): { signed: ValidatedStsRequest; method: "GET" | "POST" } {
  // The method is part of the signature. Vault's CLI signs POST; Infisical's clients sign GET.
  const method = req.data.identity_request_method ?? (form === "flat" ? "GET" : "POST");
  if (form === "url") {
    return { signed: parseIdentityRequestUrl(req.data.identity_request_url ?? ""), method: method === "GET" ? "GET" : "POST" };
  }
  const given: Record<string, string | undefined> = {};
  for (const k of FLAT_PARAMS) given[k] = req.has(k) ? req.data[k] : undefined;
  return { signed: parseIdentityRequestParams(given), method: method === "POST" ? "POST" : "GET" };
}

export async function login(req: PluginRequest<LoginFields>): Promise<HandlerResult> {
  // 0. The body form (400 when mixed or incomplete).
  const form = bodyForm(req);

  // 1. Role. An empty name is a malformed request (as in Vault); unknown and malformed names
  //    otherwise get the same 403 as an unbound principal.
  if (!req.data.role) throw badRequest("missing role");
  const { name, role } = await roleForLogin(req.storage, req.data.role ?? "");

  // 2. Bound CIDRs, fail closed on an unknown client address.
  if (role.token.boundCidrs.length > 0 && !addressInCidrs(req.clientAddress, role.token.boundCidrs)) {
    throw permissionDenied();
  }

  // 3. The signed request, validated completely (400s). The header map was parsed by the field type
  //    (which refuses malformed maps); its content is deliberately not used.
  const { signed, method } = signedRequest(req, form);

  // 4. Replay: claim the signature before any outbound call (replay-claim.ts).
  if (!(await claimSignature(req.storage, signed, Date.now()))) {
    req.log.warn("alicloud: login refused, signature nonce already used", { role: name });
    throw permissionDenied();
  }

  // 5. One rebuilt request to the server-chosen origin; never retried (the nonce is spent).
  const cfg = await readConfig(req.storage);
  const outbound = rebuildStsRequest(signed, { endpoint: cfg.sts_endpoint, method, userAgent: USER_AGENT });
  const res = await req.http.request({ ...outbound, service: "sts" });

  // 6. A strict answer.
  const caller = readCallerIdentity(res, req.log);

  // 7. Only role sessions, and only of the bound role in the bound account.
  const bound = parseArn(role.arn);
  if (!bound || !isMemberOf(caller.arn, bound)) {
    req.log.info("alicloud: login refused, caller is not a session of the role's arn", {
      role: name,
      request_id: caller.requestId,
    });
    throw permissionDenied();
  }

  // 8. The identity. Metadata keys are exactly Vault's.
  return {
    auth: {
      alias: { name: caller.principalId },
      displayName: caller.principalId,
      metadata: {
        account_id: caller.accountId,
        user_id: caller.userId,
        role_id: caller.roleId,
        arn: caller.arn.full,
        identity_type: caller.identityType,
        principal_id: caller.principalId,
        request_id: caller.requestId,
        role_name: name,
      },
      token: role.token,
      internal: { role_name: name, arn: caller.arn.full },
    },
  };
}

export const loginPath = definePath({
  pattern: "login",
  fields: loginFields,
  unauthenticated: true,
  operations: { update: login, create: login },
  help: "Log in with a signed Alibaba Cloud STS GetCallerIdentity request.",
});


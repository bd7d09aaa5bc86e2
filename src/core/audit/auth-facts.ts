/**
 * What the audit log says about a token and a request, derived from the pipeline's typed values
 * (the token record the mint or the authentication produced), never parsed back from a response.
 */
import { type TokenAuth, allPolicies, rfc3339, shownMeta } from "../tokens/token-views.js";
import type { AuditAuthInfo, AuditRequestFacts } from "./types.js";

/** A token's audit facts: the same fields, from the same record, that auth/token/lookup shows. */
export function tokenAuthFacts(a: TokenAuth): AuditAuthInfo {
  const r = a.record;
  const facts: AuditAuthInfo = {
    clientToken: a.clientToken,
    accessor: r.accessor,
    displayName: r.displayName,
    policies: allPolicies(a),
    tokenPolicies: r.policies,
    metadata: shownMeta(r),
    entityId: r.entityId,
    remainingUses: Math.max(r.numUses, 0),
    tokenType: "service",
    tokenTtl: r.ttl,
    tokenIssueTime: rfc3339(r.createdAt),
  };
  if (a.identityPolicies.length > 0) facts.identityPolicies = [...a.identityPolicies];
  return facts;
}

/** The request as it was sent, before anything resolved: what a request entry holds at the least. */
export interface AuditedRequest {
  id: string;
  operation: string;
  path: string;
  data: Record<string, unknown>;
  token: string | undefined;
  clientAddress: string | undefined;
  remotePort?: number;
  /** X-Vault-Wrap-TTL in seconds, when the request asked for a wrapped answer. */
  wrapTtl?: number;
}

/** A request's audit facts before routing and authentication fill in the mount and the caller. */
export function requestFacts(req: AuditedRequest): AuditRequestFacts {
  return {
    id: req.id,
    operation: req.operation,
    path: req.path,
    mountPoint: "",
    mountType: "",
    mountAccessor: "",
    remoteAddress: req.clientAddress ?? "",
    remotePort: req.remotePort,
    data: req.data,
    auth: null,
    clientToken: req.token ?? "",
    clientTokenAccessor: "",
    ...(req.wrapTtl ? { wrapTtl: req.wrapTtl } : {}),
  };
}

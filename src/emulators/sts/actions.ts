// The STS actions the emulator implements, keyed by Action name. Each declares how callers
// authenticate: GetCallerIdentity is signed with an AccessKey; AssumeRoleWithOIDC is anonymous (the
// OIDC token it carries is the credential).
import { assumeRoleWithOidc, type NestedAnswer, type OidcFederation } from "./assume-role-with-oidc.js";
import { callerIdentityBody, type StsIdentity } from "./identity.js";

export const STS_API_VERSION = "2015-04-01";

export interface ActionRequest {
  params: Readonly<Record<string, string>>;
  requestId: string;
  /** Set when the action's authentication is "signature". */
  identity: StsIdentity | null;
  /** RAM's OIDC providers and roles, for AssumeRoleWithOIDC. */
  federation: OidcFederation;
}

export interface ActionDefinition {
  versions: readonly string[];
  authentication: "signature" | "anonymous";
  /** Returns the answer fields (one level of nesting); the server wraps them in "<Action>Response" for XML. */
  handle(req: ActionRequest): NestedAnswer | Promise<NestedAnswer>;
}

export const stsActions: Readonly<Record<string, ActionDefinition>> = {
  GetCallerIdentity: {
    versions: [STS_API_VERSION],
    authentication: "signature",
    handle: ({ identity, requestId }) => callerIdentityBody(identity!, requestId),
  },
  AssumeRoleWithOIDC: {
    versions: [STS_API_VERSION],
    authentication: "anonymous",
    handle: ({ params, requestId, federation }) => assumeRoleWithOidc(params, requestId, federation),
  },
};

/** Own-property lookup so names like "toString" or "__proto__" are simply unknown actions. */
export function findAction(name: string): ActionDefinition | undefined {
  return Object.hasOwn(stsActions, name) ? stsActions[name] : undefined;
}

// The STS actions the emulator implements, keyed by Action name. Each declares how callers
// authenticate so an unsigned action (AssumeRoleWithOIDC presents an OIDC token instead of an
// AccessKey signature) can be added beside GetCallerIdentity without touching the server.
import { callerIdentityBody, type StsIdentity } from "./identity.js";

export const STS_API_VERSION = "2015-04-01";

export interface ActionRequest {
  params: Readonly<Record<string, string>>;
  requestId: string;
  /** Set when the action's authentication is "signature". */
  identity: StsIdentity | null;
}

export interface ActionDefinition {
  versions: readonly string[];
  authentication: "signature";
  /** Returns the answer fields; the server wraps them in "<Action>Response" for XML. */
  handle(req: ActionRequest): Record<string, string>;
}

export const stsActions: Readonly<Record<string, ActionDefinition>> = {
  GetCallerIdentity: {
    versions: [STS_API_VERSION],
    authentication: "signature",
    handle: ({ identity, requestId }) => callerIdentityBody(identity!, requestId),
  },
};

/** Own-property lookup so names like "toString" or "__proto__" are simply unknown actions. */
export function findAction(name: string): ActionDefinition | undefined {
  return Object.hasOwn(stsActions, name) ? stsActions[name] : undefined;
}

/**
 * The ACL contract. `parsePolicy` turns HCL/JSON text into a Policy (or throws a 400 WardenError
 * "failed to parse policy: ..."); `compileAcl` merges a token's policies once (the result is cached
 * by the core per policy set) so each request costs a lookup, not a parse.
 */
export type Capability = "create" | "read" | "update" | "patch" | "delete" | "list" | "sudo" | "deny";

/** The operation a request performs, as the ACL sees it. */
export type AclOperation = "create" | "read" | "update" | "patch" | "delete" | "list";

export interface PathRule {
  /** Path as written, without a leading "/" (may end in "*", may contain "+" segments). */
  path: string;
  capabilities: Capability[];
  allowedParameters?: Record<string, unknown[]>;
  deniedParameters?: Record<string, unknown[]>;
  requiredParameters?: string[];
  /**
   * Response-wrapping TTL bounds in seconds (0/absent = none). Kept, not ignored: Vault denies a
   * request whose wrap TTL is missing or out of bounds, so dropping them would widen the rule.
   */
  minWrappingTtl?: number;
  maxWrappingTtl?: number;
}

export interface Policy {
  name: string;
  rules: PathRule[];
  /** True when any rule uses {{identity.*}} templating. */
  templated: boolean;
}

export interface AclDecision {
  allowed: boolean;
  /** The winning rule grants sudo (root-protected paths need it). */
  sudo: boolean;
  /** Capabilities of the winning rule (for sys/capabilities-self). */
  capabilities: Capability[];
}

export interface Acl {
  readonly root: boolean;
  /**
   * Decides one request. `path` is the resolved request path without "/v1/" (list paths end in "/").
   * `data` is the request's parameters, checked against allowed/denied/required parameters.
   * `wrapTtlSeconds` is the requested response-wrapping TTL, if any (rules with wrapping bounds
   * deny requests without one, as Vault does).
   */
  check(path: string, op: AclOperation, data?: Record<string, unknown>, wrapTtlSeconds?: number): AclDecision;
  /** Capabilities on a path regardless of operation (sys/capabilities-self). */
  capabilities(path: string): Capability[];
}

/** Values substituted into templated policy paths ({{identity.entity.id}}, ...). */
export interface TemplateContext {
  entityId?: string;
  entityName?: string;
  entityMetadata?: Record<string, string>;
}

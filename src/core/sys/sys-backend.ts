import type { AuditBroker } from "../audit/types.js";
import type { CoreBackend } from "../framework/core-path.js";
import type { IdentityService } from "../identity/identity-service.js";
import type { KvStore } from "../../storage/types.js";
import { sysCapabilityPaths } from "./sys-capabilities.js";
import { sysVersionPaths } from "./sys-version.js";
import type { MountTable } from "../mounts/mount-table.js";
import type { PolicyService } from "../policy/policy-service.js";
import type { LockoutService } from "../login/lockout.js";
import type { TokenService } from "../tokens/token-service.js";
import { sysAuditPaths } from "./sys-audit.js";
import { sysAuthPaths } from "./sys-auth.js";
import { sysLockoutPaths } from "./sys-lockout.js";
import type { Metrics } from "../metrics/metrics.js";
import { sysMetricsPaths } from "./sys-metrics.js";
import { sysQuotaPaths } from "./sys-quotas.js";
import type { QuotaService } from "../quotas/quota-service.js";
import { sysPolicyPaths } from "./sys-policy.js";
import type { PluginRegistry } from "../plugins/registry.js";
import { sysPluginPaths } from "./sys-plugins.js";
import type { LeaderElection } from "../../storage/types.js";
import { sysHaPaths } from "./sys-ha.js";
import { sysOpenApiPaths } from "./sys-openapi.js";
import { type SealControls, sysSealPaths } from "./sys-seal.js";
import type { ResponseWrapping } from "../wrapping/response-wrapping.js";
import { wrappingPaths } from "../wrapping/wrapping-paths.js";

/** The sys/ backend: mounts, policies, audit devices, capability queries and the version history. */
export function sysBackend(deps: { mounts: MountTable; tokens: TokenService; policies: PolicyService; audit: AuditBroker; lockout: LockoutService; plugins: PluginRegistry; ha: LeaderElection; wrapping: ResponseWrapping; quotas: QuotaService; seal?: SealControls; metrics: Metrics; identity: IdentityService; kv: KvStore }): CoreBackend {
  return {
    type: "system",
    description: "system endpoints used for control, policy and debugging",
    paths: [
      ...sysAuthPaths(deps.mounts, deps.tokens),
      ...sysPolicyPaths(deps.policies),
      ...sysAuditPaths(deps.audit),
      ...sysLockoutPaths(deps.lockout),
      ...sysQuotaPaths(deps.quotas, deps.mounts),
      ...sysPluginPaths(deps.plugins, deps.mounts),
      ...sysHaPaths(deps.ha),
      ...sysSealPaths(deps.seal),
      ...wrappingPaths(deps.wrapping),
      ...sysOpenApiPaths(deps.mounts),
      ...sysMetricsPaths(deps.metrics),
      ...sysCapabilityPaths(deps),
      ...sysVersionPaths(deps.kv),
    ],
  };
}

import type { AuditBroker } from "../audit/types.js";
import { type CoreBackend, corePath } from "../framework/core-path.js";
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

const capabilityFields = { path: { type: "comma_string_slice" }, paths: { type: "comma_string_slice" } } as const;

/** The sys/ backend: mounts, policies, audit devices and capability queries. */
export function sysBackend(deps: { mounts: MountTable; tokens: TokenService; policies: PolicyService; audit: AuditBroker; lockout: LockoutService; plugins: PluginRegistry; ha: LeaderElection; wrapping: ResponseWrapping; quotas: QuotaService; seal?: SealControls; metrics: Metrics }): CoreBackend {
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
      corePath({
        pattern: "capabilities-self", help: "The calling token's capabilities on the given paths.",
        fields: capabilityFields,
        operations: {
          update: async (req) => {
            const paths = [...(req.data.paths ?? []), ...(req.data.path ?? [])];
            const data: Record<string, unknown> = {};
            for (const p of paths) data[p] = req.acl?.root ? ["root"] : (req.acl?.capabilities(p.replace(/^\/+/, "")) ?? ["deny"]);
            const first = paths[0];
            data.capabilities = first === undefined ? [] : data[first];
            return { data };
          },
        },
      }),
    ],
  };
}

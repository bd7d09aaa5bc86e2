import { badRequest } from "../../sdk/errors.js";
import { canonicalCidrs, cidrWithin } from "../../sdk/cidr.js";
import { sanitizePolicies } from "../../sdk/token-params.js";
import type { CoreRequest, CoreResult } from "../framework/core-path.js";
import type { MountTable } from "../mounts/mount-table.js";
import { type TokenService, withDefault } from "./token-service.js";
import { tokenMountAccessor, tokenMountLimits } from "./token-mount.js";
import { calculateTtl } from "./ttl.js";

export const createFields = {
  id: { type: "string" },
  policies: { type: "string_slice" },
  meta: { type: "kv_pairs" },
  no_parent: { type: "bool" },
  no_default_policy: { type: "bool" },
  renewable: { type: "bool", default: true },
  ttl: { type: "duration" },
  lease: { type: "duration", deprecated: true },
  explicit_max_ttl: { type: "duration" },
  period: { type: "duration" },
  display_name: { type: "string" },
  num_uses: { type: "int" },
  type: { type: "string" },
  entity_alias: { type: "string" },
  bound_cidrs: { type: "comma_string_slice" },
} as const;

/**
 * Bound CIDRs of a new token. A child gets its parent's binding (Vault copies parent.BoundCIDRs); a
 * request may narrow it, never widen it: every CIDR asked for must lie inside one of the parent's.
 * An orphan (no binding to inherit) takes what the request says.
 */
function childCidrs(requested: string[] | undefined, inherited: string[]): string[] {
  if (requested === undefined || requested.length === 0) return inherited;
  const asked = canonicalCidrs(requested);
  if (inherited.length > 0 && !asked.every((c) => cidrWithin(c, inherited))) {
    throw badRequest("bound_cidrs must lie within the parent token's bound CIDRs");
  }
  return asked;
}

/**
 * auth/token/create and create-orphan: a child of the calling token, which can never get more than
 * its parent (policies, CIDRs) unless the caller has sudo. `orphanEndpoint` is create-orphan.
 */
export function createToken(tokens: TokenService, mounts: MountTable, orphanEndpoint: boolean) {
  return async (req: CoreRequest<typeof createFields>): Promise<CoreResult> => {
    const caller = req.caller!;
    const parent = caller.record;
    const d = req.data;
    const parentIsRoot = parent.policies.includes("root");
    if (parent.numUses !== 0) throw badRequest("restricted use token cannot generate child tokens");
    if (d.type && d.type !== "service" && d.type !== "default") throw badRequest(`token type "${d.type.slice(0, 20)}" is not supported`);
    if (d.id !== undefined && d.id !== "") {
      if (!req.sudo) throw badRequest("root or sudo privileges required to specify token id");
      if (!/^[A-Za-z0-9._-]{8,256}$/.test(d.id)) throw badRequest("token id must be 8 to 256 characters of letters, digits, '.', '_' or '-'");
      if (d.id.includes(".") && !d.id.startsWith("hvs.")) throw badRequest("custom token ids may only contain '.' in the 'hvs.' prefix");
    }
    if (d.no_parent && !req.sudo) throw badRequest("root or sudo privileges required to create orphan token");
    if ((d.period ?? 0) > 0 && !req.sudo) throw badRequest("root or sudo privileges required to create periodic token");
    if ((d.num_uses ?? 0) < 0) throw badRequest("number of uses cannot be negative");

    let policies: string[];
    if (d.policies === undefined || d.policies.length === 0) {
      policies = parent.policies.filter((p) => p !== "default" || !d.no_default_policy);
    } else {
      const asked = sanitizePolicies(d.policies);
      if (asked.includes("root") && !parentIsRoot) throw badRequest("root tokens may not be created without parent token being root");
      if (!req.sudo && !parentIsRoot) {
        const allowed = new Set(parent.policies);
        if (!asked.every((p) => p === "default" || allowed.has(p))) throw badRequest("child policies must be subset of parent");
      }
      policies = withDefault(asked, d.no_default_policy === true || (!parent.policies.includes("default") && !req.sudo && !parentIsRoot));
    }
    if (policies.includes("root")) policies = ["root"];

    const now = tokens.clock.now();
    const limits = tokenMountLimits(tokens.systemLimits, mounts);
    const explicitMaxTtl = d.explicit_max_ttl ?? 0;
    const period = d.period ?? 0;
    const requestedTtl = d.ttl ?? d.lease ?? 0;
    let ttl = 0;
    let warnings: string[] = [];
    if (policies.includes("root") && requestedTtl === 0 && period === 0 && explicitMaxTtl === 0) {
      if (parent.ttl !== 0) throw badRequest("expiring root tokens cannot create non-expiring root tokens");
    } else {
      ({ ttl, warnings } = calculateTtl({ limits, increment: 0, backendTtl: requestedTtl, period, backendMaxTtl: 0, explicitMaxTtl, startMs: now, nowMs: now }));
    }
    const orphan = orphanEndpoint || d.no_parent === true;
    const displayName = `token${d.display_name ? `-${d.display_name}` : ""}`.replace(/[^a-zA-Z0-9-]/g, "-").replace(/-+$/, "");
    const issued = await tokens.mint(
      {
        id: d.id || undefined,
        policies,
        parentHash: orphan ? null : parent.idHash,
        path: orphanEndpoint ? "auth/token/create-orphan" : "auth/token/create",
        mountAccessor: tokenMountAccessor(mounts),
        meta: d.meta ?? {},
        displayName,
        numUses: d.num_uses ?? 0,
        ttl,
        explicitMaxTtl,
        maxTtl: 0,
        period,
        renewable: d.renewable !== false,
        entityId: orphan ? "" : parent.entityId,
        boundCidrs: childCidrs(d.bound_cidrs, orphan ? [] : parent.boundCidrs),
        role: "",
        auth: null,
      },
      now,
    );
    return { issued, warnings };
  };
}

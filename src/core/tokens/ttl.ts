import { badRequest } from "../../sdk/errors.js";

/** Lease limits in seconds; 0 in a mount means "inherit the system value". */
export interface LeaseLimits {
  defaultTtl: number;
  maxTtl: number;
}

export interface TtlInput {
  limits: LeaseLimits;
  /** Requested increment (renew) in seconds; 0 = none. */
  increment: number;
  /** The role's or token's own TTL; 0 = mount default. */
  backendTtl: number;
  period: number;
  /** The role's max TTL; 0 = mount max. */
  backendMaxTtl: number;
  explicitMaxTtl: number;
  /** Epoch ms from which max TTLs count (creation time). */
  startMs: number;
  nowMs: number;
}

export interface TtlResult {
  ttl: number;
  warnings: string[];
}

/**
 * Vault's CalculateTTL: the effective max is the smallest of mount max, role max and explicit max;
 * periodic tokens renew to their period and are bounded only by an explicit max; everything else
 * gets the increment, the role TTL or the mount default, capped by what is left of the max.
 */
export function calculateTtl(input: TtlInput): TtlResult {
  const warnings: string[] = [];
  let maxTtl = input.limits.maxTtl;
  if (input.backendMaxTtl > 0 && input.backendMaxTtl < maxTtl) maxTtl = input.backendMaxTtl;
  if (input.explicitMaxTtl > 0 && input.explicitMaxTtl < maxTtl) maxTtl = input.explicitMaxTtl;

  let ttl: number;
  let boundMs = 0;
  if (input.period > 0) {
    ttl = input.period;
    if (ttl > maxTtl) {
      warnings.push(`period of "${input.period}s" exceeded the effective max_ttl of "${maxTtl}s"; period value is capped accordingly`);
      ttl = maxTtl;
    }
    if (input.explicitMaxTtl > 0) boundMs = input.startMs + input.explicitMaxTtl * 1000;
  } else {
    ttl = input.increment > 0 ? input.increment : input.backendTtl > 0 ? input.backendTtl : input.limits.defaultTtl;
    boundMs = input.startMs + maxTtl * 1000;
  }
  if (boundMs > 0) {
    const remaining = Math.floor((boundMs - input.nowMs) / 1000);
    if (remaining <= 0) throw badRequest("past the max TTL, cannot renew");
    if (ttl > remaining) {
      warnings.push(`TTL of "${ttl}s" exceeded the effective max_ttl of "${remaining}s"; TTL value is capped accordingly`);
      ttl = remaining;
    }
  }
  return { ttl, warnings };
}

/** Mount values (0 = inherit) resolved against the system's. */
export function effectiveLimits(system: LeaseLimits, mount: Partial<LeaseLimits>): LeaseLimits {
  const maxTtl = mount.maxTtl && mount.maxTtl > 0 ? mount.maxTtl : system.maxTtl;
  const defaultTtl = mount.defaultTtl && mount.defaultTtl > 0 ? mount.defaultTtl : system.defaultTtl;
  return { defaultTtl: Math.min(defaultTtl, maxTtl), maxTtl };
}

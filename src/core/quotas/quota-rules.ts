/**
 * Quota definitions (Vault's sys/quotas/*) and which one applies to a request: the most specific of
 * each type wins, as in Vault: an exact path, then a path glob (longest first), then the mount with
 * the login's role, then the mount, then the global quota (empty path).
 */
export type QuotaType = "rate-limit" | "lease-count";

export interface QuotaRule {
  name: string;
  type: QuotaType;
  /** "" global; "auth/approle/" a mount; "auth/approle/login" a path; "auth/approle/log*" a glob. */
  path: string;
  /** Login role (only with a mount path). */
  role: string;
  /** rate-limit: requests per interval, per client address. */
  rate: number;
  intervalSeconds: number;
  blockIntervalSeconds: number;
  /** lease-count: live tokens minted under the path. */
  maxLeases: number;
}

/** The longest role a quota names (and a login's role the pipeline takes): role names are short. */
export const MAX_QUOTA_ROLE = 512;

/** What a request is matched on: its canonical path, its mount's path and the login's role. */
export interface QuotaTarget {
  path: string;
  mountPath: string;
  role: string | undefined;
}

/** Higher is more specific; -1 = does not apply. */
export function specificity(rule: QuotaRule, target: QuotaTarget): number {
  if (rule.path === "") return 0;
  if (rule.path === target.mountPath) {
    if (rule.role === "") return 1;
    return rule.role === target.role ? 2 : -1;
  }
  if (rule.path.endsWith("*")) {
    const prefix = rule.path.slice(0, -1);
    return target.path.startsWith(prefix) ? 3 + prefix.length / 10_000 : -1;
  }
  return rule.path === target.path ? 4 : -1;
}

export function mostSpecific(rules: Iterable<QuotaRule>, type: QuotaType, target: QuotaTarget): QuotaRule | undefined {
  let best: QuotaRule | undefined;
  let bestScore = -1;
  for (const rule of rules) {
    if (rule.type !== type) continue;
    const score = specificity(rule, target);
    if (score > bestScore) [best, bestScore] = [rule, score];
  }
  return best;
}

/** Vault's read answer for a quota. */
export function quotaView(rule: QuotaRule): Record<string, unknown> {
  const common = { name: rule.name, path: rule.path, type: rule.type, role: rule.role, inheritable: rule.path === "" };
  return rule.type === "rate-limit"
    ? { ...common, rate: rule.rate, interval: rule.intervalSeconds, block_interval: rule.blockIntervalSeconds }
    : { ...common, max_leases: rule.maxLeases };
}

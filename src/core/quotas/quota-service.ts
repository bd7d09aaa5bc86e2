import { type Clock, systemClock } from "../../sdk/clock.js";
import { WardenError, badRequest } from "../../sdk/errors.js";
import { parseDurationSeconds } from "../../sdk/fields.js";
import type { Change, KvStore, TokenCap } from "../../storage/types.js";
import { type QuotaRule, type QuotaTarget, type QuotaType, mostSpecific } from "./quota-rules.js";
import { RateLimiter } from "./rate-limiter.js";

/** sys/quotas/config, Vault's fields. */
export interface QuotaConfig {
  enable_rate_limit_audit_logging: boolean;
  enable_rate_limit_response_headers: boolean;
  rate_limit_exempt_paths: string[];
}

/** Vault's default exempt paths (those warden serves). */
export const DEFAULT_EXEMPT_PATHS = ["sys/generate-recovery-token/attempt", "sys/generate-recovery-token/update", "sys/generate-root/attempt", "sys/generate-root/update", "sys/health", "sys/seal-status", "sys/unseal"];

const DEFAULT_CONFIG: QuotaConfig = { enable_rate_limit_audit_logging: false, enable_rate_limit_response_headers: false, rate_limit_exempt_paths: DEFAULT_EXEMPT_PATHS };

/** Stored through the kv store (behind the barrier), published on the change feed like any kv key. */
export const QUOTA_NAMESPACE = "sys/quotas";
const CONFIG_KEY = "config";
const ruleKey = (type: QuotaType, name: string): string => `${type}/${name}`;

/** Counts one refusal; core.ts wires it to warden_quota_rejections_total{type} (the metrics work). */
export type OnReject = (type: QuotaType) => void;

export interface RateOutcome {
  /** X-Ratelimit-* headers, when sys/quotas/config asks for them. */
  headers?: Record<string, string>;
}

/**
 * Quota definitions (cached, re-read on a change from any node) and their enforcement: the rate
 * limit per node and per client address, the lease count exact in storage (TokenStore.insertCapped).
 */
export class QuotaService {
  private cache: { rules: QuotaRule[]; config: QuotaConfig } | undefined;
  private loading: Promise<{ rules: QuotaRule[]; config: QuotaConfig }> | undefined;
  private readonly limiter = new RateLimiter();
  /** Refusals of the rate limiter: audited only when sys/quotas/config enables it (Vault's default off). */
  private readonly rateRefusals = new WeakSet<object>();
  /** THE call site of a quota refusal for metrics: set by core.ts. */
  onReject: OnReject = () => {};

  constructor(
    private readonly kv: KvStore,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Another node changed a quota: drop the cache (re-read on the next request). */
  changed(change: Change): void {
    if (change.topic === "*" || (change.topic === "kv" && change.key.startsWith(`${QUOTA_NAMESPACE}\n`))) this.invalidate();
  }

  private invalidate(): void {
    this.cache = undefined;
    this.loading = undefined;
  }

  private async state(): Promise<{ rules: QuotaRule[]; config: QuotaConfig }> {
    if (this.cache) return this.cache;
    const loading = (this.loading ??= this.load());
    try {
      const state = await loading;
      if (this.loading === loading) this.cache = state;
      return state;
    } finally {
      if (this.loading === loading) this.loading = undefined;
    }
  }

  private async load(): Promise<{ rules: QuotaRule[]; config: QuotaConfig }> {
    const keys = await this.kv.listKeys(QUOTA_NAMESPACE, "");
    const rules: QuotaRule[] = [];
    let config = DEFAULT_CONFIG;
    for (const key of keys) {
      const value = await this.kv.get(QUOTA_NAMESPACE, key);
      if (value === undefined) continue;
      if (key === CONFIG_KEY) config = { ...DEFAULT_CONFIG, ...(value as Partial<QuotaConfig>) };
      else rules.push(value as QuotaRule);
    }
    return { rules, config };
  }

  async list(type: QuotaType): Promise<string[]> {
    return (await this.state()).rules.filter((r) => r.type === type).map((r) => r.name).sort();
  }

  async get(type: QuotaType, name: string): Promise<QuotaRule | undefined> {
    return (await this.state()).rules.find((r) => r.type === type && r.name === name);
  }

  async put(rule: QuotaRule): Promise<void> {
    await this.kv.put(QUOTA_NAMESPACE, ruleKey(rule.type, rule.name), rule);
    this.limiter.forget(rule.name);
    this.invalidate();
  }

  async delete(type: QuotaType, name: string): Promise<void> {
    await this.kv.delete(QUOTA_NAMESPACE, ruleKey(type, name));
    this.limiter.forget(name);
    this.invalidate();
  }

  async config(): Promise<QuotaConfig> {
    return (await this.state()).config;
  }

  async putConfig(config: QuotaConfig): Promise<void> {
    await this.kv.put(QUOTA_NAMESPACE, CONFIG_KEY, config);
    this.invalidate();
  }

  /**
   * The rate limit, before authentication and before the handler: throws Vault's 429 (with
   * Retry-After) when the client is over the most specific rate-limit quota.
   */
  async checkRate(target: QuotaTarget, clientAddress: string | undefined): Promise<RateOutcome> {
    const { rules, config } = await this.state();
    if (rules.length === 0) return {};
    if (config.rate_limit_exempt_paths.some((p) => target.path === p || target.path.startsWith(p.endsWith("/") ? p : `${p}/`))) return {};
    const rule = mostSpecific(rules, "rate-limit", target);
    if (!rule) return {};
    const d = this.limiter.take(rule, clientAddress ?? "unknown", this.clock.now());
    const headers = config.enable_rate_limit_response_headers
      ? { "X-Ratelimit-Limit": String(d.limit), "X-Ratelimit-Remaining": String(d.remaining), "X-Ratelimit-Reset": String(d.resetSeconds) }
      : undefined;
    if (d.allowed) return { headers };
    this.onReject("rate-limit");
    const refusal = new WardenError(429, `request path "${target.path}": rate limit quota exceeded`, { ...headers, "Retry-After": String(d.resetSeconds) });
    if (!config.enable_rate_limit_audit_logging) this.rateRefusals.add(refusal);
    throw refusal;
  }

  /**
   * True when no rate-limit quota applies to `target`, known without waiting: only once the definitions
   * are cached. Until then false (the caller takes checkRate), and the definitions are read meanwhile.
   */
  rateFree(target: QuotaTarget): boolean {
    const cached = this.cache;
    if (cached === undefined) {
      // A failed read is checkRate's to report, on the request that waits for it.
      this.state().catch(() => undefined);
      return false;
    }
    return cached.rules.length === 0 || mostSpecific(cached.rules, "rate-limit", target) === undefined;
  }

  /**
   * Whether a rate-limit quota with a role is set on this mount: only then does a request's login
   * role need resolving before the handler (Vault resolves it only for role quotas too). A lease-count
   * role quota needs it only once the login succeeded, when the token records it.
   */
  hasRoleRateRules(mountPath: string): boolean | Promise<boolean> {
    return this.withRules((rules) => rules.some((r) => r.type === "rate-limit" && r.role !== "" && r.path === mountPath));
  }

  /** Whether any rate-limit quota exists: without waiting once the definitions are cached. */
  hasRateRules(): boolean | Promise<boolean> {
    return this.withRules((rules) => rules.some((r) => r.type === "rate-limit"));
  }

  /**
   * `decide` over the definitions: in the same call once they are cached (every request but the first
   * after a change), else once they are read.
   */
  private withRules<T>(decide: (rules: QuotaRule[]) => T): T | Promise<T> {
    const cached = this.cache;
    return cached ? decide(cached.rules) : this.state().then((s) => decide(s.rules));
  }

  /**
   * The rate limit at the edge, before the request's body is read (Vault checks it before parsing
   * anything, so a flood of large bodies costs no reading): what checkRate decides, its outcome or its
   * 429, or undefined when only the body can decide (a role quota on the target's mount matches the
   * role the login names; the pipeline then resolves it and checks after reading the body).
   */
  async checkRateBeforeBody(target: Omit<QuotaTarget, "role">, clientAddress: string | undefined): Promise<RateOutcome | WardenError | undefined> {
    const { rules } = await this.state();
    if (rules.length === 0) return {};
    if (rules.some((r) => r.type === "rate-limit" && r.role !== "" && r.path === target.mountPath)) return undefined;
    try {
      return await this.checkRate({ ...target, role: undefined }, clientAddress);
    } catch (e) {
      if (e instanceof WardenError && e.status === 429) return e;
      throw e;
    }
  }

  /** A rate-limit refusal the audit log must not record (enable_rate_limit_audit_logging is off). */
  unaudited(error: unknown): boolean {
    return typeof error === "object" && error !== null && this.rateRefusals.has(error);
  }

  /**
   * The lease-count quota a login's token is minted under, as the storage cap (undefined: none). A
   * quota with a role counts only the tokens of logins that named it (TokenRecord.loginRole) on its mount.
   * In the same call once the definitions are cached.
   */
  leaseCap(target: QuotaTarget): TokenCap | undefined | Promise<TokenCap | undefined> {
    return this.withRules((rules) => this.leaseCapOf(rules, target));
  }

  private leaseCapOf(rules: QuotaRule[], target: QuotaTarget): TokenCap | undefined {
    const rule = rules.length === 0 ? undefined : mostSpecific(rules, "lease-count", target);
    if (!rule) return undefined;
    const glob = rule.path.endsWith("*");
    const cap: TokenCap = { key: rule.name, path: glob ? rule.path.slice(0, -1) : rule.path, exact: !glob && rule.path !== "" && !rule.path.endsWith("/"), max: rule.maxLeases, now: this.clock.now() };
    if (rule.role !== "") cap.role = rule.role;
    return cap;
  }

  /** Vault's 429 for a login over its lease-count quota (counted once). */
  leaseCountExceeded(path: string): WardenError {
    this.onReject("lease-count");
    return new WardenError(429, `request path "${path}": lease count quota exceeded`);
  }
}

/** rate: a positive finite number (Vault's float). */
export function parseRate(raw: unknown): number {
  const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) throw badRequest("'rate' must be positive");
  return n;
}

/** interval / block_interval: Vault's durations; interval defaults to 1s and must be positive. */
export function parseInterval(raw: unknown, field: string, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  return parseDurationSeconds(raw, field);
}

import type { QuotaRule } from "./quota-rules.js";

/** The answer of one rate-limited request: allowed or not, and Vault's X-Ratelimit-* numbers. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window (or the block) ends. */
  resetSeconds: number;
}

interface Window {
  start: number;
  end: number;
  count: number;
  blockedUntil: number;
}

const SWEEP_AT = 10_000;

/**
 * Per-node counting, as in Vault OSS (rate limits are not shared between nodes): a fixed window per
 * (quota, client address) opened by its first request; past `rate` requests the client waits for the
 * window's end, or for block_interval when the quota sets one. Runs on the server's clock.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  take(rule: QuotaRule, clientAddress: string, now: number): RateDecision {
    const key = `${rule.name}\n${clientAddress}`;
    const intervalMs = rule.intervalSeconds * 1000;
    const limit = Math.max(1, Math.floor(rule.rate));
    let w = this.windows.get(key);
    if (w && w.blockedUntil > now) return { allowed: false, limit, remaining: 0, resetSeconds: Math.ceil((w.blockedUntil - now) / 1000) };
    if (!w || now >= w.start + intervalMs) {
      if (this.windows.size >= SWEEP_AT) this.sweep(now);
      w = { start: now, end: now + intervalMs, count: 0, blockedUntil: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    const resetSeconds = Math.max(1, Math.ceil((w.start + intervalMs - now) / 1000));
    if (w.count <= limit) return { allowed: true, limit, remaining: limit - w.count, resetSeconds };
    if (rule.blockIntervalSeconds > 0) {
      w.blockedUntil = now + rule.blockIntervalSeconds * 1000;
      return { allowed: false, limit, remaining: 0, resetSeconds: rule.blockIntervalSeconds };
    }
    return { allowed: false, limit, remaining: 0, resetSeconds };
  }

  /** A changed or deleted quota starts afresh. */
  forget(name: string): void {
    for (const key of this.windows.keys()) if (key.startsWith(`${name}\n`)) this.windows.delete(key);
  }

  /** Drops windows that can no longer refuse anything: memory stays bounded by active clients. */
  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (w.blockedUntil <= now && w.end <= now) this.windows.delete(key);
    if (this.windows.size >= SWEEP_AT) this.windows.clear();
  }
}

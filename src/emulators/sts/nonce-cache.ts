// Remembers SignatureNonce values per AccessKeyId so a captured signed request cannot be replayed.
// A nonce only needs to be remembered while a request carrying it could still pass the timestamp
// check, i.e. for the whole ±skew window plus a margin for clock drift between checks.

export class NonceCache {
  private readonly seen = new Map<string, Map<string, number>>(); // accessKeyId -> nonce -> forget-after (ms)
  private nextPrune = 0;

  constructor(
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the nonce; false when this AccessKeyId already used it inside the retention period. */
  claim(accessKeyId: string, nonce: string): boolean {
    const now = this.now();
    this.pruneIfDue(now);
    let nonces = this.seen.get(accessKeyId);
    if (!nonces) {
      nonces = new Map();
      this.seen.set(accessKeyId, nonces);
    }
    const until = nonces.get(nonce);
    if (until !== undefined && until > now) return false;
    nonces.set(nonce, now + this.retentionMs);
    return true;
  }

  /** Number of remembered nonces across all keys (exposed so pruning is observable in tests). */
  get size(): number {
    let n = 0;
    for (const nonces of this.seen.values()) n += nonces.size;
    return n;
  }

  // Sweeping at most once per tenth of the retention keeps the cost amortised and memory bounded.
  private pruneIfDue(now: number): void {
    if (now < this.nextPrune) return;
    this.nextPrune = now + Math.max(1000, Math.floor(this.retentionMs / 10));
    for (const [key, nonces] of this.seen) {
      for (const [nonce, until] of nonces) if (until <= now) nonces.delete(nonce);
      if (nonces.size === 0) this.seen.delete(key);
    }
  }
}

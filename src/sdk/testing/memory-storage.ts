import type { StorageView } from "../plugin.js";

interface Counted {
  value: string;
  uses: number;
  expiresAt: number;
}

/**
 * An in-memory StorageView with the real store's semantics, for plugin unit tests. Every method is
 * synchronous inside, which gives it the atomicity the real store gets from single SQL statements.
 * Values go through JSON, as they do in the database, so tests cannot rely on object identity.
 */
export class MemoryStorage implements StorageView {
  readonly data = new Map<string, string>();
  readonly claims = new Map<string, number>();
  readonly counted = new Map<string, Counted>();
  now = (): number => Date.now();

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const v = this.data.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  async put(key: string, value: unknown): Promise<void> {
    this.data.set(key, JSON.stringify(value));
  }
  async putIfAbsent(key: string, value: unknown): Promise<boolean> {
    if (this.data.has(key)) return false;
    this.data.set(key, JSON.stringify(value));
    return true;
  }
  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for (const k of this.data.keys()) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf("/");
      out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...out].sort();
  }
  async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    const until = this.claims.get(key);
    if (until !== undefined && until > this.now()) return false;
    this.claims.set(key, this.now() + ttlSeconds * 1000);
    return true;
  }
  async putCounted(key: string, value: unknown, opts: { uses: number; ttlSeconds: number }): Promise<void> {
    this.counted.set(key, { value: JSON.stringify(value), uses: opts.uses, expiresAt: opts.ttlSeconds > 0 ? this.now() + opts.ttlSeconds * 1000 : 0 });
  }
  private live(key: string): Counted | undefined {
    const c = this.counted.get(key);
    if (!c || c.uses < 0 || (c.expiresAt > 0 && c.expiresAt <= this.now())) return undefined;
    return c;
  }
  async takeCounted<T = unknown>(key: string): Promise<{ value: T; usesLeft: number } | undefined> {
    const c = this.live(key);
    if (!c) return undefined;
    if (c.uses > 0) c.uses = c.uses === 1 ? -1 : c.uses - 1;
    return { value: JSON.parse(c.value) as T, usesLeft: c.uses };
  }
  async peekCounted<T = unknown>(key: string): Promise<{ value: T; usesLeft: number; expiresAt: number } | undefined> {
    const c = this.live(key);
    return c ? { value: JSON.parse(c.value) as T, usesLeft: c.uses, expiresAt: c.expiresAt } : undefined;
  }
  async deleteCounted(key: string): Promise<boolean> {
    return this.counted.delete(key);
  }
  async listCounted(prefix: string): Promise<string[]> {
    return [...this.counted.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

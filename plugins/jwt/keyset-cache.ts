/**
 * One mount's cache of verification keys, in memory (keys are public and cheap to refetch; nothing of
 * it needs to survive a restart or be shared between nodes). Each mount's plugin instance owns one;
 * it goes away with the instance (disable, reload), and is dropped when another node writes the
 * mount's config.
 *
 * Remote sources (discovery, JWKS) are fetched once and reused. A token whose kid is not in the
 * cache causes ONE refetch (key rotation at the provider), but at most one fetch per cooldown:
 * otherwise anybody could make warden hammer the provider by sending made-up kids. Keys older than
 * maxAge are refreshed on the next login; if that refresh fails, the old keys stay in use (the
 * provider being down must not end every login) and the next try waits for the cooldown.
 *
 * The cached keys are also checked against the config on every use (a fingerprint of the key source),
 * so a config change is never served from stale keys, even while a change notice is on its way.
 */
import { createHash, type KeyObject } from "node:crypto";
import { upstreamUnavailable, type Clock, type HttpClient, type Logger } from "warden/sdk";
import { jwkFitsAlg, keyObjectFitsAlg } from "./algorithms.js";
import { fetchDiscovery, fetchJwks, KeySourceError, parsePublicPem, type PublicJwk } from "./key-source.js";

/** When keys are refetched. The time itself comes from the server's clock (MountContext.clock). */
export interface KeysetTiming {
  refetchCooldownMs: number;
  maxAgeMs: number;
}

export const DEFAULT_KEYSET_TIMING: KeysetTiming = {
  refetchCooldownMs: 10_000,
  maxAgeMs: 60 * 60 * 1000,
};

/** The part of the config that says where keys come from. */
export interface KeySourceConfig {
  oidc_discovery_url?: string;
  /** What the discovery document said at config time (kept so logins need no discovery fetch). */
  discovered_issuer?: string;
  discovered_jwks_uri?: string;
  jwks_url?: string;
  /** Private CAs for the discovery URL (and the JWKS it names) / for jwks_url. */
  oidc_discovery_ca_pem?: string;
  jwks_ca_pem?: string;
  jwt_validation_pubkeys?: string[];
}

type VerifyKey = CryptoKey | KeyObject | Uint8Array;

interface MountKeys {
  fingerprint: string;
  /** Static PEMs, parsed once. */
  pems?: KeyObject[];
  /** Remote: the resolved JWKS URL and, for discovery, the issuer it announced. */
  jwksUri?: string;
  issuer?: string;
  jwks?: PublicJwk[];
  fetchedAt: number;
  lastAttempt: number;
  inflight?: Promise<void>;
  /** Imported keys by "<index in jwks>|<alg>"; replaced together with `jwks`. */
  imported: Map<string, VerifyKey>;
  /** How many fetches of the JWKS happened (for logs and tests). */
  fetches: number;
}

export const fingerprintOf = (c: KeySourceConfig): string =>
  createHash("sha256")
    .update(JSON.stringify([c.oidc_discovery_url ?? "", c.discovered_jwks_uri ?? "", c.jwks_url ?? "", c.jwt_validation_pubkeys ?? [], c.oidc_discovery_ca_pem ?? "", c.jwks_ca_pem ?? ""]))
    .digest("hex");

export interface Candidates {
  keys: VerifyKey[];
  /** The issuer announced by the discovery document, when the source is discovery. */
  discoveredIssuer?: string;
  /** Set when no key can verify the token: the reason, for the 400. */
  error?: string;
}

export class KeysetCache {
  private entry: MountKeys | undefined;
  private readonly timing: KeysetTiming;

  constructor(
    /** The server's clock: ages and cooldowns move with it (a test advances it instead of sleeping). */
    private readonly clock: Clock,
    timing: Partial<KeysetTiming> = {},
  ) {
    this.timing = { ...DEFAULT_KEYSET_TIMING, ...timing };
  }

  /** How often the JWKS was fetched since the cached keys were made (for logs and tests). */
  get fetches(): number {
    return this.entry?.fetches ?? 0;
  }

  /** Drops the cached keys: the next login fetches (or parses) them again. */
  forget(): void {
    this.entry = undefined;
  }

  /**
   * Config write: fetch (or parse) the keys once, so a wrong URL is a 400 now rather than failed
   * logins later. Throws KeySourceError with an operator-facing message. Primes the cache on success.
   */
  async prime(http: HttpClient, config: KeySourceConfig): Promise<{ keys: number; issuer?: string }> {
    this.forget();
    const e = this.entryFor(config);
    if (e.pems) return { keys: e.pems.length };
    try {
      await this.refresh(e, http, config);
    } catch (err) {
      this.forget();
      throw err;
    }
    return { keys: e.jwks!.length, ...(e.issuer ? { issuer: e.issuer } : {}) };
  }

  /** The keys that may verify a token with this header, fetching or refetching within the rules above. */
  async candidates(http: HttpClient, log: Logger, config: KeySourceConfig, header: { alg: string; kid?: string }): Promise<Candidates> {
    const e = this.entryFor(config);
    if (e.pems) {
      const keys = e.pems.filter((k) => keyObjectFitsAlg(k, header.alg));
      return keys.length ? { keys } : { keys, error: "no public key of the config fits the token's algorithm" };
    }

    if (!e.jwks) {
      if (!this.cooledDown(e) && !e.inflight) throw upstreamUnavailable("the issuer's keys could not be fetched; try again later");
      await this.fetchOrUnavailable(e, http, config, log);
    } else if (this.clock.now() - e.fetchedAt > this.timing.maxAgeMs && this.cooledDown(e)) {
      await this.refresh(e, http, config).catch((err) => log.warn("jwt: refreshing the JWKS failed; keeping the cached keys", { reason: String((err as Error).message) }));
    }

    let found = pick(e.jwks!, header);
    if (header.kid !== undefined && found.length === 0 && !e.jwks!.some((k) => k.kid === header.kid) && this.cooledDown(e)) {
      // An unknown kid: the provider may have rotated. One refetch, then decide.
      log.info("jwt: unknown kid, refetching the JWKS once", { kid: header.kid.slice(0, 64) });
      await this.fetchOrUnavailable(e, http, config, log);
      found = pick(e.jwks!, header);
    }
    const base = e.issuer ? { discoveredIssuer: e.issuer } : {};
    if (found.length === 0) {
      const error = header.kid !== undefined ? `no key found for kid "${header.kid.slice(0, 64)}"` : "no key of the JWKS fits the token's algorithm";
      return { ...base, keys: [], error };
    }
    const keys: VerifyKey[] = [];
    for (const i of found) {
      const cacheKey = `${i}|${header.alg}`;
      let k = e.imported.get(cacheKey);
      if (!k) {
        try {
          // jose on first use: a server that verifies no JWT never loads it.
          const { importJWK } = await import("jose");
          k = await importJWK({ ...e.jwks![i]! }, header.alg);
        } catch {
          continue; // a malformed key in the set verifies nothing; the others still may
        }
        e.imported.set(cacheKey, k);
      }
      keys.push(k);
    }
    return { ...base, keys, ...(keys.length ? {} : { error: "no usable key for the token" }) };
  }

  private entryFor(config: KeySourceConfig): MountKeys {
    const fp = fingerprintOf(config);
    if (this.entry && this.entry.fingerprint === fp) return this.entry;
    const fresh: MountKeys = { fingerprint: fp, fetchedAt: 0, lastAttempt: 0, imported: new Map(), fetches: 0 };
    if (config.oidc_discovery_url && config.discovered_jwks_uri) {
      fresh.jwksUri = config.discovered_jwks_uri;
      fresh.issuer = config.discovered_issuer;
    }
    if (config.jwt_validation_pubkeys?.length) fresh.pems = config.jwt_validation_pubkeys.map((p, i) => parsePublicPem(p, i));
    this.entry = fresh;
    return fresh;
  }

  private cooledDown(e: MountKeys): boolean {
    return this.clock.now() - e.lastAttempt >= this.timing.refetchCooldownMs;
  }

  /** Fetches (discovery if needed, then) the JWKS; coalesces concurrent callers onto one fetch. */
  private refresh(e: MountKeys, http: HttpClient, config: KeySourceConfig): Promise<void> {
    if (e.inflight) return e.inflight;
    e.lastAttempt = this.clock.now();
    e.inflight = (async () => {
      try {
        if (!e.jwksUri) {
          // Only for a discovery config without stored discovery results (path-config.ts stores them).
          if (config.oidc_discovery_url) {
            const d = await fetchDiscovery(http, config.oidc_discovery_url, config.oidc_discovery_ca_pem);
            e.issuer = d.issuer;
            e.jwksUri = d.jwksUri;
          } else {
            e.jwksUri = config.jwks_url;
          }
        }
        e.fetches++;
        // Vault's rule: a discovery config's CA covers the provider's JWKS too.
        const keys = await fetchJwks(http, e.jwksUri!, config.oidc_discovery_url ? config.oidc_discovery_ca_pem : config.jwks_ca_pem);
        e.jwks = keys;
        e.imported = new Map();
        e.fetchedAt = this.clock.now();
      } finally {
        e.inflight = undefined;
      }
    })();
    return e.inflight;
  }

  private async fetchOrUnavailable(e: MountKeys, http: HttpClient, config: KeySourceConfig, log: Logger): Promise<void> {
    try {
      await this.refresh(e, http, config);
    } catch (err) {
      log.warn("jwt: fetching the issuer's keys failed", { reason: err instanceof KeySourceError ? err.message : "error" });
      if (!e.jwks) throw upstreamUnavailable("the issuer's keys could not be fetched; try again later");
    }
  }
}

/** Indexes of the keys that fit: by kid when the token names one, else every key for the alg. */
function pick(jwks: readonly PublicJwk[], header: { alg: string; kid?: string }): number[] {
  const out: number[] = [];
  jwks.forEach((k, i) => {
    if (header.kid !== undefined && k.kid !== header.kid) return;
    if (jwkFitsAlg(k, header.alg)) out.push(i);
  });
  return out;
}


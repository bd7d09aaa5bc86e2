import { addressInCidrs } from "../../sdk/cidr.js";
import { type Clock, systemClock } from "../../sdk/clock.js";
import { WardenError, badRequest, permissionDenied } from "../../sdk/errors.js";
import type { AuthResult } from "../../sdk/plugin.js";
import { sanitizePolicies } from "../../sdk/token-params.js";
import { RESPONSE_WRAPPING_POLICY } from "../policy/response-wrapping-policy.js";
import type { Storage, StoredAuth, TokenCap, TokenRecord } from "../../storage/types.js";
import type { MountEntry } from "../mounts/mount-table.js";
import { hmacSha256Hex } from "../../sdk/hmac.js";
import { isTimeFirst, newAccessor, newServiceToken, tokenKey } from "./token-id.js";
import { calculateTtl, effectiveLimits, type LeaseLimits } from "./ttl.js";

/** Everything a new token is made of; the one minting path takes nothing else. */
export interface MintSpec {
  /** Caller-chosen token id (root/sudo only; dev root token). */
  id?: string;
  policies: string[];
  parentHash: string | null;
  path: string;
  mountAccessor: string;
  meta: Record<string, string>;
  displayName: string;
  numUses: number;
  ttl: number;
  explicitMaxTtl: number;
  maxTtl: number;
  period: number;
  renewable: boolean;
  entityId: string;
  boundCidrs: string[];
  role: string;
  /** The role a login named (TokenRecord.loginRole); absent: "". */
  loginRole?: string;
  auth: StoredAuth | null;
}

/**
 * A token tied to nothing but its holder: an orphan with no metadata, entity, CIDR binding, role or
 * auth-method data, never renewable (the root token, response-wrapping tokens).
 */
export function bareOrphanSpec(spec: Pick<MintSpec, "id" | "policies" | "path" | "mountAccessor" | "displayName" | "numUses" | "ttl" | "explicitMaxTtl">): MintSpec {
  return { ...spec, parentHash: null, meta: {}, maxTtl: 0, period: 0, renewable: false, entityId: "", boundCidrs: [], role: "", auth: null };
}

export interface Minted {
  token: string;
  record: TokenRecord;
}

/** A token that authenticated the current request, with the raw value the caller sent. */
export interface Caller {
  token: string;
  record: TokenRecord;
}

const TOKEN_SHAPE = /^[A-Za-z0-9._-]{1,256}$/;

export class TokenService {
  readonly hash: (token: string) => string;

  constructor(
    private readonly storage: Storage,
    key: Buffer,
    readonly systemLimits: LeaseLimits,
    /** "Now" for every TTL and expiry decision about tokens. */
    readonly clock: Clock = systemClock,
  ) {
    // The only form in which a token is stored or looked up: HMAC-SHA256 under the server's token key,
    // so a leaked database gives no usable token, and without the key no offline guessing either
    // (generated tokens' keys start with their creation time: token-id.ts tokenKey).
    const hmac = hmacSha256Hex(key);
    this.hmac = hmac;
    this.hash = (token) => tokenKey(token, hmac(token));
  }

  /** The plain HMAC of a token (its key is tokenKey of it; a custom id of the generated shape stored before keys began with the time is keyed by it alone). */
  private readonly hmac: (token: string) => string;

  /**
   * Resolves the token of a request: one prepared read, then expiry, pending revocation and bound
   * CIDRs. Every failure is the same 403, whatever the reason.
   */
  async authenticate(token: string | undefined, clientAddress: string | undefined, now = this.clock.now()): Promise<Caller> {
    if (!this.wellFormed(token)) throw permissionDenied();
    const record = await this.read(token);
    if (!record || !this.usable(record, clientAddress, now)) throw permissionDenied();
    return { token, record };
  }

  /** A token of the shape warden issues and reads (anything else is refused unread). */
  wellFormed(token: string | undefined): token is string {
    return token !== undefined && TOKEN_SHAPE.test(token);
  }

  /** The token's one prepared read, before any check (authenticate: usable; find: live). */
  read(token: string): Promise<TokenRecord | undefined> {
    const hmac = this.hmac(token);
    const found = this.storage.tokens.get(tokenKey(token, hmac));
    // A custom id of the generated shape stored before keys began with the time: keyed by the HMAC.
    return isTimeFirst(token) ? found.then((record) => record ?? this.storage.tokens.get(hmac)) : found;
  }

  /**
   * read, without a promise when the storage reads synchronously (SQLite: TokenStore.peek, the same
   * one prepared read), giving the same frozen record while the row is unchanged; elsewhere read itself.
   */
  peek(token: string): TokenRecord | undefined | Promise<TokenRecord | undefined> {
    const store = this.storage.tokens;
    if (!store.peek) return this.read(token);
    const hmac = this.hmac(token);
    const record = store.peek(tokenKey(token, hmac));
    // As read: a custom id of the generated shape stored before keys began with the time.
    return record === undefined && isTimeFirst(token) ? store.peek(hmac) : record;
  }

  /** Whether peek's records are shared while their row is unchanged (worth keeping what is derived from them). */
  get peeksShared(): boolean {
    return this.storage.tokens.peek !== undefined;
  }

  /** Looks a token up as an operand (lookup, renew, revoke by value); undefined when unusable. */
  async find(token: string, now = this.clock.now()): Promise<TokenRecord | undefined> {
    if (!this.wellFormed(token)) return undefined;
    const record = await this.read(token);
    return record && this.live(record, now) ? record : undefined;
  }

  async findByAccessor(accessor: string, now = this.clock.now()): Promise<TokenRecord | undefined> {
    if (!/^[A-Za-z0-9]{1,64}$/.test(accessor)) return undefined;
    const record = await this.storage.tokens.getByAccessor(accessor);
    return record && this.live(record, now) ? record : undefined;
  }

  /** Not used up, not expired, and no ancestor expired (its tree is as good as revoked, as in Vault). */
  private live(record: TokenRecord, now: number): boolean {
    return (
      record.numUses >= 0 &&
      (record.expiresAt === 0 || record.expiresAt > now) &&
      (record.ancestorExpiresAt === undefined || record.ancestorExpiresAt > now)
    );
  }

  /** authenticate's checks of a token read: live, and bound CIDRs (when they apply) matched. */
  usable(record: TokenRecord, clientAddress: string | undefined, now: number): boolean {
    if (!this.live(record, now)) return false;
    // Vault ignores CIDR bindings on non-expiring (root) tokens; so do we.
    if (record.boundCidrs.length > 0 && record.ttl !== 0 && !addressInCidrs(clientAddress, record.boundCidrs)) return false;
    return true;
  }

  /**
   * Takes one use of a limited token before the request runs (Vault counts denied requests too).
   * Returns true when that was the last use: the caller revokes the token after answering.
   */
  async consumeUse(caller: Caller): Promise<boolean> {
    if (caller.record.numUses === 0) return false;
    const left = await this.storage.tokens.use(caller.record.idHash);
    if (left === undefined) throw permissionDenied();
    caller.record = { ...caller.record, numUses: left };
    return left === -1;
  }

  /** The one minting path: every token (root, child, login) is made here. */
  async mint(spec: MintSpec, now = this.clock.now(), cap?: TokenCap): Promise<Minted> {
    const token = spec.id ?? newServiceToken(now);
    const record: TokenRecord = {
      idHash: this.hash(token),
      accessor: newAccessor(now),
      parentHash: spec.parentHash,
      policies: spec.policies,
      path: spec.path,
      mountAccessor: spec.mountAccessor,
      meta: spec.meta,
      displayName: spec.displayName,
      numUses: spec.numUses,
      createdAt: now,
      ttl: spec.ttl,
      expiresAt: spec.ttl > 0 ? now + spec.ttl * 1000 : 0,
      explicitMaxTtl: spec.explicitMaxTtl,
      maxTtl: spec.maxTtl,
      period: spec.period,
      renewable: spec.renewable && spec.ttl > 0,
      lastRenewalAt: 0,
      entityId: spec.entityId,
      boundCidrs: spec.boundCidrs,
      role: spec.role,
      auth: spec.auth,
      loginRole: spec.loginRole ?? "",
    };
    // A parent revoked while its child was being made takes the child with it: refuse it.
    const inserted = cap ? await this.storage.tokens.insertCapped(record, cap) : await this.storage.tokens.insert(record);
    if (inserted === "full") throw new LeaseCapReached();
    if (!inserted) throw permissionDenied();
    return { token, record };
  }

  /**
   * A login's auth result becomes an orphan token with the role's settings (Vault's LoginCreateToken),
   * recording the role the login named (`loginRole`, for lease-count quotas with a role).
   */
  async mintForLogin(auth: AuthResult, mount: MountEntry, requestPath: string, clientAddress: string | undefined, entityId: string, loginRole: string | undefined, cap?: TokenCap): Promise<Minted & { warnings: string[] }> {
    const params = auth.token;
    if (params.boundCidrs.length > 0 && !addressInCidrs(clientAddress, params.boundCidrs)) throw permissionDenied();
    const policies = withDefault(sanitizePolicies(params.policies), params.noDefaultPolicy);
    if (policies.includes("root")) throw badRequest("auth methods cannot create root tokens");
    const now = this.clock.now();
    const { ttl, warnings } = calculateTtl({
      limits: effectiveLimits(this.systemLimits, mount.limits),
      increment: 0,
      backendTtl: params.ttl,
      period: params.period,
      backendMaxTtl: params.maxTtl,
      explicitMaxTtl: params.explicitMaxTtl,
      startMs: now,
      nowMs: now,
    });
    if (ttl <= 0) throw new WardenError(500, "internal error");
    const mountName = mount.record.path.slice("auth/".length, -1).replace(/\//g, "-");
    const minted = await this.mint(
      {
        policies,
        parentHash: null,
        path: requestPath,
        mountAccessor: mount.record.accessor,
        meta: { ...auth.metadata },
        displayName: auth.displayName ? `${mountName}-${auth.displayName}` : mountName,
        numUses: params.numUses,
        ttl,
        explicitMaxTtl: params.explicitMaxTtl,
        maxTtl: params.maxTtl,
        period: params.period,
        renewable: true,
        entityId,
        boundCidrs: params.boundCidrs,
        role: "",
        loginRole: loginRole ?? "",
        auth: { alias: auth.alias.name, metadata: { ...auth.metadata }, internal: { ...auth.internal } },
      },
      now,
      cap,
    );
    return { ...minted, warnings };
  }

  /**
   * Renews: the issuing side re-checks (its result gives the current role TTLs), then Vault's TTL
   * rules apply from the token's creation time.
   */
  async renew(
    record: TokenRecord,
    increment: number,
    limits: LeaseLimits,
    current: { ttl?: number; maxTtl?: number; period?: number; explicitMaxTtl?: number },
  ): Promise<{ record: TokenRecord; warnings: string[] }> {
    if (record.ttl === 0 || !record.renewable) throw badRequest("lease is not renewable");
    const now = this.clock.now();
    const period = current.period ?? record.period;
    const { ttl, warnings } = calculateTtl({
      limits,
      increment,
      // Vault renews from the lease's stored auth: without a fresher TTL from the issuer, the token's own.
      backendTtl: current.ttl ?? record.ttl,
      period,
      backendMaxTtl: current.maxTtl ?? record.maxTtl,
      explicitMaxTtl: current.explicitMaxTtl ?? record.explicitMaxTtl,
      startMs: record.createdAt,
      nowMs: now,
    });
    const renewal = { ttl, expiresAt: now + ttl * 1000, lastRenewalAt: now };
    if (!(await this.storage.tokens.renew(record.idHash, renewal))) throw badRequest("invalid lease ID");
    return { record: { ...record, ...renewal, period }, warnings };
  }

  listAccessors(): Promise<string[]> {
    return this.storage.tokens.listAccessors();
  }

  revokeTree(record: TokenRecord): Promise<number> {
    return this.storage.tokens.revokeTree(record.idHash);
  }

  revokeOrphan(record: TokenRecord): Promise<number> {
    return this.storage.tokens.revokeOrphan(record.idHash);
  }
}

/** The lease-count quota of a login is full (the pipeline answers Vault's 429). */
export class LeaseCapReached extends Error {}

/**
 * Adds "default" unless told not to; "root" swallows everything else, as in Vault. Every token
 * create and login resolves its policies here, so this is where the fixed response-wrapping policy
 * is refused: only the wrapping code mints tokens with it.
 */
export function withDefault(policies: string[], noDefault: boolean): string[] {
  if (policies.includes("root")) return ["root"];
  const out = sanitizePolicies(noDefault ? policies : [...policies, "default"]);
  if (out.includes(RESPONSE_WRAPPING_POLICY)) throw badRequest(`cannot assign policy "${RESPONSE_WRAPPING_POLICY}"`);
  return out;
}

/**
 * Vault's rekey protocol, for the Shamir unseal shares (sys/rekey/*) and for an auto seal's recovery
 * shares (sys/rekey-recovery-key/*; the recovery shares authorise it): an operator starts a rekey
 * with the new share counts and gets a nonce; holders of the current shares send them with that
 * nonce; at the threshold the new shares are handed out. With require_verification the new shares
 * only take effect once a threshold of them is sent back to sys/rekey/verify with its own nonce, so
 * a lost output never locks the server out. Progress lives in this node's memory, as in Vault.
 */
import { randomUUID } from "node:crypto";
import { badRequest } from "../../sdk/errors.js";
import { type SealManager, sealedError } from "./manager.js";
import { checkShares, combineShares, decodeShare } from "./shamir.js";

interface Pending {
  nonce: string;
  shares: number;
  threshold: number;
  verify: boolean;
  given: Buffer[];
  /** After the old shares matched, with verification: the new shares' commit, waiting for them. */
  verification?: { nonce: string; given: Buffer[]; keys: Buffer[]; commit(): Promise<void> };
}

const intOf = (v: unknown, what: string): number => {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw badRequest(`${what} must be an integer`);
  return n;
};

const wipe = (bufs: Buffer[]): void => {
  for (const b of bufs) b.fill(0);
};

/** Which shares a rekey replaces: the Shamir unseal shares, or an auto seal's recovery shares. */
export type RekeyTarget = "barrier" | "recovery";

export class Rekey {
  private pending: Pending | undefined;

  constructor(
    private readonly seal: SealManager,
    private readonly target: RekeyTarget = "barrier",
  ) {}

  private checkSeal(): void {
    if (this.target === "barrier" && this.seal.type !== "shamir") throw badRequest(`rekeying of the barrier is not supported for the ${this.seal.type} seal (it has no unseal keys; its recovery keys are rekeyed through sys/rekey-recovery-key)`);
    if (this.target === "recovery" && this.seal.type === "shamir") throw badRequest("recovery rekeying is not supported for the shamir seal (it has no recovery keys; its unseal keys are rekeyed through sys/rekey)");
    if (this.seal.sealed) throw sealedError();
  }

  /** Current shares needed to authorise the rekey. */
  private get required(): number {
    return this.target === "barrier" ? this.seal.threshold : this.seal.recoveryThreshold;
  }

  status(): Record<string, unknown> {
    const p = this.pending;
    return {
      nonce: p?.nonce ?? "",
      started: p !== undefined,
      t: p?.threshold ?? 0,
      n: p?.shares ?? 0,
      progress: p?.given.length ?? 0,
      required: this.required,
      pgp_fingerprints: null,
      backup: false,
      verification_required: p?.verify ?? false,
      ...(p?.verification ? { verification_nonce: p.verification.nonce } : {}),
    };
  }

  init(body: Record<string, unknown>): Record<string, unknown> {
    this.checkSeal();
    if (this.pending) throw badRequest("rekey already in progress");
    const shares = intOf(body.secret_shares, "secret_shares");
    const threshold = intOf(body.secret_threshold, "secret_threshold");
    checkShares(shares, threshold, this.target === "barrier" ? "secret" : "recovery");
    if (Array.isArray(body.pgp_keys) && body.pgp_keys.length > 0) throw badRequest("pgp_keys are not supported by warden");
    if (body.backup === true) throw badRequest("backup is not supported by warden (it needs pgp_keys)");
    const verify = body.require_verification === true || body.require_verification === "true";
    this.pending = { nonce: randomUUID(), shares, threshold, verify, given: [] };
    return this.status();
  }

  cancel(): void {
    if (this.pending) {
      wipe(this.pending.given);
      wipe(this.pending.verification?.keys ?? []);
      wipe(this.pending.verification?.given ?? []);
    }
    this.pending = undefined;
  }

  private current(nonce: unknown): Pending {
    this.checkSeal();
    const p = this.pending;
    if (!p) throw badRequest("no rekey in progress");
    if (typeof nonce !== "string" || nonce === "") throw badRequest("missing nonce");
    return p;
  }

  /** One current share; at the threshold the new shares (and, without verification, the switch to them). */
  async update(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const p = this.current(body.nonce);
    if (p.verification) throw badRequest(`rekey verification in progress: send the new shares to ${this.target === "barrier" ? "sys/rekey" : "sys/rekey-recovery-key"}/verify`);
    if (body.nonce !== p.nonce) throw badRequest(`incorrect nonce`);
    const share = decodeShare(body.key, 32);
    if (p.given.some((g) => g.equals(share))) throw badRequest("given key has already been provided during this rekey operation");
    p.given.push(share);
    if (p.given.length < this.required) return this.status();
    const given = p.given;
    p.given = [];
    let next: Awaited<ReturnType<SealManager["rekeyShares"]>>;
    try {
      next = this.target === "barrier" ? await this.seal.rekeyShares(given, p.shares, p.threshold) : await this.seal.rekeyRecoveryShares(given, p.shares, p.threshold);
    } finally {
      wipe(given);
    }
    const out = {
      nonce: p.nonce,
      complete: true,
      keys: next.keys.map((k) => k.toString("hex")),
      keys_base64: next.keys.map((k) => k.toString("base64")),
      pgp_fingerprints: null,
      backup: false,
      verification_required: p.verify,
      ...(p.verify ? { verification_nonce: randomUUID() } : {}),
    };
    if (p.verify) {
      p.verification = { nonce: out.verification_nonce!, given: [], keys: next.keys, commit: next.commit };
    } else {
      await next.commit();
      wipe(next.keys);
      this.pending = undefined;
    }
    return out;
  }

  verifyStatus(): Record<string, unknown> {
    const v = this.pending?.verification;
    return { nonce: v?.nonce ?? "", started: v !== undefined, t: this.pending?.threshold ?? 0, n: this.pending?.shares ?? 0, progress: v?.given.length ?? 0 };
  }

  /** DELETE sys/rekey/verify: the new shares given so far are dropped, under a fresh nonce. */
  resetVerification(): Record<string, unknown> {
    const v = this.pending?.verification;
    if (v) {
      wipe(v.given);
      v.given = [];
      v.nonce = randomUUID();
    }
    return this.verifyStatus();
  }

  /** One new share; at the new threshold, if they combine into the new key, the rekey takes effect. */
  async verify(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const p = this.current(body.nonce);
    const v = p.verification;
    if (!v) throw badRequest("no rekey verification in progress");
    if (body.nonce !== v.nonce) throw badRequest("incorrect nonce");
    const share = decodeShare(body.key, 32);
    if (v.given.some((g) => g.equals(share))) throw badRequest("given key has already been provided during this verify operation");
    v.given.push(share);
    if (v.given.length < p.threshold) return this.verifyStatus();
    const given = v.given;
    v.given = [];
    const [got, want] = await Promise.all([combineShares(given, p.threshold).catch(() => undefined), combineShares(v.keys.slice(0, p.threshold), p.threshold)]);
    wipe(given);
    const match = got !== undefined && got.equals(want);
    got?.fill(0);
    want.fill(0);
    if (!match) throw badRequest("rekey verification failed: the shares do not combine into the new key (progress reset)");
    await v.commit();
    const nonce = v.nonce;
    this.cancel();
    return { nonce, complete: true };
  }
}

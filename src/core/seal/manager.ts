/**
 * The seal: whether this node holds the keys to its storage. Sealed, the node answers only the seal
 * endpoints and reads nothing but the seal record; unsealing unwraps the root key (from Shamir shares
 * or an auto seal), loads the keyring and only then boots the core behind the barrier. Sealing drops
 * the core and wipes the keys from memory.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Logger } from "../../sdk/plugin.js";
import { WardenError, badRequest } from "../../sdk/errors.js";
import type { Storage } from "../../storage/types.js";
import { Barrier } from "../barrier/barrier.js";
import { barrierStorage } from "../barrier/barrier-storage.js";
import { encryptClearValues, hasClearValues } from "../barrier/upgrade.js";
import { RewriteKeyExists } from "../../storage/types.js";
import type { Core } from "../core.js";
import { gcmOpen, gcmSeal } from "./aead.js";
import { Keyring } from "./keyring.js";
import { installNextTerm, loadKeyring } from "./keyring-store.js";
import { keyringId } from "../snapshot/format.js";
import { SEAL_RECORD_KEY, type SealRecord, type SealType, readSealRecord } from "./seal-record.js";
import { Rekey } from "./rekey.js";
import { checkShares, combineShares, decodeShare, splitKey } from "./shamir.js";
import { type AutoSeal, SealKeyMismatch, unwrapWithUnsealKey, wrapWithUnsealKey } from "./static-seal.js";

export const SEALED_MESSAGE = "warden is sealed";
export const sealedError = (): WardenError => new WardenError(503, SEALED_MESSAGE);
/** While a snapshot restore swaps the database and boots a new core, requests wait outside with this. */
export const restoringError = (): WardenError => new WardenError(503, "warden is restoring a snapshot; retry in a moment");

export interface InitRequest {
  secret_shares?: unknown;
  secret_threshold?: unknown;
  recovery_shares?: unknown;
  recovery_threshold?: unknown;
  pgp_keys?: unknown;
  recovery_pgp_keys?: unknown;
  root_token_pgp_key?: unknown;
}

/**
 * Vault's init can encrypt the shares and the root token to PGP keys; warden cannot. Answering the
 * shares in clear to a caller who asked for them encrypted would put them where the caller's
 * automation trusts only ciphertext (a CI log, a ticket): refuse instead, as rekey does.
 */
function refusePgp(req: InitRequest): void {
  for (const field of ["pgp_keys", "recovery_pgp_keys"] as const) {
    const v = req[field];
    if (v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0)) throw badRequest(`${field} are not supported by warden`);
  }
  const root = req.root_token_pgp_key;
  if (root !== undefined && root !== null && root !== "") throw badRequest("root_token_pgp_key is not supported by warden");
}

export interface InitResult {
  keys: string[];
  keys_base64: string[];
  recovery_keys?: string[];
  recovery_keys_base64?: string[];
  root_token: string;
}

export interface KeyStatus {
  term: number;
  installTime: number;
  encryptions: number;
}

export interface SealManagerOptions {
  raw: Storage;
  /** The auto seal (static, alicloudkms); undefined = Shamir. */
  autoSeal?: AutoSeal;
  log: Logger;
  /** Boots the core over the barrier'd storage (boot.ts wires listeners' address, audit devices, jobs). */
  bootCore(storage: Storage): Promise<Core>;
  /** First retry delay of the auto seal (ms); doubles up to 30 s. */
  retryMs?: number;
}

const RECOVERY_AAD = Buffer.from("warden/recovery-check");
const DEFAULT_RECOVERY = { shares: 5, threshold: 3 };

/** A known text under the recovery key: lets recovery shares be checked without storing the key. */
const recoveryCheck = (recoveryKey: Buffer): string => gcmSeal(recoveryKey, Buffer.from("recovery"), RECOVERY_AAD).toString("base64");

function recoveryKeyMatches(record: SealRecord, recoveryKey: Buffer): boolean {
  if (!record.recovery_check) return false;
  try {
    return gcmOpen(recoveryKey, Buffer.from(record.recovery_check, "base64"), RECOVERY_AAD).toString("utf8") === "recovery";
  } catch {
    return false;
  }
}

const intField = (v: unknown, dflt: number): number => (v === undefined || v === null || v === "" ? dflt : typeof v === "number" ? v : /^\d+$/.test(String(v)) ? Number(v) : NaN);

export class SealManager {
  core: Core | undefined;
  /** sys/rekey/*: Vault's nonce protocol over rekeyShares. */
  readonly rekey: Rekey = new Rekey(this);
  /** sys/rekey-recovery-key/*: the same protocol over an auto seal's recovery shares. */
  readonly recoveryRekey: Rekey = new Rekey(this, "recovery");
  private record: SealRecord | undefined;
  private rootKey: Buffer | undefined;
  private barrier: Barrier | undefined;
  private shares: Buffer[] = [];
  private nonce = "";
  private opening: Promise<void> | undefined;
  /** The unsealed core's keyring-reload subscription (ends with the core). */
  private stopFeed: (() => void) | undefined;
  /** The auto seal's subscription (a record from another node's init), for the life of the process. */
  private stopAutoFeed: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private mismatchLogged = false;
  /**
   * Sealed through sys/seal: as in Vault, an auto seal then does not unseal itself again (no retry, no
   * change-feed notice, no feed reconnect) until the process restarts or a threshold of recovery shares
   * is given to sys/unseal. A new process starts with a new manager, hence false.
   */
  private sealedOnRequest = false;
  /** A snapshot restore is replacing the database under the core (replaceStorage). */
  private restoringNow = false;

  constructor(private readonly o: SealManagerOptions) {}

  get type(): SealType {
    return this.o.autoSeal?.type ?? "shamir";
  }

  get sealed(): boolean {
    return this.core === undefined;
  }

  get storage(): Storage {
    return this.o.raw;
  }

  /** The seal record, read from storage until it exists (another node may initialise). */
  async initialized(): Promise<boolean> {
    if (!this.record) this.record = await readSealRecord(this.o.raw.system);
    return this.record !== undefined;
  }

  async status(): Promise<Record<string, unknown>> {
    const initialized = await this.initialized().catch(() => false);
    const r = this.record;
    const auto = this.type !== "shamir";
    return {
      type: this.type,
      initialized,
      sealed: this.sealed,
      t: r ? (auto ? r.recovery_threshold : r.secret_threshold) : 0,
      n: r ? (auto ? r.recovery_shares : r.secret_shares) : 0,
      progress: this.shares.length,
      nonce: this.nonce,
      recovery_seal: auto,
    };
  }

  /** Auto seals unseal themselves: now, when another node initialises, and again after failures. */
  start(): void {
    if (!this.o.autoSeal) return;
    // tryAutoUnseal itself ignores these while sealed through sys/seal.
    this.stopAutoFeed = this.o.raw.changes.subscribe((c) => {
      if ((c.topic === "system" && c.key === SEAL_RECORD_KEY) || c.topic === "*") void this.tryAutoUnseal(0);
    });
    void this.tryAutoUnseal(0);
  }

  private async tryAutoUnseal(attempt: number): Promise<void> {
    if (this.closed || !this.sealed || !this.o.autoSeal || this.sealedOnRequest || this.restoringNow) return;
    clearTimeout(this.retryTimer);
    try {
      if (!(await this.initialized())) {
        // Not initialised yet: the change feed (or this slow poll, for a missed notice) brings the record.
        this.schedule(attempt, 5000);
        return;
      }
      const { rootKey, rewrap } = await this.o.autoSeal.unwrap(this.record!.root_key);
      // Sealed through sys/seal while the seal was answering: stay sealed.
      if (this.sealedOnRequest || this.closed) {
        rootKey.fill(0);
        return;
      }
      if (rewrap) {
        // Seal key rotation: the previous key opened it; from now on the current key wraps it.
        this.record = { ...this.record!, root_key: await this.o.autoSeal.wrap(rootKey) };
        await this.o.raw.system.put(SEAL_RECORD_KEY, JSON.stringify(this.record));
        this.o.log.info("seal: root key re-wrapped with the current seal key", { key_id: this.record.root_key.key_id });
      }
      await this.open(rootKey);
      this.o.log.info("seal: unsealed", { type: this.type });
    } catch (e) {
      if (e instanceof SealKeyMismatch) {
        // A wrong key never becomes right by retrying: stay sealed and say so once.
        if (!this.mismatchLogged) this.o.log.error("seal: cannot unseal, staying sealed", { error: e.message });
        this.mismatchLogged = true;
        return;
      }
      const delay = Math.min(30_000, (this.o.retryMs ?? 500) * 2 ** attempt);
      this.o.log.warn("seal: auto-unseal failed, retrying", { type: this.type, error: e instanceof Error ? e.message : String(e), retry_in_ms: delay });
      this.schedule(attempt + 1, delay);
    }
  }

  private schedule(attempt: number, ms: number): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => void this.tryAutoUnseal(attempt), ms);
    this.retryTimer.unref();
  }

  async init(req: InitRequest, rootTokenId?: string): Promise<InitResult> {
    if (await this.initialized()) throw badRequest("already initialized");
    refusePgp(req);
    const auto = this.o.autoSeal;
    const shares = intField(req.secret_shares, auto ? 1 : NaN);
    const threshold = intField(req.secret_threshold, auto ? 1 : NaN);
    let recoveryShares = 0;
    let recoveryThreshold = 0;
    if (auto) {
      // 0 or absent = the CLI's defaults (Vault's CLI sends 0 when no flag is given).
      recoveryShares = intField(req.recovery_shares, 0) || DEFAULT_RECOVERY.shares;
      recoveryThreshold = intField(req.recovery_threshold, 0) || Math.min(DEFAULT_RECOVERY.threshold, recoveryShares);
      checkShares(recoveryShares, recoveryThreshold, "recovery");
    } else {
      if (intField(req.recovery_shares, 0) !== 0 || intField(req.recovery_threshold, 0) !== 0) {
        throw badRequest("parameters recovery_shares,recovery_threshold not applicable to seal type shamir");
      }
      checkShares(shares, threshold);
    }
    const rootKey = randomBytes(32);
    const keyring = Keyring.fresh();
    const out: InitResult = { keys: [], keys_base64: [], root_token: "" };
    let record: SealRecord;
    const base = { version: 1 as const, keyring: keyring.wrap(rootKey), initialized_at: Date.now() };
    if (auto) {
      const recoveryKey = randomBytes(32);
      const parts = await splitKey(recoveryKey, recoveryShares, recoveryThreshold);
      out.recovery_keys = parts.map((p) => p.toString("hex"));
      out.recovery_keys_base64 = parts.map((p) => p.toString("base64"));
      record = {
        ...base,
        type: auto.type,
        secret_shares: 1,
        secret_threshold: 1,
        recovery_shares: recoveryShares,
        recovery_threshold: recoveryThreshold,
        root_key: await auto.wrap(rootKey),
        recovery_check: recoveryCheck(recoveryKey),
      };
    } else {
      const unsealKey = randomBytes(32);
      const parts = await splitKey(unsealKey, shares, threshold);
      out.keys = parts.map((p) => p.toString("hex"));
      out.keys_base64 = parts.map((p) => p.toString("base64"));
      record = { ...base, type: "shamir", secret_shares: shares, secret_threshold: threshold, recovery_shares: 0, recovery_threshold: 0, root_key: wrapWithUnsealKey(unsealKey, rootKey) };
    }
    // One transaction: the record's insert-if-absent (of two nodes initialising at once, exactly one
    // wins) and, on a database written before the barrier, the encryption of every clear value.
    try {
      await encryptClearValues(this.o.raw, new Barrier(keyring, async () => keyring), this.o.log, [{ key: SEAL_RECORD_KEY, value: JSON.stringify(record) }]);
    } catch (e) {
      this.record = undefined;
      throw e instanceof RewriteKeyExists ? badRequest("already initialized") : e;
    }
    this.record = record;
    // As Vault: unsealed for a moment to write the root token, then sealed again unless the seal is automatic.
    await this.open(rootKey);
    out.root_token = (await this.core!.init(rootTokenId)).rootToken;
    if (!auto) await this.drop();
    return out;
  }

  async unseal(body: { key?: unknown; reset?: unknown }): Promise<Record<string, unknown>> {
    if (this.closed) throw sealedError();
    if (this.restoringNow) throw restoringError();
    if (!(await this.initialized())) throw badRequest("server is not initialized");
    if (body.reset === true || body.reset === "true") {
      this.resetProgress();
      return this.status();
    }
    if (!this.sealed) return this.status();
    const auto = this.o.autoSeal;
    if (auto && !this.sealedOnRequest) throw badRequest(`the ${this.type} seal unseals itself; unseal keys are not used`);
    // A new attempt reads the record again: another node may have rekeyed since.
    if (this.shares.length === 0) this.record = (await readSealRecord(this.o.raw.system)) ?? this.record;
    const r = this.record!;
    // An auto seal sealed through sys/seal: Vault's unseal with recovery shares (they are checked, the seal unwraps).
    const threshold = auto ? r.recovery_threshold : r.secret_threshold;
    const share = decodeShare(body.key, 32);
    if ((threshold === 1) !== (share.length === 32)) throw badRequest("'key' must be a valid hex or base64 string");
    if (!this.shares.some((s) => s.equals(share))) this.shares.push(share);
    if (this.nonce === "") this.nonce = randomUUID();
    if (this.shares.length < threshold) return this.status();
    const parts = this.shares.map((b) => Buffer.from(b));
    this.resetProgress();
    let unsealKey: Buffer | undefined;
    try {
      unsealKey = await combineShares(parts, threshold);
    } catch {
      unsealKey = undefined;
    }
    if (auto) {
      const ok = unsealKey !== undefined && recoveryKeyMatches(r, unsealKey);
      unsealKey?.fill(0);
      for (const p of parts) p.fill(0);
      if (!ok) throw badRequest("unseal failed: the recovery key shares do not combine into this server's recovery key (progress reset)");
      this.sealedOnRequest = false;
      await this.tryAutoUnseal(0);
      if (this.sealed) throw new WardenError(503, `unseal failed: the ${this.type} seal could not unwrap the root key (see the server log; it retries)`);
      return this.status();
    }
    const rootKey = unsealKey && unwrapWithUnsealKey(unsealKey, r.root_key);
    unsealKey?.fill(0);
    for (const p of parts) p.fill(0);
    if (!rootKey) throw badRequest("unseal failed: the key shares do not open this server's root key (progress reset)");
    await this.open(rootKey).catch((e: unknown) => {
      throw e instanceof SealKeyMismatch ? badRequest(`unseal failed: ${e.message}`) : e;
    });
    this.o.log.info("seal: unsealed", { type: "shamir" });
    return this.status();
  }

  private resetProgress(): void {
    for (const s of this.shares) s.fill(0);
    this.shares = [];
    this.nonce = "";
  }

  /** Unwrapped root key -> keyring -> barrier -> core. One opening at a time. */
  private async open(rootKey: Buffer): Promise<void> {
    if (this.opening) return this.opening;
    // Already open (an auto-unseal that raced an init or another trigger): never a second core.
    if (this.core) return;
    this.opening = (async () => {
      const record = this.record!;
      let keyring: Keyring;
      try {
        keyring = await loadKeyring(this.o.raw.system, record, rootKey);
      } catch {
        rootKey.fill(0);
        throw new SealKeyMismatch("seal: the root key does not open the stored keyring (this database was initialised with other keys)");
      }
      const barrier = new Barrier(keyring, () => loadKeyring(this.o.raw.system, record, rootKey));
      try {
        // A clear value written after the upgrade (a node of the old release): encrypted before anything reads it.
        if (await hasClearValues(this.o.raw)) await encryptClearValues(this.o.raw, barrier, this.o.log);
        this.core = await this.o.bootCore(barrierStorage(this.o.raw, barrier));
      } catch (e) {
        keyring.wipe();
        rootKey.fill(0);
        throw e;
      }
      this.rootKey = rootKey;
      this.barrier = barrier;
      this.watchKeyring();
    })().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private watchKeyring(): void {
    this.stopFeed = this.o.raw.changes.subscribe((c) => {
      // Another node rotated: pick the new term up before anything written with it arrives.
      if ((c.topic === "system" && c.key.startsWith("core/seal")) || c.topic === "*") void this.reloadKeyring();
    });
  }

  get restoring(): boolean {
    return this.restoringNow;
  }

  /** Names this server's init (a digest of its stored keyring), for snapshot headers. */
  get keyringId(): string {
    if (!this.record || this.sealed) throw sealedError();
    return keyringId(this.record.keyring);
  }

  /**
   * Whether a seal record (as stored in a snapshot) is this server's init: the same keyring, which
   * this node's root key opens. A snapshot of another init would leave this node unable to read its
   * own storage, so it is never swapped in.
   */
  belongsHere(recordText: string): boolean {
    if (!this.rootKey || !this.record) throw sealedError();
    let r: Partial<SealRecord>;
    try {
      r = JSON.parse(recordText) as Partial<SealRecord>;
    } catch {
      return false;
    }
    if (typeof r.keyring !== "string" || keyringId(r.keyring) !== keyringId(this.record.keyring)) return false;
    try {
      Keyring.unwrap(r.keyring, this.rootKey).wipe();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Replaces the database under the running node (snapshot restore): the core stops (requests get 503
   * "restoring" meanwhile), `swap` runs, the seal record and keyring are read again from what is now
   * stored, and a new core boots over it, so every cache, the mount table, policies, quotas and
   * timers come from the restored data. A failed swap changed nothing: the core boots over the same
   * data and the failure is rethrown. A core that cannot boot leaves the node sealed.
   */
  async replaceStorage(swap: () => Promise<unknown>): Promise<void> {
    if (this.restoringNow) throw badRequest("a snapshot restore is already running");
    const core = this.core;
    if (!core || !this.barrier || !this.rootKey || this.opening) throw sealedError();
    this.restoringNow = true;
    this.core = undefined;
    this.stopFeed?.();
    this.stopFeed = undefined;
    this.rekey.cancel();
    this.recoveryRekey.cancel();
    let failure: unknown;
    try {
      await core.close();
      try {
        await swap();
      } catch (e) {
        failure = e;
      }
      this.record = (await readSealRecord(this.o.raw.system)) ?? this.record;
      const old = this.barrier.current;
      this.barrier.replace(await loadKeyring(this.o.raw.system, this.record!, this.rootKey));
      old.wipe();
      this.core = await this.o.bootCore(barrierStorage(this.o.raw, this.barrier));
      this.watchKeyring();
    } catch (e) {
      this.o.log.error("seal: no core could be booted after the snapshot restore; the node is sealed", { error: e instanceof Error ? e.message : String(e) });
      this.barrier?.current.wipe();
      this.rootKey?.fill(0);
      this.barrier = undefined;
      this.rootKey = undefined;
      failure ??= e;
    } finally {
      this.restoringNow = false;
    }
    if (failure) throw failure;
  }

  private async reloadKeyring(): Promise<void> {
    if (!this.barrier || !this.rootKey || !this.record) return;
    try {
      // A rekey on another node changed the share counts (the keyring inside is the same).
      this.record = (await readSealRecord(this.o.raw.system)) ?? this.record;
      this.barrier.replace(await loadKeyring(this.o.raw.system, this.record, this.rootKey));
    } catch (e) {
      this.o.log.warn("seal: keyring reload failed", { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * sys/seal: the core stops, the keys are wiped from memory. An auto seal stays sealed until the
   * process restarts (or recovery shares unseal it), as in Vault.
   */
  async seal(): Promise<void> {
    if (this.o.autoSeal) this.sealedOnRequest = true;
    await this.drop();
  }

  /** Stops the core and wipes the keys (sys/seal, the end of a Shamir init, close). */
  private async drop(): Promise<void> {
    const core = this.core;
    if (!core) return;
    this.core = undefined;
    this.barrier?.current.wipe();
    this.rootKey?.fill(0);
    this.barrier = undefined;
    this.rootKey = undefined;
    this.stopFeed?.();
    this.stopFeed = undefined;
    clearTimeout(this.retryTimer);
    this.resetProgress();
    this.rekey.cancel();
    this.recoveryRekey.cancel();
    await core.close();
    this.o.log.info("seal: sealed");
  }

  /** sys/rotate: a new keyring term; old terms stay readable. */
  async rotate(): Promise<void> {
    if (!this.barrier || !this.rootKey || !this.record) throw sealedError();
    for (;;) {
      const current = await loadKeyring(this.o.raw.system, this.record, this.rootKey);
      if (await installNextTerm(this.o.raw.system, current, this.rootKey)) break;
    }
    this.barrier.replace(await loadKeyring(this.o.raw.system, this.record, this.rootKey));
  }

  keyStatus(): KeyStatus {
    if (!this.barrier) throw sealedError();
    const k = this.barrier.current;
    return { term: k.active.term, installTime: k.active.installedAt, encryptions: k.encryptions };
  }

  /**
   * Shamir rekey (rekey.ts runs Vault's nonce protocol): the old shares must open the root key; the
   * answer holds the new shares and a commit that stores the root key wrapped by their key.
   */
  async rekeyShares(oldShares: Buffer[], shares: number, threshold: number): Promise<{ keys: Buffer[]; commit(): Promise<void> }> {
    if (this.sealed) throw sealedError();
    const r = (await readSealRecord(this.o.raw.system)) ?? this.record!;
    const unsealKey = await combineShares(oldShares, r.secret_threshold).catch(() => undefined);
    const rootKey = unsealKey && unwrapWithUnsealKey(unsealKey, r.root_key);
    unsealKey?.fill(0);
    if (!rootKey) throw badRequest("rekey failed: the key shares do not open this server's root key (progress reset)");
    const fresh = randomBytes(32);
    const keys = await splitKey(fresh, shares, threshold);
    const wrapped = wrapWithUnsealKey(fresh, rootKey);
    fresh.fill(0);
    rootKey.fill(0);
    return {
      keys,
      commit: async () => {
        const now = (await readSealRecord(this.o.raw.system)) ?? r;
        this.record = { ...now, secret_shares: shares, secret_threshold: threshold, root_key: wrapped };
        await this.o.raw.system.put(SEAL_RECORD_KEY, JSON.stringify(this.record));
        this.o.log.info("seal: rekeyed", { shares, threshold });
      },
    };
  }

  get threshold(): number {
    return this.record?.secret_threshold ?? 0;
  }

  get recoveryThreshold(): number {
    return this.record?.recovery_threshold ?? 0;
  }

  /**
   * Recovery rekey (rekey.ts runs the protocol): the current recovery shares must combine into the
   * recovery key the record checks; the answer holds new shares and a commit that stores their check
   * and counts. The root key and keyring do not change.
   */
  async rekeyRecoveryShares(oldShares: Buffer[], shares: number, threshold: number): Promise<{ keys: Buffer[]; commit(): Promise<void> }> {
    if (this.sealed) throw sealedError();
    const r = (await readSealRecord(this.o.raw.system)) ?? this.record!;
    const recoveryKey = await combineShares(oldShares, r.recovery_threshold).catch(() => undefined);
    const ok = recoveryKey !== undefined && recoveryKeyMatches(r, recoveryKey);
    recoveryKey?.fill(0);
    if (!ok) throw badRequest("rekey failed: the recovery key shares do not combine into this server's recovery key (progress reset)");
    const fresh = randomBytes(32);
    const keys = await splitKey(fresh, shares, threshold);
    const check = recoveryCheck(fresh);
    fresh.fill(0);
    return {
      keys,
      commit: async () => {
        const now = (await readSealRecord(this.o.raw.system)) ?? r;
        this.record = { ...now, recovery_shares: shares, recovery_threshold: threshold, recovery_check: check };
        await this.o.raw.system.put(SEAL_RECORD_KEY, JSON.stringify(this.record));
        this.o.log.info("seal: recovery key rekeyed", { shares, threshold });
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.drop();
    this.stopAutoFeed?.();
    await this.o.raw.close();
  }
}

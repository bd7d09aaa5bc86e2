import { type Clock, systemClock } from "../../sdk/clock.js";
import { WardenError, isWardenError } from "../../sdk/errors.js";
import { parseDurationSeconds } from "../../sdk/fields.js";
import type { KvStore } from "../../storage/types.js";
import type { MountEntry } from "../mounts/mount-table.js";

/** Vault's user-lockout defaults: 5 failures within 15 minutes lock for 15 minutes. */
export interface LockoutConfig {
  threshold: number;
  durationSeconds: number;
  counterResetSeconds: number;
  disabled: boolean;
}

export const DEFAULT_LOCKOUT: LockoutConfig = { threshold: 5, durationSeconds: 900, counterResetSeconds: 900, disabled: false };

const NAMESPACE = "sys/lockout";

export interface LockedUser {
  mountAccessor: string;
  alias: string;
  clientAddress: string;
  lockedUntil: number;
  failures: number;
}

interface LockRecord {
  mountAccessor: string;
  alias: string;
  clientAddress: string;
  until: number;
  failures: number;
}

/** A mount's `user_lockout_config` (as tune stores it) over the defaults. */
export function lockoutConfigOf(mountConfig: Record<string, unknown>): LockoutConfig {
  const raw = mountConfig.user_lockout_config;
  if (raw === null || typeof raw !== "object") return DEFAULT_LOCKOUT;
  const c = raw as Record<string, unknown>;
  const num = (v: unknown, fallback: number): number => (v === undefined || v === "" ? fallback : parseDurationSeconds(v));
  return {
    threshold: c.lockout_threshold === undefined ? DEFAULT_LOCKOUT.threshold : Math.max(1, Number(c.lockout_threshold) || DEFAULT_LOCKOUT.threshold),
    durationSeconds: num(c.lockout_duration, DEFAULT_LOCKOUT.durationSeconds),
    counterResetSeconds: num(c.lockout_counter_reset, DEFAULT_LOCKOUT.counterResetSeconds),
    disabled: c.disable_lockout === true || c.disable_lockout === "true",
  };
}

const keyOf = (accessor: string, alias: string, address: string): string =>
  `${accessor}/${encodeURIComponent(alias)}/${encodeURIComponent(address)}`;

/**
 * Login lockout, keyed per (mount, principal, client address): a caller guessing from one address
 * cannot lock the real workload out from another. Only failures a plugin marks as wrong credentials
 * count; the counter is one atomic upsert, and the lock is stored, so it survives a restart and is
 * seen by every node.
 */
export class LockoutService {
  constructor(
    private readonly kv: KvStore,
    /** Lock expiry and counter windows run on the server's clock. */
    private readonly clock: Clock = systemClock,
  ) {}

  async guard<T>(entry: MountEntry, alias: string, clientAddress: string | undefined, run: () => Promise<T>): Promise<T> {
    const config = lockoutConfigOf(entry.record.config);
    if (config.disabled || alias === "") return run();
    const address = clientAddress ?? "unknown";
    const key = keyOf(entry.record.accessor, alias, address);
    const now = this.clock.now();
    // The lock and the failure count in one read.
    const state = await this.kv.getWithCounter(NAMESPACE, `lock/${key}`, key, now);
    const lock = state.value as LockRecord | undefined;
    const failures = state.count;
    if (lock && lock.until > now) throw lockedOut();
    try {
      const result = await run();
      // Reads, not writes, on the common path: a login only resets what a failure left behind.
      if (failures > 0) await this.kv.resetCounter(NAMESPACE, key);
      if (lock) await this.kv.delete(NAMESPACE, `lock/${key}`);
      return result;
    } catch (e) {
      if (isWardenError(e) && e.countsAsFailedLogin) {
        const failedAt = this.clock.now();
        const failures = await this.kv.bumpCounter(NAMESPACE, key, config.counterResetSeconds * 1000, failedAt);
        if (failures >= config.threshold) {
          const record: LockRecord = { mountAccessor: entry.record.accessor, alias, clientAddress: address, until: failedAt + config.durationSeconds * 1000, failures };
          await this.kv.put(NAMESPACE, `lock/${key}`, record);
          await this.kv.resetCounter(NAMESPACE, key);
        }
      }
      throw e;
    }
  }

  async list(now = this.clock.now()): Promise<LockedUser[]> {
    const out: LockedUser[] = [];
    for (const key of await this.kv.listKeys(NAMESPACE, "lock/")) {
      const r = (await this.kv.get(NAMESPACE, key)) as LockRecord | undefined;
      if (r && r.until > now) out.push({ mountAccessor: r.mountAccessor, alias: r.alias, clientAddress: r.clientAddress, lockedUntil: r.until, failures: r.failures });
    }
    return out;
  }

  /** Unlocks a principal on a mount, from every address. */
  async unlock(mountAccessor: string, alias: string): Promise<number> {
    const prefix = `lock/${mountAccessor}/${encodeURIComponent(alias)}/`;
    let n = 0;
    for (const key of await this.kv.listKeys(NAMESPACE, prefix)) {
      if (await this.kv.delete(NAMESPACE, key)) n++;
      await this.kv.resetCounter(NAMESPACE, key.slice("lock/".length));
    }
    return n;
  }
}

function lockedOut(): WardenError {
  return new WardenError(400, "login is temporarily locked after repeated failures; try again later or ask an operator to unlock it");
}

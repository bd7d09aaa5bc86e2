/**
 * Keeps this node's in-memory state in line with writes made by other nodes on the same database:
 * the storage change feed says what changed, this module drops or re-reads the matching cache.
 *
 *   policy   -> that policy is re-read and re-parsed; every compiled ACL is dropped
 *   mount    -> the mount table is re-read (new mounts appear, gone ones stop routing, tuned ones swap)
 *   kv       -> the plain key cached in that mount's storage view (roles, config) is dropped, and
 *               the mount's plugin instance hears invalidate(key)
 *   identity -> that entity's snapshot (or all snapshots) is dropped
 *   system   -> the audit device table is re-read when it is the key that changed
 *   *        -> all of the above, everything (the feed may have missed notices)
 *
 * A re-read that fails (the database is away) is retried as a full drop a second later, until it
 * succeeds: a lost refresh must not leave a stale cache behind for good.
 */
import type { Logger } from "../../sdk/plugin.js";
import type { Change, ChangeFeed } from "../../storage/types.js";
import type { AuditBroker } from "../audit/types.js";
import type { IdentityService } from "../identity/identity-service.js";
import type { MountEntry, MountTable } from "../mounts/mount-table.js";
import type { PolicyService } from "../policy/policy-service.js";

export interface CacheSyncDeps {
  feed: ChangeFeed;
  policies: PolicyService;
  mounts: MountTable;
  identity: IdentityService;
  audit: AuditBroker;
  log: Pick<Logger, "warn">;
}

/** Handler of further caches (plugin catalog, ...): hears every change, "*" included. */
export type ChangeHandler = (change: Change) => void | Promise<void>;

const AUDIT_TABLE = "audit/devices";
const RETRY_MS = 1_000;

export class CacheSync {
  private readonly handlers: ChangeHandler[] = [];
  private readonly unsubscribe: () => void;
  private retry: NodeJS.Timeout | undefined;
  /** At most one full re-read runs; changes arriving meanwhile fold into one more run. */
  private readonly fullRun = coalesced(() => this.everything());
  private readonly mountRun = coalesced(() => this.deps.mounts.sync());
  private readonly auditRun = coalesced(() => this.deps.audit.sync());

  constructor(private readonly deps: CacheSyncDeps) {
    this.unsubscribe = deps.feed.subscribe((c) => void this.dispatch(c));
  }

  /** Registers another cache to keep in line. */
  on(handler: ChangeHandler): void {
    this.handlers.push(handler);
  }

  close(): void {
    this.unsubscribe();
    clearTimeout(this.retry);
  }

  private async dispatch(change: Change): Promise<void> {
    try {
      await Promise.all([this.apply(change), ...this.handlers.map(async (h) => h(change))]);
    } catch (e) {
      this.deps.log.warn("cache refresh after a change on another node failed; everything is re-read shortly", {
        topic: change.topic,
        error: e instanceof Error ? e.message : String(e),
      });
      if (!this.retry) {
        this.retry = setTimeout(() => {
          this.retry = undefined;
          void this.dispatch({ topic: "*", key: "" });
        }, RETRY_MS);
        this.retry.unref();
      }
    }
  }

  private async apply({ topic, key }: Change): Promise<void> {
    const { policies, identity } = this.deps;
    switch (topic) {
      case "policy":
        return policies.refresh(key || undefined);
      case "mount":
        return this.mountRun();
      case "kv": {
        const cut = key.indexOf("\n");
        const namespace = cut < 0 ? key : key.slice(0, cut);
        const k = cut < 0 ? "" : key.slice(cut + 1);
        for (const entry of this.entries()) if (entry.record.uuid === namespace) this.deps.mounts.storageChanged(entry, k === "" ? undefined : k);
        return;
      }
      case "identity":
        identity.invalidate(key || undefined);
        return;
      case "system":
        if (key === AUDIT_TABLE) return this.auditRun();
        return;
      case "*":
        return this.fullRun();
    }
  }

  private async everything(): Promise<void> {
    // The cheap, certain part first: nothing cached survives, even if the re-reads below fail.
    this.deps.identity.invalidate();
    for (const entry of this.entries()) this.deps.mounts.storageChanged(entry, undefined);
    await Promise.all([this.deps.policies.refresh(), this.mountRun(), this.auditRun()]);
  }

  private entries(): MountEntry[] {
    const builtins = ["sys/", "identity/"].flatMap((p) => this.deps.mounts.get(p) ?? []);
    return [...this.deps.mounts.authMounts(), ...builtins];
  }
}

/** `run` at most once at a time; calls while it runs share one follow-up run. */
function coalesced(run: () => Promise<void>): () => Promise<void> {
  let current: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  return () => {
    if (!current) {
      current = run().finally(() => (current = undefined));
      return current;
    }
    next ??= current
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        current = run().finally(() => (current = undefined));
        return current;
      });
    return next;
  };
}

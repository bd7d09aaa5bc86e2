import { randomUUID } from "node:crypto";
import { permissionDenied } from "../../sdk/errors.js";
import { sanitizePolicies } from "../../sdk/token-params.js";
import type { EntityAliasRecord, EntityRecord, GroupRecord, Storage } from "../../storage/types.js";

/** What a request needs to know about the entity behind its token. */
export interface EntitySnapshot {
  entity: EntityRecord;
  /** The entity's own policies plus those of the groups it belongs to, sorted. */
  identityPolicies: string[];
  /** Bumped on every change of the entity or its groups (keys the templated-ACL cache). */
  version: number;
}

/**
 * The identity store as the core uses it: a workload is one entity whatever method it logs in with;
 * each login's alias resolves to it (created on first login). Snapshots are cached in memory and
 * dropped on every write through this service, so a disable or a policy change applies to live
 * tokens on the next request.
 */
export class IdentityService {
  private readonly cache = new Map<string, EntitySnapshot>();
  /** (mount accessor, alias name) -> entity id: a repeat login costs no identity read at all. */
  private readonly aliases = new Map<string, string>();
  private version = 0;
  /** Bumped by invalidate() only: a snapshot read that overlapped one is not cached. */
  private epoch = 0;

  constructor(private readonly storage: Storage) {}

  /** Drops cached snapshots (all, or one entity's). */
  invalidate(entityId?: string): void {
    this.version++;
    this.epoch++;
    if (entityId === undefined) this.cache.clear();
    else this.cache.delete(entityId);
    // Aliases can move between entities or vanish with one: any identity write drops them all.
    this.aliases.clear();
  }

  /** The snapshot snapshot() would give without a read, when it is cached (else undefined: ask snapshot()). */
  cached(entityId: string): EntitySnapshot | undefined {
    return this.cache.get(entityId);
  }

  async snapshot(entityId: string): Promise<EntitySnapshot | undefined> {
    const cached = this.cache.get(entityId);
    if (cached) return cached;
    const epoch = this.epoch;
    const entity = await this.storage.identity.getEntity(entityId);
    if (!entity) return undefined;
    const groups = await this.storage.identity.groupsOf(entityId);
    const snap: EntitySnapshot = {
      entity,
      identityPolicies: sanitizePolicies([...entity.policies, ...groups.flatMap((g) => g.policies)]),
      version: ++this.version,
    };
    if (this.cache.size > 100_000) this.cache.clear();
    // Changed (here or on another node) while we read: use what we read, but do not keep it.
    if (epoch === this.epoch) this.cache.set(entityId, snap);
    return snap;
  }

  /**
   * Login-time: the entity of (mount, alias name), created with the alias on first login. A disabled
   * entity cannot log in.
   */
  async resolveLogin(mountAccessor: string, aliasName: string, aliasMetadata: Record<string, string>, mountType: string): Promise<EntityRecord> {
    const aliasKey = `${mountAccessor}\n${aliasName}`;
    const epoch = this.epoch;
    let entityId = this.aliases.get(aliasKey);
    if (entityId === undefined) entityId = (await this.storage.identity.findAlias(mountAccessor, aliasName))?.entityId;
    let entity: EntityRecord | undefined;
    if (entityId !== undefined) {
      // The snapshot without a promise hop when it is cached (every login but an entity's first).
      entity = (this.cache.get(entityId) ?? (await this.snapshot(entityId)))?.entity;
      if (entity && epoch === this.epoch) {
        if (this.aliases.size > 100_000) this.aliases.clear();
        this.aliases.set(aliasKey, entity.id);
      }
    }
    if (!entity) {
      const now = Date.now();
      const id = randomUUID();
      const resolved = await this.storage.identity.resolveAlias(
        { id, name: `entity_${id.slice(0, 8)}`, policies: [], metadata: { created_by: mountType }, disabled: false, createdAt: now, updatedAt: now },
        { id: randomUUID(), entityId: id, mountAccessor, name: aliasName, metadata: aliasMetadata, createdAt: now },
      );
      entity = resolved.entity;
    }
    if (entity.disabled) throw permissionDenied();
    return entity;
  }

  // Writes go through here so the cache never serves a stale entity on this node.

  async insertEntity(e: EntityRecord): Promise<boolean> {
    const ok = await this.storage.identity.insertEntity(e);
    this.invalidate(e.id);
    return ok;
  }

  async updateEntity(e: EntityRecord): Promise<boolean> {
    const ok = await this.storage.identity.updateEntity(e);
    this.invalidate(e.id);
    return ok;
  }

  /** Deleting an entity revokes every token it holds. */
  async deleteEntity(id: string): Promise<boolean> {
    const ok = await this.storage.identity.deleteEntity(id);
    this.invalidate(id);
    if (ok) await this.storage.tokens.revokeByEntity(id);
    return ok;
  }

  async insertAlias(a: EntityAliasRecord): Promise<boolean> {
    const ok = await this.storage.identity.insertAlias(a);
    this.invalidate(a.entityId);
    return ok;
  }

  async updateAlias(a: EntityAliasRecord, previousEntityId: string): Promise<boolean> {
    const ok = await this.storage.identity.updateAlias(a);
    this.invalidate(a.entityId);
    this.invalidate(previousEntityId);
    return ok;
  }

  async deleteAlias(a: EntityAliasRecord): Promise<boolean> {
    const ok = await this.storage.identity.deleteAlias(a.id);
    this.invalidate(a.entityId);
    return ok;
  }

  async insertGroup(g: GroupRecord): Promise<boolean> {
    const ok = await this.storage.identity.insertGroup(g);
    this.invalidate();
    return ok;
  }

  async updateGroup(g: GroupRecord): Promise<boolean> {
    const ok = await this.storage.identity.updateGroup(g);
    this.invalidate();
    return ok;
  }

  async deleteGroup(id: string): Promise<boolean> {
    const ok = await this.storage.identity.deleteGroup(id);
    this.invalidate();
    return ok;
  }
}

/**
 * Entities, entity aliases and groups. Inserts are INSERT ... ON CONFLICT DO NOTHING, so "id or unique
 * name taken" is changes = 0 rather than an exception. Updates can only clash on the unique name (or
 * (mount_accessor, name) for aliases): the UNIQUE violation aborts that one statement and is answered
 * as false. Multi-statement writes (deleteEntity, resolveAlias) run under a SAVEPOINT in the batch;
 * on this single connection that also makes concurrent first logins of one principal serial, so they
 * end on one entity.
 */
import { eq, sql } from "drizzle-orm";
import type { EntityAliasRecord, EntityRecord, GroupRecord, IdentityStore } from "../types.js";
import { bind, ph, placeholdersFor, statementsOnFirstUse, type Db } from "./prepared.js";
import { entities, entityAliases, groups } from "./schema.js";
import type { WriteBatch } from "./write-batch.js";

function prepare(db: Db) {
  return {
    getEntity: db.select().from(entities).where(eq(entities.id, ph("id"))).prepare(),
    getEntityByName: db.select().from(entities).where(eq(entities.name, ph("name"))).prepare(),
    listEntities: db.select().from(entities).orderBy(entities.name).prepare(),
    insertEntity: db.insert(entities).values(placeholdersFor(entities)).onConflictDoNothing().prepare(),
    // Placeholders inside raw sql`` carry no column encoder: JSON and boolean values are encoded by the caller.
    updateEntity: db
      .update(entities)
      .set({
        name: sql`${ph("name")}`,
        policies: sql`${ph("policies")}`,
        metadata: sql`${ph("metadata")}`,
        disabled: sql`${ph("disabled")}`,
        createdAt: sql`${ph("createdAt")}`,
        updatedAt: sql`${ph("updatedAt")}`,
      })
      .where(eq(entities.id, ph("id")))
      .prepare(),
    deleteEntity: db.delete(entities).where(eq(entities.id, ph("id"))).prepare(),
    deleteAliasesOf: db.delete(entityAliases).where(eq(entityAliases.entityId, ph("entityId"))).prepare(),

    getAlias: db.select().from(entityAliases).where(eq(entityAliases.id, ph("id"))).prepare(),
    findAlias: db
      .select()
      .from(entityAliases)
      .where(sql`${entityAliases.mountAccessor} = ${ph("mountAccessor")} AND ${entityAliases.name} = ${ph("name")}`)
      .prepare(),
    listAliases: db.select().from(entityAliases).orderBy(entityAliases.mountAccessor, entityAliases.name).prepare(),
    aliasesOf: db
      .select()
      .from(entityAliases)
      .where(eq(entityAliases.entityId, ph("entityId")))
      .orderBy(entityAliases.mountAccessor, entityAliases.name)
      .prepare(),
    insertAlias: db.insert(entityAliases).values(placeholdersFor(entityAliases)).onConflictDoNothing().prepare(),
    updateAlias: db
      .update(entityAliases)
      .set({
        entityId: sql`${ph("entityId")}`,
        mountAccessor: sql`${ph("mountAccessor")}`,
        name: sql`${ph("name")}`,
        metadata: sql`${ph("metadata")}`,
        createdAt: sql`${ph("createdAt")}`,
      })
      .where(eq(entityAliases.id, ph("id")))
      .prepare(),
    deleteAlias: db.delete(entityAliases).where(eq(entityAliases.id, ph("id"))).prepare(),

    getGroup: db.select().from(groups).where(eq(groups.id, ph("id"))).prepare(),
    getGroupByName: db.select().from(groups).where(eq(groups.name, ph("name"))).prepare(),
    listGroups: db.select().from(groups).orderBy(groups.name).prepare(),
    groupsOf: db
      .select()
      .from(groups)
      .where(sql`EXISTS (SELECT 1 FROM json_each(${groups.memberEntityIds}) WHERE json_each.value = ${ph("entityId")})`)
      .orderBy(groups.name)
      .prepare(),
    insertGroup: db.insert(groups).values(placeholdersFor(groups)).onConflictDoNothing().prepare(),
    updateGroup: db
      .update(groups)
      .set({
        name: sql`${ph("name")}`,
        policies: sql`${ph("policies")}`,
        memberEntityIds: sql`${ph("memberEntityIds")}`,
        metadata: sql`${ph("metadata")}`,
        createdAt: sql`${ph("createdAt")}`,
        updatedAt: sql`${ph("updatedAt")}`,
      })
      .where(eq(groups.id, ph("id")))
      .prepare(),
    deleteGroup: db.delete(groups).where(eq(groups.id, ph("id"))).prepare(),
  };
}

/** A UNIQUE / PRIMARY KEY violation, as better-sqlite3 reports it (drizzle wraps it in `cause`). */
function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") return true;
  }
  return false;
}

/** Runs one UPDATE; a unique clash (which SQLite undoes for that statement alone) answers false. */
function updateOrClash(run: () => { changes: number }): boolean {
  try {
    return run().changes > 0;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export class SqliteIdentityStore implements IdentityStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(
    db: Db,
    private readonly batch: WriteBatch,
  ) {
    this.#q = statementsOnFirstUse(db, prepare);
  }

  async getEntity(id: string): Promise<EntityRecord | undefined> {
    return this.#q.getEntity.get({ id });
  }

  async getEntityByName(name: string): Promise<EntityRecord | undefined> {
    return this.#q.getEntityByName.get({ name });
  }

  async listEntities(): Promise<EntityRecord[]> {
    return this.#q.listEntities.all();
  }

  insertEntity(entity: EntityRecord): Promise<boolean> {
    return this.batch.write(() => this.#q.insertEntity.run(bind(entity)).changes > 0);
  }

  updateEntity(entity: EntityRecord): Promise<boolean> {
    const values = {
      ...entity,
      policies: JSON.stringify(entity.policies),
      metadata: JSON.stringify(entity.metadata),
      disabled: entity.disabled ? 1 : 0,
    };
    return this.batch.write(() => updateOrClash(() => this.#q.updateEntity.run(values)));
  }

  deleteEntity(id: string): Promise<boolean> {
    return this.batch.writeAtomic(() => {
      this.#q.deleteAliasesOf.run({ entityId: id });
      return this.#q.deleteEntity.run({ id }).changes > 0;
    });
  }

  async getAlias(id: string): Promise<EntityAliasRecord | undefined> {
    return this.#q.getAlias.get({ id });
  }

  async findAlias(mountAccessor: string, name: string): Promise<EntityAliasRecord | undefined> {
    return this.#q.findAlias.get({ mountAccessor, name });
  }

  async listAliases(): Promise<EntityAliasRecord[]> {
    return this.#q.listAliases.all();
  }

  async aliasesOf(entityId: string): Promise<EntityAliasRecord[]> {
    return this.#q.aliasesOf.all({ entityId });
  }

  insertAlias(alias: EntityAliasRecord): Promise<boolean> {
    return this.batch.write(() => this.#q.insertAlias.run(bind(alias)).changes > 0);
  }

  updateAlias(alias: EntityAliasRecord): Promise<boolean> {
    const values = { ...alias, metadata: JSON.stringify(alias.metadata) };
    return this.batch.write(() => updateOrClash(() => this.#q.updateAlias.run(values)));
  }

  deleteAlias(id: string): Promise<boolean> {
    return this.batch.write(() => this.#q.deleteAlias.run({ id }).changes > 0);
  }

  resolveAlias(entity: EntityRecord, alias: EntityAliasRecord): Promise<{ entity: EntityRecord; created: boolean }> {
    return this.batch.writeAtomic(() => {
      const found = this.#q.findAlias.get({ mountAccessor: alias.mountAccessor, name: alias.name });
      if (found) {
        const owner = this.#q.getEntity.get({ id: found.entityId });
        if (!owner) throw new Error(`identity: alias ${found.id} points to missing entity ${found.entityId}`);
        return { entity: owner, created: false };
      }
      // A clash here (entity id or name taken) must not leave an alias pointing at someone else's
      // entity: throwing rolls the savepoint back.
      if (this.#q.insertEntity.run(bind(entity)).changes === 0) {
        throw new Error(`identity: cannot create entity ${entity.id} (${entity.name}): id or name taken`);
      }
      if (this.#q.insertAlias.run(bind({ ...alias, entityId: entity.id })).changes === 0) {
        throw new Error(`identity: cannot create alias ${alias.id}: id taken`);
      }
      const created = this.#q.getEntity.get({ id: entity.id });
      if (!created) throw new Error(`identity: entity ${entity.id} vanished after insert`);
      return { entity: created, created: true };
    });
  }

  async getGroup(id: string): Promise<GroupRecord | undefined> {
    return this.#q.getGroup.get({ id });
  }

  async getGroupByName(name: string): Promise<GroupRecord | undefined> {
    return this.#q.getGroupByName.get({ name });
  }

  async listGroups(): Promise<GroupRecord[]> {
    return this.#q.listGroups.all();
  }

  async groupsOf(entityId: string): Promise<GroupRecord[]> {
    return this.#q.groupsOf.all({ entityId });
  }

  insertGroup(group: GroupRecord): Promise<boolean> {
    return this.batch.write(() => this.#q.insertGroup.run(bind(group)).changes > 0);
  }

  updateGroup(group: GroupRecord): Promise<boolean> {
    const values = {
      ...group,
      policies: JSON.stringify(group.policies),
      memberEntityIds: JSON.stringify(group.memberEntityIds),
      metadata: JSON.stringify(group.metadata),
    };
    return this.batch.write(() => updateOrClash(() => this.#q.updateGroup.run(values)));
  }

  deleteGroup(id: string): Promise<boolean> {
    return this.batch.write(() => this.#q.deleteGroup.run({ id }).changes > 0);
  }
}

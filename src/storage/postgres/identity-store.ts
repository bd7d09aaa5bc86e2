/**
 * Entities, aliases and groups. Inserts are ON CONFLICT DO NOTHING RETURNING (taken id or name ->
 * false, on any node); updates that would take another row's unique name fail on the unique index
 * and report false. deleteEntity removes the entity and its aliases in one statement.
 *
 * resolveAlias is the one transaction: a prepared read answers the common case (the alias exists);
 * otherwise a transaction takes an advisory lock on the alias key, reads again and creates entity and
 * alias together, so concurrent first logins of one principal, on any nodes, end up on one entity.
 */
import { and, eq, sql } from "drizzle-orm";
import type { EntityAliasRecord, EntityRecord, GroupRecord, IdentityStore } from "../types.js";
import { isUniqueViolation } from "./errors.js";
import { affected, bind, type Db, ph, placeholdersFor, rethrowDriverError, withDriverErrors } from "./prepared.js";
import type { PgTables } from "./schema.js";

function prepare(db: Db, { entities, entityAliases: aliases, groups }: PgTables) {
  return {
    getEntity: db.select().from(entities).where(eq(entities.id, ph("id"))).prepare("ent_get"),
    getEntityByName: db.select().from(entities).where(eq(entities.name, ph("name"))).prepare("ent_get_name"),
    listEntities: db.select().from(entities).orderBy(entities.name).prepare("ent_list"),
    insertEntity: db.insert(entities).values(placeholdersFor(entities)).onConflictDoNothing().returning({ id: entities.id }).prepare("ent_insert"),
    updateEntity: db
      .update(entities)
      .set({
        name: sql`${ph("name")}::text`,
        policies: sql`${ph("policies")}::jsonb`,
        metadata: sql`${ph("metadata")}::jsonb`,
        disabled: sql`${ph("disabled")}::boolean`,
        createdAt: sql`${ph("createdAt")}::bigint`,
        updatedAt: sql`${ph("updatedAt")}::bigint`,
      })
      .where(eq(entities.id, ph("id")))
      .prepare("ent_update"),
    deleteEntity: db
      .with(db.$with("gone_aliases", { one: sql<number>`1` }).as(sql`DELETE FROM ${aliases} WHERE entity_id = ${ph("id")}::text`))
      .delete(entities)
      .where(eq(entities.id, ph("id")))
      .prepare("ent_delete"),

    getAlias: db.select().from(aliases).where(eq(aliases.id, ph("id"))).prepare("als_get"),
    findAlias: db
      .select()
      .from(aliases)
      .where(and(eq(aliases.mountAccessor, ph("mountAccessor")), eq(aliases.name, ph("name"))))
      .prepare("als_find"),
    findAliasEntity: db
      .select({ entity: entities })
      .from(aliases)
      .innerJoin(entities, eq(entities.id, aliases.entityId))
      .where(and(eq(aliases.mountAccessor, ph("mountAccessor")), eq(aliases.name, ph("name"))))
      .prepare("als_find_entity"),
    listAliases: db.select().from(aliases).orderBy(aliases.id).prepare("als_list"),
    aliasesOf: db.select().from(aliases).where(eq(aliases.entityId, ph("entityId"))).orderBy(aliases.id).prepare("als_of"),
    insertAlias: db.insert(aliases).values(placeholdersFor(aliases)).onConflictDoNothing().returning({ id: aliases.id }).prepare("als_insert"),
    updateAlias: db
      .update(aliases)
      .set({
        entityId: sql`${ph("entityId")}::text`,
        mountAccessor: sql`${ph("mountAccessor")}::text`,
        name: sql`${ph("name")}::text`,
        metadata: sql`${ph("metadata")}::jsonb`,
        createdAt: sql`${ph("createdAt")}::bigint`,
      })
      .where(eq(aliases.id, ph("id")))
      .prepare("als_update"),
    deleteAlias: db.delete(aliases).where(eq(aliases.id, ph("id"))).prepare("als_delete"),

    getGroup: db.select().from(groups).where(eq(groups.id, ph("id"))).prepare("grp_get"),
    getGroupByName: db.select().from(groups).where(eq(groups.name, ph("name"))).prepare("grp_get_name"),
    listGroups: db.select().from(groups).orderBy(groups.name).prepare("grp_list"),
    groupsOf: db
      .select()
      .from(groups)
      .where(sql`${groups.memberEntityIds} @> jsonb_build_array(${ph("entityId")}::text)`)
      .orderBy(groups.name)
      .prepare("grp_of"),
    insertGroup: db.insert(groups).values(placeholdersFor(groups)).onConflictDoNothing().returning({ id: groups.id }).prepare("grp_insert"),
    updateGroup: db
      .update(groups)
      .set({
        name: sql`${ph("name")}::text`,
        policies: sql`${ph("policies")}::jsonb`,
        memberEntityIds: sql`${ph("memberEntityIds")}::jsonb`,
        metadata: sql`${ph("metadata")}::jsonb`,
        createdAt: sql`${ph("createdAt")}::bigint`,
        updatedAt: sql`${ph("updatedAt")}::bigint`,
      })
      .where(eq(groups.id, ph("id")))
      .prepare("grp_update"),
    deleteGroup: db.delete(groups).where(eq(groups.id, ph("id"))).prepare("grp_delete"),
  };
}

/** Placeholders inside raw sql`` carry no column encoder: JSON columns are encoded by hand for updates. */
const encode = <T extends object>(record: T, jsonKeys: readonly (keyof T)[]): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...bind(record) };
  for (const k of jsonKeys) out[k as string] = JSON.stringify(record[k]);
  return out;
};

/** An UPDATE whose new unique name is taken fails on the index: that is the contract's `false`. */
async function updated(run: Promise<{ rowCount: number | null }>): Promise<boolean> {
  try {
    return affected(await run) > 0;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export class PgIdentityStore implements IdentityStore {
  readonly #q: ReturnType<typeof prepare>;

  constructor(
    private readonly db: Db,
    private readonly tables: PgTables,
  ) {
    this.#q = withDriverErrors(db, (d) => prepare(d, tables));
  }

  async getEntity(id: string): Promise<EntityRecord | undefined> {
    return (await this.#q.getEntity.execute({ id }))[0];
  }
  async getEntityByName(name: string): Promise<EntityRecord | undefined> {
    return (await this.#q.getEntityByName.execute({ name }))[0];
  }
  async listEntities(): Promise<EntityRecord[]> {
    return this.#q.listEntities.execute();
  }
  async insertEntity(entity: EntityRecord): Promise<boolean> {
    return (await this.#q.insertEntity.execute(bind(entity))).length > 0;
  }
  updateEntity(entity: EntityRecord): Promise<boolean> {
    return updated(this.#q.updateEntity.execute(encode(entity, ["policies", "metadata"])));
  }
  async deleteEntity(id: string): Promise<boolean> {
    return affected(await this.#q.deleteEntity.execute({ id })) > 0;
  }

  async getAlias(id: string): Promise<EntityAliasRecord | undefined> {
    return (await this.#q.getAlias.execute({ id }))[0];
  }
  async findAlias(mountAccessor: string, name: string): Promise<EntityAliasRecord | undefined> {
    return (await this.#q.findAlias.execute({ mountAccessor, name }))[0];
  }
  async listAliases(): Promise<EntityAliasRecord[]> {
    return this.#q.listAliases.execute();
  }
  async aliasesOf(entityId: string): Promise<EntityAliasRecord[]> {
    return this.#q.aliasesOf.execute({ entityId });
  }
  async insertAlias(alias: EntityAliasRecord): Promise<boolean> {
    return (await this.#q.insertAlias.execute(bind(alias))).length > 0;
  }
  updateAlias(alias: EntityAliasRecord): Promise<boolean> {
    return updated(this.#q.updateAlias.execute(encode(alias, ["metadata"])));
  }
  async deleteAlias(id: string): Promise<boolean> {
    return affected(await this.#q.deleteAlias.execute({ id })) > 0;
  }

  async resolveAlias(entity: EntityRecord, alias: EntityAliasRecord): Promise<{ entity: EntityRecord; created: boolean }> {
    const key = { mountAccessor: alias.mountAccessor, name: alias.name };
    const found = (await this.#q.findAliasEntity.execute(key))[0];
    if (found) return { entity: found.entity, created: false };
    // First login of this principal: rare, so this path may build its statements per call.
    const { entities, entityAliases } = this.tables;
    return this.db.transaction(async (tx) => {
      // Serialises first logins of this one alias across every node; released at COMMIT/ROLLBACK.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`warden:alias:${JSON.stringify([alias.mountAccessor, alias.name])}`}, 0))`);
      const again = await tx
        .select({ entity: entities })
        .from(entityAliases)
        .innerJoin(entities, eq(entities.id, entityAliases.entityId))
        .where(and(eq(entityAliases.mountAccessor, alias.mountAccessor), eq(entityAliases.name, alias.name)));
      if (again[0]) return { entity: again[0].entity, created: false };
      await tx.insert(entities).values(entity);
      await tx.insert(entityAliases).values({ ...alias, entityId: entity.id });
      return { entity, created: true };
    }).catch(rethrowDriverError);
  }

  async getGroup(id: string): Promise<GroupRecord | undefined> {
    return (await this.#q.getGroup.execute({ id }))[0];
  }
  async getGroupByName(name: string): Promise<GroupRecord | undefined> {
    return (await this.#q.getGroupByName.execute({ name }))[0];
  }
  async listGroups(): Promise<GroupRecord[]> {
    return this.#q.listGroups.execute();
  }
  async groupsOf(entityId: string): Promise<GroupRecord[]> {
    return this.#q.groupsOf.execute({ entityId });
  }
  async insertGroup(group: GroupRecord): Promise<boolean> {
    return (await this.#q.insertGroup.execute(bind(group))).length > 0;
  }
  updateGroup(group: GroupRecord): Promise<boolean> {
    return updated(this.#q.updateGroup.execute(encode(group, ["policies", "memberEntityIds", "metadata"])));
  }
  async deleteGroup(id: string): Promise<boolean> {
    return affected(await this.#q.deleteGroup.execute({ id })) > 0;
  }
}

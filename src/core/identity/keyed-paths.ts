import { notFound } from "../../sdk/errors.js";
import type { FieldSchema, FieldValues, Fields } from "../../sdk/fields.js";
import { type CorePathDefinition, type CoreResult, corePath } from "../framework/core-path.js";

/**
 * Entities, aliases and groups are each addressed by id and (entities, groups) by name, with the
 * same read / update / delete meaning whichever key: these paths are written once here, and each
 * kind only says how to find, show, write and delete its records.
 */

/** The fields every identity kind has: the two keys a record is addressed by. */
type KeyedFields = Fields & { id: FieldSchema<"string">; name: FieldSchema<"string"> };

export type KeyName = "id" | "name";

/** One kind of identity object, as its keyed paths need it. */
export interface IdentityKind<R, F extends KeyedFields> {
  /** The path segment before `/id/:id` and `/name/:name`. */
  prefix: string;
  fields: F;
  view(record: R): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Updates `existing`, or creates a record when it is undefined. */
  write(existing: R | undefined, data: FieldValues<F>): Promise<CoreResult>;
  remove(record: R): Promise<unknown>;
}

/** One way of addressing a kind's records. */
export interface RecordKey<R> {
  by: KeyName;
  find(key: string): Promise<R | undefined>;
  /**
   * An update naming no record: absent, the update creates it (Vault upserts by name); otherwise
   * the error to answer (an id cannot be chosen by the caller).
   */
  missing?: () => Error;
}

/** `<prefix>/id/:id` or `<prefix>/name/:name`: read, update, delete of one record. */
export function keyedPath<R, F extends KeyedFields>(kind: IdentityKind<R, F>, key: RecordKey<R>): CorePathDefinition<F> {
  const find = (data: FieldValues<F>) => key.find((data as FieldValues<KeyedFields>)[key.by]!);
  return corePath({
    pattern: `${kind.prefix}/${key.by}/:${key.by}`, help: "Read, update or delete one record by its id or name.",
    fields: kind.fields,
    operations: {
      read: async (req) => {
        const record = await find(req.data);
        if (!record) throw notFound();
        return { data: await kind.view(record) };
      },
      update: async (req) => {
        const record = await find(req.data);
        if (!record && key.missing) throw key.missing();
        return kind.write(record, req.data);
      },
      // Deleting what is not there succeeds, as in Vault.
      delete: async (req) => {
        const record = await find(req.data);
        if (record) await kind.remove(record);
      },
    },
  });
}

/** `<prefix>/id/?` or `<prefix>/name/?`: the sorted keys, with `key_info` when `info` is given. */
export function keyListPath<R extends Record<KeyName, string>>(prefix: string, by: KeyName, all: () => Promise<R[]>, info?: (record: R) => Record<string, unknown>) {
  const keyOf = (record: R): string => record[by];
  return corePath({
    pattern: `${prefix}/${by}/?`, help: "List the records' ids or names.",
    fields: {},
    operations: {
      list: async () => {
        const records = await all();
        const keys = records.map(keyOf).sort();
        if (!info) return { data: { keys } };
        return { data: { keys, key_info: Object.fromEntries(records.map((r) => [keyOf(r), info(r)])) } };
      },
    },
  });
}

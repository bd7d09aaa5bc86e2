import { badRequest, permissionDenied } from "./errors.js";
import type { Fields } from "./fields.js";
import { type AnyPathDefinition, type HandlerResult, type PluginRequest, type StorageView, definePath } from "./plugin.js";
import { emptyTokenParams, legacyTokenFields, tokenFields, tokenParamsFromFields, tokenParamsToData, type TokenParams } from "./token-params.js";

// Vault's GenericNameRegex, ASCII only (no /i or /u: "K" and "ſ" must not fold into k and s).
const ROLE_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,126}[A-Za-z0-9_])?$/;

/**
 * The canonical role name (lower-cased, as Vault stores them), or undefined when the input cannot
 * be a role name. Canonicalise once, at the edge, and key everything on the result: "Dev" and "dev"
 * must never be two roles, two replay keys or two lockout counters.
 */
export function canonicalRoleName(input: string): string | undefined {
  return ROLE_NAME.test(input) ? input.toLowerCase() : undefined;
}

/** A method's roles in its mount's storage, keyed by canonical name (what `roleStore` returns). */
export interface RoleStore<T> {
  get(storage: StorageView, name: string): Promise<T | undefined>;
  put(storage: StorageView, name: string, entry: T): Promise<void>;
  delete(storage: StorageView, name: string): Promise<void>;
  /** Role names, sorted. */
  list(storage: StorageView): Promise<string[]>;
  /**
   * The role a login names, or the same 403 a refused principal gets: an unknown or malformed role
   * name must not be distinguishable from a refused one (no role enumeration from login).
   */
  forLogin(storage: StorageView, input: string): Promise<{ name: string; role: T }>;
}

/**
 * A method's roles under "role/<canonical name>". `isEntry` guards what comes back from storage, so
 * a stale or foreign value reads as "no such role" instead of crashing a login.
 */
export function roleStore<T>(isEntry: (value: unknown) => value is T): RoleStore<T> {
  const key = (name: string): string => `role/${name}`;
  const get = async (storage: StorageView, name: string): Promise<T | undefined> => {
    const value = await storage.get(key(name));
    return isEntry(value) ? value : undefined;
  };
  return {
    get,
    put: (storage, name, entry) => storage.put(key(name), entry),
    delete: (storage, name) => storage.delete(key(name)),
    list: async (storage) => (await storage.list("role/")).filter((k) => !k.endsWith("/")).sort(),
    async forLogin(storage, input) {
      const name = canonicalRoleName(input);
      const role = name === undefined ? undefined : await get(storage, name);
      if (name === undefined || role === undefined) throw permissionDenied();
      return { name, role };
    },
  };
}

const TOKEN_FIELD_NAMES = [...Object.keys(tokenFields), ...Object.keys(legacyTokenFields)];

/**
 * The role's token settings after this request: the token_* (and legacy) fields the caller supplied,
 * applied over `existing`. Use it in a role write handler whose fields include the token mixin.
 */
export function tokenParamsFromRequest(req: { data: object; has(field: string): boolean }, existing?: TokenParams): TokenParams {
  const supplied = new Set(TOKEN_FIELD_NAMES.filter((n) => req.has(n)));
  return tokenParamsFromFields({ values: req.data as Record<string, unknown>, supplied }, existing ?? emptyTokenParams());
}

/** Case-folding: the router lower-cases the URL segment before the ACL runs (see FieldSchema.lowercase). */
const roleNameField = { role: { type: "string", required: true, lowercase: true, description: "Name of the role (case-insensitive)" } } as const;

type RoleFields<F extends Fields> = F & typeof roleNameField & typeof tokenFields & typeof legacyTokenFields;

/** What `roleCrudPaths` needs: the store, the method's own fields, and how to build and show an entry (both required). */
export interface RoleCrudOptions<F extends Fields, T extends { token: TokenParams }> {
  store: RoleStore<T>;
  /** The method's own role fields (the name and every token_* field are added). */
  fields: F;
  /**
   * Builds the entry to store from the request and the existing entry (undefined on create);
   * `token` already holds the request's token_* settings applied over the existing ones.
   */
  write(req: PluginRequest<RoleFields<F>>, existing: T | undefined, token: TokenParams): Promise<T> | T;
  /** The method's own fields of a role as read back (token_* fields are added). */
  view(entry: T): Record<string, unknown>;
  /** Vault's message for an update of a missing role. */
  missingOnUpdate?: (name: string) => string;
  /** List paths; Vault's methods answer on "role/?" and often "roles/?". */
  listPatterns?: string[];
  help?: string;
}

/**
 * The role paths every auth method has, Vault-style: `role/:role` (create/read/update/delete with an
 * existence check, names lower-cased, token_* and legacy fields handled once) and the list paths.
 * A method supplies only what is its own: extra fields, how to build the entry, how to show it.
 */
export function roleCrudPaths<F extends Fields, T extends { token: TokenParams }>(opts: RoleCrudOptions<F, T>): AnyPathDefinition[] {
  const fields = { ...opts.fields, ...roleNameField, ...tokenFields, ...legacyTokenFields } as RoleFields<F>;
  const nameOf = (req: PluginRequest<RoleFields<F>>): string => {
    const name = canonicalRoleName(String(req.data.role ?? ""));
    if (name === undefined) throw badRequest("invalid role name");
    return name;
  };
  const write = async (req: PluginRequest<RoleFields<F>>): Promise<void> => {
    const name = nameOf(req);
    const existing = await opts.store.get(req.storage, name);
    if (!existing && req.operation === "update") throw badRequest(opts.missingOnUpdate?.(name) ?? `no role found to update for ${name}`);
    const token = tokenParamsFromRequest(req, existing?.token);
    await opts.store.put(req.storage, name, await opts.write(req, existing, token));
  };
  const list = async (req: PluginRequest): Promise<HandlerResult> => ({ data: { keys: await opts.store.list(req.storage) } });
  return [
    definePath({
      pattern: "role/:role",
      fields,
      existenceCheck: async (req) => (await opts.store.get(req.storage, nameOf(req))) !== undefined,
      operations: {
        create: write,
        update: write,
        read: async (req) => {
          const entry = await opts.store.get(req.storage, nameOf(req));
          return entry ? { data: { ...opts.view(entry), ...tokenParamsToData(entry.token) } } : undefined;
        },
        delete: async (req) => opts.store.delete(req.storage, nameOf(req)),
      },
      help: opts.help,
    }),
    ...(opts.listPatterns ?? ["role/?", "roles/?"]).map((pattern) =>
      definePath({ pattern, fields: {}, operations: { list }, help: "List the configured roles." }),
    ),
  ];
}

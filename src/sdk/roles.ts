import { permissionDenied } from "./errors.js";
import type { StorageView } from "./plugin.js";
import { emptyTokenParams, legacyTokenFields, tokenFields, tokenParamsFromFields, type TokenParams } from "./token-params.js";

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

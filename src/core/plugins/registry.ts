import { badRequest } from "../../sdk/errors.js";
import type { AnyPlugin } from "../../sdk/plugin.js";
import type { CatalogEntry, PluginCatalog } from "./catalog.js";
import { type PluginLoader, SHA256_HEX } from "./loader.js";
import { checkSdkVersion } from "./sdk-compat.js";

/**
 * A builtin plugin the server imports only when it is first needed (a mount of its type at boot, an
 * enable, a reload, another node's mount): a start pays only for the methods its mounts use.
 */
export interface DeferredPlugin {
  readonly type: string;
  load(): Promise<AnyPlugin>;
}

/** How the server is given a builtin plugin: its definition, or how to import it. */
export type PluginSource = AnyPlugin | DeferredPlugin;

export const isDeferredPlugin = (p: PluginSource): p is DeferredPlugin => typeof (p as Partial<DeferredPlugin>).load === "function";

/** What a mount runs: the definition, and which build of it (shown by sys/auth as Vault does). */
export interface ResolvedPlugin {
  definition: AnyPlugin;
  builtin: boolean;
  version: string;
  /** "" for builtins. */
  sha256: string;
}

/** Catalog names: what sys/auth `type` takes. Lowercase, so names never differ only by case. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const VERSION = /^v?\d{1,6}\.\d{1,6}\.\d{1,6}(?:[-+][0-9A-Za-z.-]{1,64})?$/;
/** Types of the server's own mounts: never a plugin name. */
const RESERVED = new Set(["token", "system", "identity", "plugin", "ns_token"]);

export interface Registration {
  name: string;
  command: string;
  sha256: string;
  version: string;
}

/**
 * Plugin types by name: the builtin ones compiled into the server, then the catalog's. Loading is by
 * catalog name only; the file comes from the catalog entry, never from a request.
 */
export class PluginRegistry {
  /** Deferred builtins being or done importing, by type: concurrent first uses share one import. */
  private readonly loading = new Map<string, Promise<AnyPlugin>>();

  constructor(
    private readonly builtins: ReadonlyMap<string, PluginSource>,
    private readonly catalog: PluginCatalog,
    private readonly loader: PluginLoader,
    private readonly builtinVersion: string,
  ) {}

  isBuiltin(name: string): boolean {
    return this.builtins.has(name) || RESERVED.has(name);
  }

  builtinNames(): string[] {
    return [...this.builtins.keys()].sort();
  }

  get builtinVersionTag(): string {
    return `v${this.builtinVersion}+builtin`;
  }

  entry(name: string): Promise<CatalogEntry | undefined> {
    return NAME.test(name) ? this.catalog.get(name) : Promise.resolve(undefined);
  }

  listExternal(): Promise<CatalogEntry[]> {
    return this.catalog.list();
  }

  /** The plugin for a mount type; an external one is re-read and re-verified against its pin. */
  async resolve(type: string): Promise<ResolvedPlugin> {
    const builtin = this.builtins.get(type);
    if (builtin) return { definition: isDeferredPlugin(builtin) ? await this.loadBuiltin(builtin) : builtin, builtin: true, version: this.builtinVersionTag, sha256: "" };
    const entry = await this.entry(type);
    if (!entry) throw badRequest(`unknown auth method type "${type.slice(0, 60)}"`);
    const definition = await this.loader.load(entry);
    return { definition, builtin: false, version: entry.version, sha256: entry.sha256 };
  }

  /**
   * Validates the name and the file (location, pin, owner, mode) before writing the catalog entry, so
   * a refused registration leaves nothing behind. The module is not imported: none of its code runs
   * until a mount needs it, where its exports and SDK version are checked. Re-registering a name
   * replaces its entry; mounts keep running the old code until reloaded (as in Vault).
   */
  async register(input: Registration): Promise<CatalogEntry> {
    const name = input.name;
    if (!NAME.test(name)) throw badRequest(`invalid plugin name "${name.slice(0, 60)}": use lowercase letters, digits, "-" and "_"`);
    if (this.isBuiltin(name)) throw badRequest(`plugin name "${name}" clashes with a builtin auth method; choose another name`);
    const sha256 = input.sha256.trim().toLowerCase();
    if (!SHA256_HEX.test(sha256)) throw badRequest("sha256 must be 64 hex digits (see `warden plugin sha256 <file>`)");
    if (!input.command) throw badRequest("missing command: the plugin's file name in plugin_directory");
    if (input.version !== "" && !VERSION.test(input.version)) throw badRequest(`invalid version "${input.version.slice(0, 40)}": use semantic versioning (v1.2.3)`);
    await this.loader.verify({ name, command: input.command, sha256 });
    const entry: CatalogEntry = { name, type: "auth", command: input.command, sha256, version: input.version, registeredAt: Date.now() };
    await this.catalog.put(entry);
    return entry;
  }

  /**
   * Imports a deferred builtin once. A failed import is not kept (the next need tries again) and
   * fails only what needed it: a mount at boot is listed as failed (503), an enable is a 500.
   */
  private loadBuiltin(source: DeferredPlugin): Promise<AnyPlugin> {
    let pending = this.loading.get(source.type);
    if (!pending) {
      pending = source.load().then((definition) => {
        if (definition.type !== source.type) throw new Error(`builtin plugin "${source.type}" loaded a plugin of type "${String(definition.type)}"`);
        checkSdkVersion(definition);
        return definition;
      });
      pending.catch(() => this.loading.delete(source.type));
      this.loading.set(source.type, pending);
    }
    return pending;
  }

  async deregister(name: string): Promise<void> {
    if (this.isBuiltin(name)) throw badRequest(`cannot deregister the builtin auth method "${name}"`);
    if (NAME.test(name)) await this.catalog.delete(name);
  }
}

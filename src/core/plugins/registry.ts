import { badRequest } from "../../sdk/errors.js";
import type { AnyPlugin } from "../../sdk/plugin.js";
import type { CatalogEntry, PluginCatalog } from "./catalog.js";
import { type PluginLoader, SHA256_HEX } from "./loader.js";

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
  constructor(
    private readonly builtins: ReadonlyMap<string, AnyPlugin>,
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
    if (builtin) return { definition: builtin, builtin: true, version: this.builtinVersionTag, sha256: "" };
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

  async deregister(name: string): Promise<void> {
    if (this.isBuiltin(name)) throw badRequest(`cannot deregister the builtin auth method "${name}"`);
    if (NAME.test(name)) await this.catalog.delete(name);
  }
}

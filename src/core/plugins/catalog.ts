import type { KvStore } from "../../storage/types.js";

/** One registered out-of-tree plugin, as Vault's catalog has it (type is always "auth" here). */
export interface CatalogEntry {
  name: string;
  type: "auth";
  /** File name relative to plugin_directory. */
  command: string;
  /** Lowercase hex; the file must hash to it on every load. */
  sha256: string;
  version: string;
  registeredAt: number;
}

/**
 * The catalog lives in the shared key/value store under a namespace no mount can have (mount
 * namespaces are uuids), so it survives restarts and every node on the same database sees it.
 * Reads go to storage each time: a registration made on another node counts at once.
 */
const NAMESPACE = "core/plugin-catalog";

export class PluginCatalog {
  constructor(private readonly kv: KvStore) {}

  async get(name: string): Promise<CatalogEntry | undefined> {
    return (await this.kv.get(NAMESPACE, `auth/${name}`)) as CatalogEntry | undefined;
  }

  async put(entry: CatalogEntry): Promise<void> {
    await this.kv.put(NAMESPACE, `auth/${entry.name}`, entry);
  }

  async delete(name: string): Promise<boolean> {
    return this.kv.delete(NAMESPACE, `auth/${name}`);
  }

  async list(): Promise<CatalogEntry[]> {
    const keys = await this.kv.listKeys(NAMESPACE, "auth/");
    const out: CatalogEntry[] = [];
    for (const key of keys) {
      const entry = (await this.kv.get(NAMESPACE, key)) as CatalogEntry | undefined;
      if (entry) out.push(entry);
    }
    return out;
  }
}

import type { StorageConfig } from "../config/server-config.js";
import type { Logger } from "../sdk/plugin.js";
import type { Storage } from "./types.js";

/**
 * Opens the storage the config names. The core only ever sees the Storage interface. Each adapter is
 * imported when it is chosen: the other one's driver and drizzle dialect (~80 modules for PostgreSQL)
 * would only lengthen every start.
 */
export async function openStorage(config: StorageConfig, log: Logger): Promise<Storage> {
  switch (config.type) {
    case "sqlite": {
      const { openSqliteStorage } = await loadStorageAdapter("sqlite");
      return openSqliteStorage({ path: config.path, log });
    }
    case "postgresql": {
      const { openPostgresStorage } = await loadStorageAdapter("postgresql");
      return openPostgresStorage({
        haEnabled: config.haEnabled,
        connectionUrl: config.connectionUrl,
        tablePrefix: config.tablePrefix,
        maxConnections: config.maxConnections,
        log,
      });
    }
  }
}

type Adapters = { sqlite: typeof import("./sqlite/index.js"); postgresql: typeof import("./postgres/index.js") };

/**
 * Imports the adapter of `type` (once; later calls get the same module). The server command starts
 * this while the server's own modules load: the two module graphs' file reads overlap.
 */
export function loadStorageAdapter<T extends StorageConfig["type"]>(type: T): Promise<Adapters[T]> {
  return (type === "sqlite" ? import("./sqlite/index.js") : import("./postgres/index.js")) as Promise<Adapters[T]>;
}

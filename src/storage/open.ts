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
      const { openSqliteStorage } = await import("./sqlite/index.js");
      return openSqliteStorage({ path: config.path, log });
    }
    case "postgresql": {
      const { openPostgresStorage } = await import("./postgres/index.js");
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

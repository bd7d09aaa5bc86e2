import type { StorageConfig } from "../config/server-config.js";
import type { Logger } from "../sdk/plugin.js";
import { openPostgresStorage } from "./postgres/index.js";
import { openSqliteStorage } from "./sqlite/index.js";
import type { Storage } from "./types.js";

/** Opens the storage the config names. The core only ever sees the Storage interface. */
export async function openStorage(config: StorageConfig, log: Logger): Promise<Storage> {
  switch (config.type) {
    case "sqlite":
      return openSqliteStorage({ path: config.path, log });
    case "postgresql":
      return openPostgresStorage({
        haEnabled: config.haEnabled,
        connectionUrl: config.connectionUrl,
        tablePrefix: config.tablePrefix,
        maxConnections: config.maxConnections,
        log,
      });
  }
}

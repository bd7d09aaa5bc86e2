/**
 * The project's end-to-end harness: the public test kit (warden/sdk/testing), plus the storage
 * switch of this repository's CI. With WARDEN_TEST_STORAGE=postgresql every server runs on a
 * throw-away PostgreSQL database per data directory (so a restart test that reuses its directory
 * reopens the same database). Anything else than "sqlite" or "postgresql" is a typo and fails loudly.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestServer, type TestServerOptions, startTestServer as startKitServer } from "../../src/sdk/testing/server.js";
import { dropDatabase, ensureDatabase } from "./pg.js";

export type { RequestOptions, TestResponse, TestServer, TestServerOptions } from "../../src/sdk/testing/server.js";

export const TEST_STORAGE: "sqlite" | "postgresql" = (() => {
  const v = process.env.WARDEN_TEST_STORAGE ?? "sqlite";
  if (v !== "sqlite" && v !== "postgresql") throw new Error(`WARDEN_TEST_STORAGE must be "sqlite" or "postgresql", not ${JSON.stringify(v)}`);
  return v;
})();

/** Databases of data directories the harness did not create: dropped when the test process is done. */
const lingering = new Set<string>();
process.once("beforeExit", () => {
  void Promise.allSettled([...lingering].map((name) => dropDatabase(name)));
});

const pgDatabaseFor = (dataDir: string): string => `warden_test_${createHash("sha256").update(dataDir).digest("hex").slice(0, 20)}`;

/** startTestServer of the kit, on the storage TEST_STORAGE names. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  if (TEST_STORAGE === "sqlite") return startKitServer(opts);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "warden-test-"));
  const database = pgDatabaseFor(dataDir);
  // A directory the harness just made is new, so its database must be too (not one left by a crash).
  if (!opts.dataDir) await dropDatabase(database);
  else lingering.add(database);
  const db = await ensureDatabase(database);
  const server = await startKitServer({
    ...opts,
    dataDir,
    configure: (config) => {
      config.storage = { type: "postgresql", connectionUrl: db.url, tablePrefix: "warden", maxConnections: 8, haEnabled: false };
      opts.configure?.(config);
    },
  });
  const close = server.close.bind(server);
  server.close = async () => {
    await close();
    if (!opts.dataDir) {
      rmSync(dataDir, { recursive: true, force: true });
      await dropDatabase(database);
    }
  };
  return server;
}

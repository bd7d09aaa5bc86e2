import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinPlugins } from "../../plugins/index.js";
import { type ServerConfig, devServerConfig } from "../../src/config/server-config.js";
import type { PluginDefinition } from "../../src/sdk/plugin.js";
import { type RunningServer, startServer } from "../../src/server/boot.js";
import pg from "pg";
import { dropDatabase, ensureDatabase } from "./pg.js";

/**
 * The storage every test server runs on: SQLite (default) or, with WARDEN_TEST_STORAGE=postgresql, a
 * throw-away PostgreSQL database per data directory (so a restart test that reuses its directory
 * reopens the same database). Anything else is a typo and fails loudly.
 */
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

function pgDatabaseFor(dataDir: string): string {
  return `warden_test_${createHash("sha256").update(dataDir).digest("hex").slice(0, 20)}`;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: any;
  text: string;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Raw body text (sent as is). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface TestServer {
  url: string;
  rootToken: string;
  /**
   * Temporary directory of the server. Under SQLite it holds the database file; under PostgreSQL it
   * holds no database (tests that scan it for secrets then scan nothing of the storage).
   */
  dataDir: string;
  /** Which storage this server runs on (see TEST_STORAGE). */
  storage: "sqlite" | "postgresql";
  /**
   * Everything the storage holds, as text, for leak scans that must work on both backends: the SQLite
   * files (latin1) or every row of the PostgreSQL tables (as row text).
   */
  storageText(): Promise<string>;
  server: RunningServer;
  /** Captured log lines (JSON text) of the server. */
  logs: string[];
  request(method: string, path: string, opts?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  plugins?: readonly PluginDefinition[];
  configure?: (config: ServerConfig) => void;
  policyDir?: string | null;
  /** Reuse a data directory (restart tests). */
  dataDir?: string;
  /** Do not call sys/init (init tests). */
  skipInit?: boolean;
}

/**
 * A real warden server on 127.0.0.1 (random port) over a real SQLite file in a temporary directory
 * (or a throw-away PostgreSQL database, see TEST_STORAGE), initialised with a root token. Requests go
 * over real HTTP.
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "warden-test-"));
  const config = devServerConfig({ listenAddress: "127.0.0.1:0", dataDir });
  config.logLevel = "debug";
  let pgDatabase: string | undefined;
  if (TEST_STORAGE === "postgresql") {
    pgDatabase = pgDatabaseFor(dataDir);
    // A directory the harness just made is new, so its database must be too (not one left by a crash).
    if (!opts.dataDir) await dropDatabase(pgDatabase);
    else lingering.add(pgDatabase);
    const db = await ensureDatabase(pgDatabase);
    config.storage = { type: "postgresql", connectionUrl: db.url, tablePrefix: "warden", maxConnections: 8, haEnabled: false };
  }
  opts.configure?.(config);
  const storageText = async (): Promise<string> => {
    if (config.storage.type === "sqlite") {
      const dir = config.storage.path.replace(/[^/]*$/, "");
      const base = config.storage.path.slice(dir.length);
      return readdirSync(dir)
        .filter((f) => f.startsWith(base))
        .map((f) => readFileSync(join(dir, f)).toString("latin1"))
        .join("\n");
    }
    const c = new pg.Client({ connectionString: config.storage.connectionUrl });
    await c.connect();
    try {
      const { rows } = await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
      const parts: string[] = [];
      for (const { tablename } of rows) {
        const r = await c.query<{ t: string }>(`SELECT coalesce(string_agg(x::text, E'\\n'), '') AS t FROM "${tablename}" x`);
        parts.push(r.rows[0]!.t);
      }
      return parts.join("\n");
    } finally {
      await c.end();
    }
  };
  const logs: string[] = [];
  const server = await startServer({ config, plugins: opts.plugins ?? builtinPlugins, policyDir: opts.policyDir ?? null, logSink: (l) => logs.push(l) });
  const request = async (method: string, path: string, ro: RequestOptions = {}): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...ro.headers };
    const token = ro.token === undefined ? rootToken : ro.token;
    if (token) headers["x-vault-token"] = token;
    let body: string | undefined = ro.raw;
    if (body === undefined && ro.body !== undefined) {
      body = JSON.stringify(ro.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${server.url}/v1/${path.replace(/^\//, "")}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  let rootToken = "";
  if (!opts.skipInit && !(await server.core.initialized())) rootToken = (await server.core.init()).rootToken;
  return {
    url: server.url,
    get rootToken() {
      return rootToken;
    },
    set rootToken(v: string) {
      rootToken = v;
    },
    dataDir,
    storage: TEST_STORAGE,
    storageText,
    server,
    logs,
    request,
    async close() {
      await server.close();
      if (!opts.dataDir) {
        rmSync(dataDir, { recursive: true, force: true });
        if (pgDatabase) await dropDatabase(pgDatabase);
      }
    },
  } as TestServer;
}

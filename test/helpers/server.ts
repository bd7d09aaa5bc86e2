import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinPlugins } from "../../plugins/index.js";
import { type ServerConfig, devServerConfig } from "../../src/config/server-config.js";
import type { PluginDefinition } from "../../src/sdk/plugin.js";
import { type RunningServer, startServer } from "../../src/server/boot.js";

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
  dataDir: string;
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
 * A real warden server on 127.0.0.1 (random port) over a real SQLite file in a temporary directory,
 * initialised with a root token. Requests go over real HTTP.
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "warden-test-"));
  const config = devServerConfig({ listenAddress: "127.0.0.1:0", dataDir });
  config.logLevel = "debug";
  opts.configure?.(config);
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
    server,
    logs,
    request,
    async close() {
      await server.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  } as TestServer;
}

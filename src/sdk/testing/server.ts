import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { builtinPluginSources } from "../../../plugins/builtin.js";
import { type ServerConfig, devServerConfig } from "../../config/server-config.js";
import { type RunningServer, startServer } from "../../server/boot.js";
import type { AnyPlugin } from "../plugin.js";
import type { LoginAuth } from "./assertions.js";
import { TestClock } from "./clock.js";

export interface TestResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export interface RequestOptions {
  /** Token sent as X-Vault-Token; default the root token, null for none. */
  token?: string | null;
  body?: unknown;
  /** Raw body text (sent as is). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface TestServer {
  /** "http://127.0.0.1:<port>" */
  url: string;
  rootToken: string;
  /** The unseal key shares (base64) of a Shamir-sealed server the kit initialised; [] for auto seals. */
  readonly unsealKeys: string[];
  /** Temporary directory of the server (the SQLite file lives here unless storage was changed). */
  dataDir: string;
  /** Which storage the server runs on. */
  storage: "sqlite" | "postgresql";
  /** Everything the storage holds, as text: for scans proving a secret is never stored. */
  storageText(): Promise<string>;
  server: RunningServer;
  /** Captured log lines (JSON text) of the server. */
  logs: string[];
  /**
   * The server's clock: `clock.advance(2_000)` moves every TTL, expiry and lockout window 2 s on,
   * so a test never sleeps for time to pass.
   */
  clock: TestClock;
  /** Any request over real HTTP: `request("PUT", "auth/k8s/role/dev", { body })`. */
  request(method: string, path: string, opts?: RequestOptions): Promise<TestResponse>;
  read(path: string, token?: string | null): Promise<TestResponse>;
  /** PUT with a JSON body. */
  write(path: string, body?: Record<string, unknown>, token?: string | null): Promise<TestResponse>;
  list(path: string, token?: string | null): Promise<TestResponse>;
  delete(path: string, token?: string | null): Promise<TestResponse>;
  /** Enables an auth method (`type`) at auth/<path>; throws unless the server answers 204. */
  enableAuth(path: string, type: string, config?: Record<string, unknown>): Promise<void>;
  /** Logs in (no token sent) and returns the auth block; throws, with the server's errors, unless 200. */
  login(path: string, body: Record<string, unknown>): Promise<LoginAuth>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Auth method types the server knows (default: warden's builtin ones). Add your plugin here. */
  plugins?: readonly AnyPlugin[];
  /** Mounts enabled after init: `{ k8s: "kubernetes" }` or `{ k8s: { type, config } }`. */
  mounts?: Record<string, string | { type: string; config?: Record<string, unknown> }>;
  /** Adjust the server config (plugin directory, deadlines, storage...) before the server starts. */
  configure?: (config: ServerConfig) => void;
  /** Policy files loaded at boot (default none). */
  policyDir?: string | null;
  /** Reuse a data directory (restart tests): it is then not deleted on close. */
  dataDir?: string;
  /**
   * Do not initialise nor unseal (init and seal tests). Otherwise the kit initialises a new server (Shamir: one share,
   * kept in the data directory so a restart on it unseals again) and waits until it is unsealed.
   */
  skipInit?: boolean;
  /** The server's clock (default a new TestClock, on real time until advanced). */
  clock?: TestClock;
}

/**
 * A real warden server in this process, on 127.0.0.1 (random port), over a temporary SQLite file,
 * initialised with a root token. Requests go over real HTTP, through the same pipeline as in
 * production: ACLs, the mount's storage view, its outbound allow-list, deadlines and audit.
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "warden-test-"));
  const config = devServerConfig({ listenAddress: "127.0.0.1:0", dataDir });
  config.logLevel = "debug";
  opts.configure?.(config);
  const logs: string[] = [];
  const clock = opts.clock ?? new TestClock();
  const server = await startServer({ config, plugins: opts.plugins ?? builtinPluginSources, policyDir: opts.policyDir ?? null, logSink: (l) => logs.push(l), clock });
  let rootToken = "";
  let unsealKeys: string[] = [];
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
  const expect = (r: TestResponse, status: number, what: string): void => {
    if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${r.text}`);
  };
  if (!opts.skipInit) {
    try {
      const u = await initAndUnseal(server, dataDir);
      rootToken = u.rootToken;
      unsealKeys = u.unsealKeys;
    } catch (e) {
      await server.close();
      throw e;
    }
  }
  const t: TestServer = {
    url: server.url,
    get rootToken() {
      return rootToken;
    },
    set rootToken(v: string) {
      rootToken = v;
    },
    get unsealKeys() {
      return unsealKeys;
    },
    dataDir,
    storage: config.storage.type,
    storageText: () => storageText(config),
    server,
    logs,
    clock,
    request,
    read: (path, token) => request("GET", path, { token }),
    write: (path, body = {}, token) => request("PUT", path, { body, token }),
    list: (path, token) => request("GET", `${path}${path.includes("?") ? "&" : "?"}list=true`, { token }),
    delete: (path, token) => request("DELETE", path, { token }),
    async enableAuth(path, type, mountConfig) {
      expect(await request("POST", `sys/auth/${path}`, { body: { type, config: mountConfig } }), 204, `enabling ${type} at auth/${path}`);
    },
    async login(path, body) {
      const r = await request("PUT", path, { body, token: null });
      expect(r, 200, `login at ${path}`);
      return r.body.auth as LoginAuth;
    },
    async close() {
      await server.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  for (const [path, m] of Object.entries(opts.mounts ?? {})) {
    await t.enableAuth(path, typeof m === "string" ? m : m.type, typeof m === "string" ? undefined : m.config);
  }
  return t;
}

const KEY_FILE = ".warden-test-unseal-key";

/** Init (first start) and unseal: the Shamir share from the data directory, or the auto seal by itself. */
async function initAndUnseal(server: RunningServer, dataDir: string): Promise<{ rootToken: string; unsealKeys: string[] }> {
  const seal = server.seal;
  const keyFile = join(dataDir, KEY_FILE);
  let rootToken = "";
  if (!(await seal.initialized())) {
    const r = await seal.init({ secret_shares: 1, secret_threshold: 1 });
    rootToken = r.root_token;
    if (r.keys_base64.length > 0) writeFileSync(keyFile, r.keys_base64[0]!, { mode: 0o600 });
  }
  const unsealKeys = existsSync(keyFile) ? [readFileSync(keyFile, "utf8")] : [];
  if (seal.sealed && seal.type === "shamir" && unsealKeys.length > 0) await seal.unseal({ key: unsealKeys[0] });
  // An auto seal unseals itself in the background: wait for it (polling, never a fixed sleep).
  const deadline = Date.now() + 30_000;
  while (seal.sealed) {
    if (Date.now() > deadline) throw new Error("test server: still sealed after 30 s");
    await new Promise((r) => setTimeout(r, 10));
  }
  return { rootToken, unsealKeys };
}

/** The SQLite files (latin1) or every row of the PostgreSQL tables, as text. */
async function storageText(config: ServerConfig): Promise<string> {
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
}

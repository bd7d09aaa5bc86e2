/**
 * Multi-node harness: real `warden server -config=<hcl>` processes on one throw-away PostgreSQL
 * database, each on its own 127.0.0.1 port, talked to over HTTP only. A node can be put behind a TCP
 * proxy to its database, so a test can cut that node's connections without touching the machine's
 * PostgreSQL (other suites use it at the same time). Not a test file itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type Server, type Socket, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../helpers/free-port.js";
import { type ThrowawayDatabase, createThrowawayDatabase } from "../helpers/pg.js";
import { waitFor } from "../helpers/wait-for.js";

export { waitFor };

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  ms: number;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Caches follow writes made on other nodes through the change feed, a few milliseconds late (more on
 * a busy machine): a test that writes through one node and then relies on the change on the others
 * waits here until every node shows it, instead of racing the feed.
 */
export async function onEveryNode(c: Cluster, what: string, seen: (node: number) => Promise<boolean>): Promise<void> {
  await Promise.all(c.nodes.map((_, i) => waitFor(`node ${i} to see ${what}`, CONVERGE_MS, async () => (await seen(i)) || undefined, 10)));
}

/** How long a change may take to reach every node before a test gives up: generous, a busy CI machine is slow. */
export const CONVERGE_MS = 15_000;

/** Waits until every node routes the auth mount at `path` (e.g. "approle/"). */
export const mountEverywhere = (c: Cluster, path: string): Promise<void> =>
  onEveryNode(c, `the ${path} mount`, async (i) => (await c.req(i, "GET", "sys/auth")).body?.data?.[path] !== undefined);

/** Waits until every node serves the ACL policy `name` with the text it was written with. */
export const policyEverywhere = (c: Cluster, name: string, text: string): Promise<void> =>
  onEveryNode(c, `policy ${name}`, async (i) => (await c.req(i, "GET", `sys/policies/acl/${name}`)).body?.data?.policy === text);

/** A TCP relay that can drop every connection and refuse new ones, then let them through again. */
export class TcpProxy {
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private open = true;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (!this.open) {
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Every open connection is reset and new ones are closed at once: the database is "gone". */
  cut(): void {
    this.open = false;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface RequestOpts {
  token?: string | null;
  body?: unknown;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface NodeOptions {
  /** Route this node's database connections through a TcpProxy. */
  proxied?: boolean;
}

export class WardenNode {
  proc: ChildProcess | undefined;
  output = "";
  readonly url: string;
  proxy: TcpProxy | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly configPath: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  start(): void {
    this.output = "";
    const proc = spawn(process.execPath, [CLI, "server", `-config=${this.configPath}`], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout!.on("data", (d) => (this.output += d));
    proc.stderr!.on("data", (d) => (this.output += d));
    this.proc = proc;
  }

  get alive(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async waitUp(ms = 20_000): Promise<void> {
    await waitFor(`${this.name} to listen`, ms, async () => {
      if (!this.alive) throw new Error(`${this.name} exited: ${this.output.slice(-2000)}`);
      await fetch(`${this.url}/v1/sys/health`);
      return true;
    });
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill(signal);
    await Promise.race([exited, sleep(10_000)]);
    if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  }

  async request(method: string, path: string, opts: RequestOpts = {}): Promise<Reply> {
    const started = Date.now();
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers["x-vault-token"] = opts.token;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    const r = await fetch(`${this.url}/v1/${path}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await r.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: r.status, body, ms: Date.now() - started };
  }
}

export interface Cluster {
  db: ThrowawayDatabase;
  nodes: WardenNode[];
  root: string;
  /** Request on node i with the root token unless another is given. */
  req(i: number, method: string, path: string, opts?: RequestOpts): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * Starts `count` nodes on one fresh database (all at once: migrations must cope), initialises
 * through node 0 and returns the root token.
 */
export async function startCluster(count: number, opts: { haEnabled?: boolean; proxied?: number[]; pluginDirectory?: string } = {}): Promise<Cluster> {
  const db = await createThrowawayDatabase();
  const dir = mkdtempSync(join(tmpdir(), "warden-cluster-"));
  const dbUrl = new URL(db.url);
  const nodes: WardenNode[] = [];
  // Every node unseals itself with one static seal key (as OpenBao's static seal), so a node is
  // usable as soon as the cluster is initialised, and again after a restart.
  const sealKey = join(dir, "seal.key");
  writeFileSync(sealKey, randomBytes(32).toString("hex"), { mode: 0o600 });
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    let url = db.url;
    let proxy: TcpProxy | undefined;
    if (opts.proxied?.includes(i)) {
      proxy = new TcpProxy(dbUrl.hostname, Number(dbUrl.port || 5432));
      await proxy.start();
      const u = new URL(db.url);
      u.hostname = "127.0.0.1";
      u.port = String(proxy.port);
      url = u.toString();
    }
    const config = join(dir, `node${i}.hcl`);
    writeFileSync(
      config,
      [
        `api_addr = "http://127.0.0.1:${port}"`,
        `log_level = "warn"`,
        ...(opts.pluginDirectory ? [`plugin_directory = ${JSON.stringify(opts.pluginDirectory)}`] : []),
        `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}`,
        `storage "postgresql" {\n  connection_url = "${url}"\n  max_connections = 8\n  ha_enabled = ${opts.haEnabled ?? true}\n}`,
        `seal "static" {\n  current_key_id = "cluster-key-1"\n  current_key = "file://${sealKey}"\n}`,
        "",
      ].join("\n"),
    );
    const node = new WardenNode(`node${i}`, port, config);
    node.proxy = proxy;
    nodes.push(node);
  }
  for (const n of nodes) n.start();
  try {
    await Promise.all(nodes.map((n) => n.waitUp()));
    const init = await nodes[0]!.request("POST", "sys/init", { body: {} });
    if (init.status !== 200) throw new Error(`init: ${init.status} ${JSON.stringify(init.body)}`);
    const root = init.body.root_token as string;
    await Promise.all(nodes.map((n) => waitFor(`${n.name} to unseal`, CONVERGE_MS, async () => (await n.request("GET", "sys/seal-status")).body?.sealed === false)));
    // Nodes campaign for leadership once unsealed: wait until one holds it, as before the seal existed.
    if (opts.haEnabled ?? true) {
      await waitFor("a leader", CONVERGE_MS, async () => (await Promise.all(nodes.map(async (n) => (await n.request("GET", "sys/leader")).body?.is_self === true))).some(Boolean));
    }
    return {
      db,
      nodes,
      root,
      req: (i, method, path, o = {}) => nodes[i]!.request(method, path, { ...o, token: o.token === undefined ? root : o.token }),
      async close() {
        await Promise.all(nodes.map((n) => n.stop()));
        await Promise.all(nodes.map((n) => n.proxy?.close()));
        await db.drop().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop("SIGKILL")));
    await db.drop().catch(() => undefined);
    throw new Error(`${String(e)}\n${nodes.map((n) => `--- ${n.name}\n${n.output.slice(-3000)}`).join("\n")}`);
  }
}

/**
 * Test-only helpers: an in-memory StorageView with real claimOnce semantics, a recording logger, and
 * a way to drive a path handler the way the core does (field parsing included). Not imported by the
 * plugin itself.
 */
import {
  createHttpClient,
  parseFields,
  type HandlerResult,
  type HttpClient,
  type Logger,
  type Operation,
  type PathDefinition,
  type PluginRequest,
  type StorageView,
} from "warden/sdk";

export class MemoryStorage implements StorageView {
  readonly data = new Map<string, string>();
  readonly claims = new Map<string, number>();
  now = (): number => Date.now();

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const v = this.data.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  async put(key: string, value: unknown): Promise<void> {
    this.data.set(key, JSON.stringify(value));
  }
  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for (const k of this.data.keys()) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const slash = rest.indexOf("/");
      out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...out].sort();
  }
  // Synchronous check-and-set: the atomicity the real store gets from one SQL statement.
  async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    const until = this.claims.get(key);
    if (until !== undefined && until > this.now()) return false;
    this.claims.set(key, this.now() + ttlSeconds * 1000);
    return true;
  }
}

export interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export function recordingLogger(): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, fields });
  };
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    text: () => JSON.stringify(lines),
  };
}

export interface Harness {
  storage: MemoryStorage;
  http: HttpClient;
  log: ReturnType<typeof recordingLogger>;
  clientAddress: string | undefined;
  call(path: PathDefinition<any>, op: Operation, input: object): Promise<HandlerResult | void>;
  exists(path: PathDefinition<any>, input: object): Promise<boolean>;
}

export function harness(opts: { timeoutMs?: number } = {}): Harness {
  const storage = new MemoryStorage();
  const http = createHttpClient({ timeoutMs: opts.timeoutMs ?? 2000 });
  const log = recordingLogger();
  const build = (path: PathDefinition<any>, op: Operation, input: object): PluginRequest<any> => {
    const parsed = parseFields(path.fields, input as Record<string, unknown>);
    return {
      operation: op,
      path: path.pattern,
      data: parsed.values,
      has: (f: string) => parsed.supplied.has(f),
      storage,
      mount: { path: "auth/alicloud/", type: "alicloud", accessor: "auth_alicloud_test" },
      clientAddress: h.clientAddress,
      requestHost: "127.0.0.1:8200",
      http,
      log,
    };
  };
  const h: Harness = {
    storage,
    http,
    log,
    clientAddress: "127.0.0.1",
    async call(path, op, input) {
      const handler = path.operations[op];
      if (!handler) throw new Error(`no ${op} handler on ${path.pattern}`);
      return handler(build(path, op, input));
    },
    async exists(path, input) {
      return path.existenceCheck ? path.existenceCheck(build(path, "update", input)) : false;
    },
  };
  return h;
}

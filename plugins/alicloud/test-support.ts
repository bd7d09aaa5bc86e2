/**
 * Test-only helpers: an in-memory StorageView with real claimOnce semantics, a recording logger, and
 * a way to drive a path handler the way the core does (field parsing included). Not imported by the
 * plugin itself.
 */
import { MemoryStorage } from "warden/sdk/testing";
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

export { MemoryStorage };

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

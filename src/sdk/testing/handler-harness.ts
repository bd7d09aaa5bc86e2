import { randomUUID } from "node:crypto";
import { PathMatcher } from "../../core/framework/path-matcher.js";
import { type Clock, systemClock } from "../clock.js";
import { WardenError } from "../errors.js";
import { parseFields } from "../fields.js";
import { type HttpClient, createHttpClient } from "../http-client.js";
import type { PluginFactory, PluginInstance } from "../mount-instance.js";
import type { AnyPathDefinition, HandlerResult, Logger, MountInfo, Operation, PluginDefinition, PluginRequest } from "../plugin.js";
import { MemoryStorage } from "./memory-storage.js";

export interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export type RecordingLogger = Logger & { lines: LogLine[]; text(): string };

/** A Logger that keeps every line, so tests can assert what a plugin logged (and what it did not). */
export function recordingLogger(): RecordingLogger {
  const lines: LogLine[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, fields });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), text: () => JSON.stringify(lines) };
}

export interface HandlerHarnessOptions {
  /** The auth method type the mount is of ("alicloud"): names the mount path and accessor. */
  type: string;
  /** Mount accessor; default `auth_<type>_test`. */
  accessor?: string;
  /**
   * The plugin whose paths `route` resolves. A factory (`setup`) is set up once, on first use, over
   * the harness' storage, client and logger, as the core sets up a mount.
   */
  plugin?: Pick<PluginDefinition, "paths"> | PluginFactory;
  /** Outbound timeout of the harness' HTTP client (default 2 s). */
  timeoutMs?: number;
  /** The mount's outbound allow-list, as the core applies it (given the harness' storage). */
  allowOrigin?: (origin: string, storage: MemoryStorage) => boolean | Promise<boolean>;
  /** The clock a factory's setup gets (a TestClock to move time on; default the system clock). */
  clock?: Clock;
}

export interface HandlerHarness {
  storage: MemoryStorage;
  http: HttpClient;
  log: RecordingLogger;
  mount: MountInfo;
  /** The mount's clock (MountContext.clock): the option's, or the system clock. */
  clock: Clock;
  clientAddress: string | undefined;
  requestHost: string;
  /** Runs one operation of a path, its fields parsed as the core parses them. */
  call(path: AnyPathDefinition, op: Operation, input?: object): Promise<HandlerResult | void>;
  /** The path's existence check (false when it has none). */
  exists(path: AnyPathDefinition, input?: object): Promise<boolean>;
  /** The login role the path's resolveRole names for this input (undefined when it has none). */
  resolveRole(path: AnyPathDefinition, input?: object): Promise<string | undefined>;
  /**
   * Routes like the core: the plugin's patterns (URL captures override the body), a trailing "/" for
   * lists, "write" deciding create or update through the existence check, 404/405 WardenErrors.
   */
  route(op: Operation | "write", path: string, input?: object): Promise<HandlerResult | void>;
  /** The mount's instance (a factory's setup result; paths only for the older shape). */
  instance(): Promise<PluginInstance>;
}

/**
 * Calls a plugin's handlers directly, as the core would, over an in-memory storage view: the unit
 * test counterpart of startTestServer.
 */
export function handlerHarness(opts: HandlerHarnessOptions): HandlerHarness {
  const storage = new MemoryStorage();
  const allow = opts.allowOrigin;
  const http = createHttpClient({ timeoutMs: opts.timeoutMs ?? 2000, ...(allow ? { allowOrigin: (o: string) => allow(o, storage) } : {}) });
  const log = recordingLogger();
  const mount: MountInfo = { path: `auth/${opts.type}/`, type: opts.type, accessor: opts.accessor ?? `auth_${opts.type}_test` };
  const clock = opts.clock ?? systemClock;
  const plugin = opts.plugin;
  let instance: Promise<PluginInstance> | undefined;
  const instanceOf = (): Promise<PluginInstance> => {
    if (!plugin) return Promise.reject(new Error("handlerHarness: this needs the plugin option"));
    const settings = { description: "", defaultLeaseTtl: 0, maxLeaseTtl: 0 };
    instance ??= "setup" in plugin ? Promise.resolve().then(() => plugin.setup({ mount, storage, http, log, settings, clock })) : Promise.resolve({ paths: plugin.paths });
    return instance;
  };
  let matcher: PathMatcher<AnyPathDefinition> | undefined;
  const build = (path: AnyPathDefinition, op: Operation, input: Record<string, unknown>, requestPath = path.pattern): PluginRequest<any> => {
    const parsed = parseFields(path.fields, input);
    return {
      operation: op,
      path: requestPath,
      data: parsed.values,
      has: (f: string) => parsed.supplied.has(f),
      storage,
      mount,
      clientAddress: h.clientAddress,
      requestHost: h.requestHost,
      http,
      log,
    };
  };
  const h: HandlerHarness = {
    storage,
    http,
    log,
    mount,
    clock,
    clientAddress: "127.0.0.1",
    requestHost: "127.0.0.1:8200",
    async call(path, op, input = {}) {
      const handler = path.operations[op];
      if (!handler) throw new Error(`no ${op} handler on ${path.pattern}`);
      return handler(build(path, op, input as Record<string, unknown>));
    },
    async exists(path, input = {}) {
      return path.existenceCheck ? path.existenceCheck(build(path, "update", input as Record<string, unknown>)) : false;
    },
    async resolveRole(path, input = {}) {
      return path.resolveRole ? path.resolveRole(build(path, "update", input as Record<string, unknown>)) : undefined;
    },
    async route(op, path, input = {}) {
      matcher ??= new PathMatcher(await instanceOf());
      const m = matcher.match(op === "list" && !path.endsWith("/") ? `${path}/` : path);
      if (!m) throw new WardenError(404, "unsupported path");
      const def = m.path.def;
      // The canonical remainder (case-folding captures folded), as the core hands it to handlers.
      const req = build(def, op === "write" ? "update" : op, { ...input, ...m.captures }, m.remainder);
      if (op === "write") req.operation = def.existenceCheck && !(await def.existenceCheck(req)) ? "create" : "update";
      const handler = def.operations[req.operation] ?? (req.operation === "create" ? def.operations.update : undefined);
      if (!handler) throw new WardenError(405, "unsupported operation");
      return handler(req);
    },
    instance: instanceOf,
  };
  return h;
}

/** A fresh accessor per harness, for plugins that key caches by their mount. */
export const uniqueAccessor = (type: string): string => `auth_${type}_${randomUUID().slice(0, 8)}`;

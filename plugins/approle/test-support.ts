/**
 * Test-only: drives approle path handlers the way the core does (field parsing, captures, the
 * existence check picking create or update), over the SDK's in-memory storage, with a recording
 * logger. Not imported by the plugin itself.
 */
import { MemoryStorage } from "warden/sdk/testing";
import {
  WardenError,
  createHttpClient,
  parseFields,
  type AnyPathDefinition,
  type HandlerResult,
  type Logger,
  type Operation,
  type PluginRequest,
} from "warden/sdk";
import * as assert from "uvu/assert";
import { approlePlugin } from "./backend.js";
import { compileMatcher } from "./test-matcher.js";

export { MemoryStorage };

export function recordingLogger(): Logger & { text(): string } {
  const lines: unknown[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields });
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), text: () => JSON.stringify(lines) };
}

export interface Harness {
  storage: MemoryStorage;
  log: ReturnType<typeof recordingLogger>;
  clientAddress: string | undefined;
  /** `op` on a path inside the mount ("role/dev/secret-id"); "write" runs the existence check. */
  call(op: Operation | "write", path: string, input?: object): Promise<HandlerResult | void>;
  data(op: Operation | "write", path: string, input?: object): Promise<Record<string, unknown>>;
}

const match = compileMatcher(approlePlugin.paths);

export function harness(): Harness {
  const storage = new MemoryStorage();
  const log = recordingLogger();
  const http = createHttpClient({ timeoutMs: 1000 });
  const h: Harness = {
    storage,
    log,
    clientAddress: "127.0.0.1",
    async call(op, path, input = {}) {
      const m = match(op === "list" && !path.endsWith("/") ? `${path}/` : path);
      if (!m) throw new WardenError(404, "unsupported path");
      const def: AnyPathDefinition = m.def;
      const parsed = parseFields(def.fields, { ...input, ...m.captures });
      const req: PluginRequest<any> = {
        operation: op === "write" ? "update" : op,
        path,
        data: parsed.values,
        has: (f: string) => parsed.supplied.has(f),
        storage,
        mount: { path: "auth/approle/", type: "approle", accessor: "auth_approle_test" },
        clientAddress: h.clientAddress,
        requestHost: "127.0.0.1:8200",
        http,
        log,
      };
      if (op === "write") req.operation = def.existenceCheck && !(await def.existenceCheck(req)) ? "create" : "update";
      const handler = def.operations[req.operation as Operation] ?? (req.operation === "create" ? def.operations.update : undefined);
      if (!handler) throw new WardenError(405, "unsupported operation");
      return handler(req);
    },
    async data(op, path, input) {
      const r = await h.call(op, path, input);
      return (r && r.data) ?? {};
    },
  };
  return h;
}

/** Asserts the promise fails with a WardenError of this status (and message, when given). */
export async function fails(p: Promise<unknown>, status: number, message?: string | RegExp): Promise<WardenError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof WardenError)) throw e;
    assert.is(e.status, status, e.message);
    if (typeof message === "string") assert.is(e.message, message);
    else if (message) assert.match(e.message, message);
    return e;
  }
  return assert.unreachable("expected an error") as never;
}

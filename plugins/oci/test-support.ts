/**
 * Test-only helpers: drive a path handler the way the core does (field parsing included) over the
 * SDK's in-memory StorageView, with a recording logger. Not imported by the plugin itself.
 */
import { MemoryStorage } from "warden/sdk/testing";
import { createHttpClient, parseFields, type HandlerResult, type Logger, type Operation, type PathDefinition, type PluginRequest } from "warden/sdk";

export function recordingLogger(): Logger & { text(): string } {
  const lines: unknown[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, fields });
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), text: () => JSON.stringify(lines) };
}

export function harness(opts: { timeoutMs?: number } = {}) {
  const storage = new MemoryStorage();
  const http = createHttpClient({ timeoutMs: opts.timeoutMs ?? 2000 });
  const log = recordingLogger();
  return {
    storage,
    log,
    requestHost: "127.0.0.1:8200",
    async call(path: PathDefinition<any>, op: Operation, input: object): Promise<HandlerResult | void> {
      const handler = path.operations[op];
      if (!handler) throw new Error(`no ${op} handler on ${path.pattern}`);
      const parsed = parseFields(path.fields, input as Record<string, unknown>);
      const req: PluginRequest<any> = {
        operation: op,
        path: path.pattern,
        data: parsed.values,
        has: (f: string) => parsed.supplied.has(f),
        storage,
        mount: { path: "auth/oci/", type: "oci", accessor: "auth_oci_test" },
        clientAddress: "127.0.0.1",
        requestHost: this.requestHost,
        http,
        log,
      };
      return handler(req);
    },
  };
}

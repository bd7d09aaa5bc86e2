// Out-of-tree plugin modules for the catalog tests, written as built JS files into a temporary
// plugin_directory, exactly as an operator would drop a plugin's dist/index.js there.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pluginSha256 } from "../../src/sdk/testing/pin.js";
import { type TestServer, startTestServer } from "../helpers/server.js";

/**
 * A probe plugin: `hello` answers its marker; `kv/:key` reads and writes its storage; `crash`,
 * `hang` and `float` misbehave; `exists/:key` answers its existence check without a promise ("present"
 * exists) and `exists-throws`' check throws without one; `fetch` calls out through the mount's
 * HttpClient (allowed: the declared host "allowed.example" and whatever the mount's stored `endpoint` names).
 */
export function probeSource(type: string, marker: string, sdkVersion = "SDK_VERSION"): string {
  return `import { badRequest, definePath, definePlugin, SDK_VERSION } from "warden/sdk";
let calls = 0;
const hello = definePath({ pattern: "hello", fields: {}, operations: { read: async () => ({ data: { marker: ${JSON.stringify(marker)}, calls: ++calls } }) } });
const kv = definePath({
  pattern: "kv/:key",
  fields: { key: { type: "string" }, value: { type: "string" } },
  operations: {
    read: async (req) => {
      const value = await req.storage.get(req.data.key);
      return value === undefined ? undefined : { data: { value } };
    },
    update: async (req) => { await req.storage.put(req.data.key, req.data.value); },
  },
});
const crash = definePath({ pattern: "crash", fields: {}, operations: { read: async () => { throw new TypeError("boom: secret internals"); } } });
const refuse = definePath({ pattern: "refuse", fields: {}, operations: { read: async () => { throw badRequest("refused by the probe"); } } });
const hang = definePath({ pattern: "hang", fields: {}, operations: { read: () => new Promise(() => {}) } });
const float = definePath({ pattern: "float", fields: {}, operations: { read: async () => { Promise.reject(new Error("forgotten await")); return { data: { ok: true } }; } } });
const exists = definePath({
  pattern: "exists/:key",
  fields: { key: { type: "string" } },
  existenceCheck: (req) => req.data.key === "present",
  operations: { create: async () => ({ data: { op: "create" } }), update: async () => ({ data: { op: "update" } }) },
});
const existsThrows = definePath({
  pattern: "exists-throws",
  fields: {},
  existenceCheck: () => { throw new TypeError("boom: a check that throws at once"); },
  operations: { create: async () => ({ data: { op: "create" } }) },
});
const fetchPath = definePath({
  pattern: "fetch",
  fields: { url: { type: "string" } },
  operations: { update: async (req) => ({ data: { status: (await req.http.request({ method: "GET", url: req.data.url })).status } }) },
});
export default definePlugin({
  type: ${JSON.stringify(type)},
  sdkVersion: ${sdkVersion},
  description: "catalog test probe",
  paths: [hello, kv, crash, refuse, hang, float, exists, existsThrows, fetchPath],
  outboundHosts: ["allowed.example"],
  configuredEndpoints: async ({ storage }) => [await storage.get("endpoint")],
});
`;
}

export interface PluginDir {
  dir: string;
  /** Writes a file into the directory and returns its sha256. */
  put(name: string, text: string): string;
}

export function pluginDir(): PluginDir {
  const dir = mkdtempSync(join(tmpdir(), "warden-plugin-dir-"));
  return {
    dir,
    put(name, text) {
      writeFileSync(join(dir, name), text);
      // As an operator deploys it: only the owner may write (the server refuses anything else).
      chmodSync(join(dir, name), 0o644);
      return pluginSha256(join(dir, name));
    },
  };
}

/** A test server whose config file names `dir` as plugin_directory. */
export function serverWithPlugins(dir: string, extra: { dataDir?: string; deadlineMs?: number } = {}): Promise<TestServer> {
  return startTestServer({
    dataDir: extra.dataDir,
    configure: (c) => {
      c.pluginDirectory = dir;
      if (extra.deadlineMs) c.pluginDeadlineMs = extra.deadlineMs;
    },
  });
}

export async function register(s: TestServer, name: string, command: string, sha256: string, version = "v1.0.0") {
  return s.request("PUT", `sys/plugins/catalog/auth/${name}`, { body: { sha256, command, version } });
}

/**
 * A plugin that issues tokens: `login` (unauthenticated) mints one for `name` with a 10 minute TTL,
 * renew grants 10 more minutes, `hello` answers its marker. For the mount recovery tests.
 */
export function issuingSource(type: string, marker: string): string {
  return `import { definePath, definePlugin, emptyTokenParams, SDK_VERSION } from "warden/sdk";
const login = definePath({
  pattern: "login",
  fields: { name: { type: "string", required: true } },
  unauthenticated: true,
  operations: {
    update: async (req) => ({ auth: { alias: { name: req.data.name }, displayName: req.data.name, token: { ...emptyTokenParams(), ttl: 600, maxTtl: 3600 } } }),
  },
});
const hello = definePath({ pattern: "hello", fields: {}, operations: { read: async () => ({ data: { marker: ${JSON.stringify(marker)} } }) } });
export default definePlugin({
  type: ${JSON.stringify(type)},
  sdkVersion: SDK_VERSION,
  description: "token-issuing probe",
  setup: () => ({ paths: [login, hello], renew: async () => ({ ttl: 600 }) }),
});
`;
}

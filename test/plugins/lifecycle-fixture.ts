// A catalog plugin (built JS source, as an operator drops it into plugin_directory) that reports its
// lifecycle: every setup, cleanup, invalidate and tuned call is appended as one JSON line to the file
// WARDEN_TEST_LIFECYCLE_LOG names (the test's process, or the cluster nodes it spawns, inherit it),
// and `state` answers what this very instance has seen. Not a test file itself.
import { readFileSync } from "node:fs";

export const LIFECYCLE_LOG_ENV = "WARDEN_TEST_LIFECYCLE_LOG";

export function lifecycleSource(type: string): string {
  return `import { appendFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { definePath, definePlugin, SDK_VERSION } from "warden/sdk";

export default definePlugin({
  type: ${JSON.stringify(type)},
  sdkVersion: SDK_VERSION,
  description: "lifecycle probe",
  setup({ mount, storage, settings }) {
    const instance = randomUUID();
    const record = (event, extra = {}) => {
      const file = process.env.${LIFECYCLE_LOG_ENV};
      if (file) appendFileSync(file, JSON.stringify({ event, instance, path: mount.path, pid: process.pid, ...extra }) + "\\n");
    };
    let calls = 0;
    let description = settings.description;
    const heard = [];
    record("setup");
    const state = definePath({
      pattern: "state",
      fields: {},
      operations: { read: async () => ({ data: { instance, calls: ++calls, invalidated: heard, description } }) },
    });
    const kv = definePath({
      pattern: "kv/:key",
      fields: { key: { type: "string" }, value: { type: "string" } },
      operations: {
        read: async (req) => ({ data: { value: (await storage.get(req.data.key)) ?? null } }),
        update: async (req) => { await storage.put(req.data.key, req.data.value); },
      },
    });
    return {
      paths: [state, kv],
      invalidate(key) {
        heard.push(key ?? "*");
        record("invalidate", { key: key ?? "*" });
      },
      tuned(s) {
        description = s.description;
        record("tuned", { description: s.description });
      },
      cleanup() {
        record("cleanup");
      },
    };
  },
});
`;
}

export interface LifecycleEvent {
  event: "setup" | "cleanup" | "invalidate" | "tuned";
  instance: string;
  path: string;
  pid: number;
  key?: string;
  description?: string;
}

/** The events recorded so far (an absent file: none yet). */
export function lifecycleEvents(file: string): LifecycleEvent[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as LifecycleEvent);
}

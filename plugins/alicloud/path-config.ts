/**
 * `config`: where rebuilt GetCallerIdentity requests go. Unset means the real Alibaba host the client
 * signed for (from the allow-list). `sts_endpoint` exists for emulators and private clouds; it is an
 * operator's choice, never a client's, and it is held to a bare origin so nothing of the client's
 * request can be smuggled into it.
 */
import { checkHttpUrl, definePath, type StorageView } from "warden/sdk";

export interface ConfigEntry {
  /** A bare origin: "https://sts.internal.example" or "http://127.0.0.1:9001". */
  sts_endpoint?: string;
}

const CONFIG_KEY = "config";

export async function readConfig(storage: StorageView): Promise<ConfigEntry> {
  return (await storage.get<ConfigEntry>(CONFIG_KEY)) ?? {};
}

/** A bare http(s) origin (the SDK's one check); returns the canonical origin. */
export function validateStsEndpoint(input: string): string {
  return checkHttpUrl(input, "sts_endpoint", "origin");
}

const fields = {
  sts_endpoint: {
    type: "string",
    description: "Origin (scheme://host[:port]) to send GetCallerIdentity to instead of Alibaba's STS host",
  },
} as const;

export const configPath = definePath({
  pattern: "config",
  fields,
  existenceCheck: async (req) => (await req.storage.get(CONFIG_KEY)) !== undefined,
  operations: {
    read: async (req) => {
      const cfg = await readConfig(req.storage);
      return { data: { sts_endpoint: cfg.sts_endpoint ?? "" } };
    },
    create: async (req) => writeConfig(req.storage, req.has("sts_endpoint") ? req.data.sts_endpoint : undefined),
    update: async (req) => writeConfig(req.storage, req.has("sts_endpoint") ? req.data.sts_endpoint : undefined),
    delete: async (req) => {
      await req.storage.delete(CONFIG_KEY);
    },
  },
  help: "Where warden sends the rebuilt GetCallerIdentity request (sts_endpoint; unset = Alibaba Cloud).",
});

async function writeConfig(storage: StorageView, endpoint: string | undefined): Promise<void> {
  const next: ConfigEntry = { ...(await readConfig(storage)) };
  if (endpoint !== undefined) {
    // An empty value clears the override, as Vault fields do.
    if (endpoint.trim() === "") delete next.sts_endpoint;
    else next.sts_endpoint = validateStsEndpoint(endpoint);
  }
  await storage.put(CONFIG_KEY, next);
}

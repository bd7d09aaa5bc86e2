import type { Logger, MountInfo, PluginDefinition, StorageView } from "../../sdk/plugin.js";

/**
 * The per-mount outbound allow-list, enforced inside the HttpClient a mount's plugin gets:
 *  - hosts the plugin declares (`outboundHosts`: exact names or predicates) over https on port 443;
 *  - the exact origins of the endpoints the mount's own config names (`configuredEndpoints`): an
 *    operator wrote them, so they may be http, a private address or another port (emulators, private
 *    clouds). They are read at call time, so a config change applies to the next request.
 * Everything else is refused before a socket is opened: a plugin cannot be turned into an SSRF
 * gadget towards metadata services or the cluster's internals by something a client sent.
 * The answer is given in the same call unless the configured endpoints must be read.
 */
export function mountAllowOrigin(def: Pick<PluginDefinition, "outboundHosts" | "configuredEndpoints">, storage: StorageView, mount: MountInfo, log: Logger): (origin: string) => boolean | Promise<boolean> {
  const rules = def.outboundHosts ?? [];
  // Asked once per outbound call (every cloud login): the URL parsing is memoised, the decision is
  // not. The rules run and the configured endpoints are read on every call, as before.
  const parsed = new Memo<ParsedOrigin | undefined>(parseOrigin);
  const endpointOrigins = new Memo<string | undefined>(originOf);
  const refused = (url: ParsedOrigin): false => {
    log.warn("outbound request refused by the mount's allow-list", { origin: url.origin });
    return false;
  };
  const configured = async (url: ParsedOrigin, endpoints: NonNullable<typeof def.configuredEndpoints>): Promise<boolean> => {
    try {
      // A plugin's hook that resolves to nothing configures nothing.
      for (const endpoint of (await endpoints({ storage, mount })) ?? []) {
        if (endpoint && endpointOrigins.get(endpoint) === url.origin) return true;
      }
    } catch (e) {
      log.warn("configuredEndpoints failed; treating the mount as configuring none", { error: e instanceof Error ? e.message : String(e) });
    }
    return refused(url);
  };
  return (origin) => {
    const url = parsed.get(origin);
    if (!url) return false;
    if (url.declarable) {
      for (const rule of rules) {
        try {
          if (typeof rule === "string" ? rule.toLowerCase() === url.host : rule(url.host) === true) return true;
        } catch {
          // A throwing predicate allows nothing.
        }
      }
    }
    return def.configuredEndpoints ? configured(url, def.configuredEndpoints) : refused(url);
  };
}

interface ParsedOrigin {
  origin: string;
  /** https on the default port: the only origins a declared host rule may allow. */
  declarable: boolean;
  /** Lower-cased host name. */
  host: string;
}

function parseOrigin(origin: string): ParsedOrigin | undefined {
  try {
    const url = new URL(origin);
    return { origin: url.origin, declarable: url.protocol === "https:" && url.port === "", host: url.hostname.toLowerCase() };
  } catch {
    return undefined;
  }
}

function originOf(endpoint: string): string | undefined {
  try {
    return new URL(endpoint).origin;
  } catch {
    return undefined;
  }
}

/** A bounded memo of a pure function of a string (a mount calls a handful of origins). */
class Memo<V> {
  private readonly values = new Map<string, V>();
  constructor(private readonly compute: (key: string) => V, private readonly max = 64) {}
  get(key: string): V {
    if (this.values.has(key)) return this.values.get(key)!;
    const value = this.compute(key);
    if (this.values.size >= this.max) this.values.clear();
    this.values.set(key, value);
    return value;
  }
}

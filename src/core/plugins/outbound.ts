import type { Logger, MountInfo, PluginDefinition, StorageView } from "../../sdk/plugin.js";

/**
 * The per-mount outbound allow-list, enforced inside the HttpClient a mount's plugin gets:
 *  - hosts the plugin declares (`outboundHosts`: exact names or predicates) over https on port 443;
 *  - the exact origins of the endpoints the mount's own config names (`configuredEndpoints`): an
 *    operator wrote them, so they may be http, a private address or another port (emulators, private
 *    clouds). They are read at call time, so a config change applies to the next request.
 * Everything else is refused before a socket is opened: a plugin cannot be turned into an SSRF
 * gadget towards metadata services or the cluster's internals by something a client sent.
 */
export function mountAllowOrigin(def: Pick<PluginDefinition, "outboundHosts" | "configuredEndpoints">, storage: StorageView, mount: MountInfo, log: Logger): (origin: string) => Promise<boolean> {
  const rules = def.outboundHosts ?? [];
  return async (origin) => {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol === "https:" && url.port === "") {
      const host = url.hostname.toLowerCase();
      for (const rule of rules) {
        try {
          if (typeof rule === "string" ? rule.toLowerCase() === host : rule(host) === true) return true;
        } catch {
          // A throwing predicate allows nothing.
        }
      }
    }
    if (def.configuredEndpoints) {
      try {
        for (const endpoint of await def.configuredEndpoints({ storage, mount })) {
          if (endpoint && sameOrigin(endpoint, url.origin)) return true;
        }
      } catch (e) {
        log.warn("configuredEndpoints failed; treating the mount as configuring none", { error: e instanceof Error ? e.message : String(e) });
      }
    }
    log.warn("outbound request refused by the mount's allow-list", { origin: url.origin });
    return false;
  };
}

function sameOrigin(endpoint: string, origin: string): boolean {
  try {
    return new URL(endpoint).origin === origin;
  } catch {
    return false;
  }
}

import type { ListenerConfig, ServerConfig } from "../config/server-config.js";
import type { ServerLogger } from "../core/logging/logger.js";
import type { RunningListener } from "./listen.js";

/**
 * What SIGHUP changes on a running server, from the config file read again: each TLS listener's
 * certificate and key (new connections get the new pair; open ones keep theirs), and log_level.
 * Anything else in the file needs a restart, as in Vault. A listener whose new pair is bad keeps its
 * current one and the reason is logged; the other listeners and the level are still reloaded.
 * Returns whether everything asked for was applied.
 */
export function reloadServer(listeners: readonly RunningListener[], running: readonly ListenerConfig[], next: ServerConfig, log: ServerLogger): boolean {
  let ok = true;
  listeners.forEach((listener, i) => {
    if (!listener.reloadTls) return;
    // Listeners are matched by position; a file that dropped or changed one keeps the running files.
    const fresh = next.listeners[i];
    const current = running[i]!;
    const certFile = fresh?.address === current.address && fresh.tlsCertFile ? fresh.tlsCertFile : current.tlsCertFile!;
    const keyFile = fresh?.address === current.address && fresh.tlsKeyFile ? fresh.tlsKeyFile : current.tlsKeyFile!;
    try {
      listener.reloadTls(certFile, keyFile);
      log.info("TLS certificate reloaded; new connections get it", { listener: current.address, cert_file: certFile });
    } catch (e) {
      ok = false;
      log.error("TLS certificate reload failed; the listener keeps its current certificate", { listener: current.address, error: e instanceof Error ? e.message : String(e) });
    }
  });
  if (next.logLevel !== log.level) {
    const from = log.level;
    log.setLevel(next.logLevel);
    log.info("log level changed", { from, to: next.logLevel });
  }
  log.debug("reload done", { log_level: log.level });
  return ok;
}

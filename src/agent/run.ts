/**
 * The agent process: config, pid file, auto-auth, API proxy, signals. SIGTERM/SIGINT stop it cleanly
 * (exit 0); exit_after_auth returns after the first login has been written to the sinks.
 */
import { unlinkSync, writeFileSync } from "node:fs";
import { createLogger, type LogLevel } from "../core/logging/logger.js";
import { startApiProxy, type ApiProxy } from "./api-proxy.js";
import { AutoAuth } from "./auto-auth.js";
import type { AgentConfig } from "./config.js";
import { loginBuilder } from "./methods.js";
import { Upstream } from "./upstream.js";

export interface AgentRunOptions {
  config: AgentConfig;
  /** -log-level overrides the file's log_level; -exit-after-auth the file's exit_after_auth. */
  logLevel?: LogLevel;
  exitAfterAuth?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the agent should stop (the CLI wires SIGTERM/SIGINT to it). */
  stopSignal: Promise<string>;
  logSink?: (line: string) => void;
}

export async function runAgent(opts: AgentRunOptions): Promise<number> {
  const { config } = opts;
  const log = createLogger(opts.logLevel ?? config.logLevel, "agent", opts.logSink);
  const exitAfterAuth = opts.exitAfterAuth ?? config.exitAfterAuth;
  // First what can fail on the config's files (ca_cert), so a failed start leaves no pid file.
  const upstream = new Upstream(config.vault);
  if (config.pidFile) writeFileSync(config.pidFile, `${process.pid}\n`, { mode: 0o644 });
  const autoAuth = new AutoAuth({
    upstream,
    builder: loginBuilder(config.method, upstream, config.vault.address, opts.env),
    sinks: config.sinks,
    log: log.child("agent.auto_auth"),
    minBackoffMs: config.method.minBackoffMs,
    maxBackoffMs: config.method.maxBackoffMs,
  });
  let proxy: ApiProxy | undefined;
  try {
    if (!exitAfterAuth && config.listeners.length > 0) {
      proxy = await startApiProxy({
        listeners: config.listeners,
        upstream,
        useAutoAuthToken: config.useAutoAuthToken,
        currentToken: () => autoAuth.token,
        log: log.child("agent.api_proxy"),
      });
      log.info("api proxy listening", { addresses: proxy.urls, upstream: upstream.base.origin, use_auto_auth_token: config.useAutoAuthToken });
      const open = config.listeners.filter((l) => !/^(127\.|\[::1\]:|localhost:)/.test(l.address));
      if (config.useAutoAuthToken !== false && open.length > 0) {
        // Whoever reaches such a listener acts with the agent's token.
        log.warn("the api proxy lends the agent's token on a listener that is not loopback", { addresses: open.map((l) => l.address) });
      }
    }
    log.info("agent started", { vault: upstream.base.origin, method: config.method.config.type, mount_path: config.method.mountPath, exit_after_auth: exitAfterAuth });
    const running = autoAuth.run(exitAfterAuth);
    const signal = await Promise.race([opts.stopSignal, running.then(() => undefined)]);
    if (signal) log.info(`${signal} received; shutting down`);
    autoAuth.stop();
    await running;
    return 0;
  } finally {
    autoAuth.stop();
    await proxy?.close();
    upstream.close();
    if (config.pidFile) {
      try {
        unlinkSync(config.pidFile);
      } catch {
        // Already gone: nothing to clean.
      }
    }
  }
}

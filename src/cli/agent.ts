// `warden agent -config=agent.hcl [-log-level=...] [-exit-after-auth]`: the instance-side daemon
// (Vault Agent): auto-auth with the method of the config, token sinks, renewal, the API proxy.
// Loaded only when asked for, like `server`.
import { UsageError } from "./args.js";
import type { Command } from "./command.js";
import { LOG_LEVELS, type LogLevel } from "../core/logging/logger.js";

export const agentCommand: Command = {
  name: "agent",
  usage: "-config=<file.hcl> [options]",
  summary: "Run the warden agent (auto-auth, token sinks, API proxy)",
  help: `Runs the warden agent: logs in with the auto_auth method of the config file (alicloud, approle,
jwt, oci), writes the token to the file sinks, renews it, logs in again when it must, and forwards
/v1/ requests on its listener to warden with its token (api_proxy). Vault Agent's HCL:

    vault { address = "https://warden.internal:8200" }
    auto_auth {
      method "alicloud" {
        config = { role = "dev-role", region = "cn-hangzhou" }
      }
      sink "file" {
        config = { path = "/run/warden/token", mode = 0600 }
      }
    }

SIGTERM or SIGINT stops it (exit 0). A configuration error stops it at once (exit 1); failures
to reach warden, the metadata service or STS are retried with backoff.`,
  flags: {
    config: { kind: "string", usage: "The agent's configuration file (HCL). Required." },
    "log-level": { kind: "string", usage: `Log level: ${LOG_LEVELS.join(", ")} (default: the file's log_level, else info).` },
    "exit-after-auth": { kind: "bool", usage: "Log in once, write the sinks and exit (overrides exit_after_auth)." },
  },
  async run(args, ctx) {
    const path = args.strings.config;
    if (!path) throw new UsageError("-config=<file.hcl> is required");
    if (args.positional.length > 0) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
    const level = args.strings["log-level"]?.trim().toLowerCase();
    if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`-log-level must be one of ${LOG_LEVELS.join(", ")}`);
    ctx.doing = "loading the agent configuration";
    const { loadAgentConfig } = await import("../agent/config.js");
    const { runAgent } = await import("../agent/run.js");
    const config = await loadAgentConfig(path);
    ctx.doing = "running the agent";
    const stopSignal = new Promise<string>((resolve) => {
      process.once("SIGTERM", () => resolve("SIGTERM"));
      process.once("SIGINT", () => resolve("SIGINT"));
    });
    const code = await runAgent({
      config,
      env: ctx.env,
      stopSignal,
      ...(level !== undefined ? { logLevel: level as LogLevel } : {}),
      ...(args.given.has("exit-after-auth") ? { exitAfterAuth: args.bools["exit-after-auth"] === true } : {}),
    });
    // Keep-alive sockets of the metadata client may linger a few seconds; the agent is done.
    setTimeout(() => process.exit(code), 1000).unref();
    return code;
  },
};

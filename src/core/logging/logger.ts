import type { Logger } from "../../sdk/plugin.js";

/** The one list of log levels (config file, CLI, logger), least severe first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const ORDER = Object.fromEntries(LOG_LEVELS.map((l, i) => [l, i])) as Record<LogLevel, number>;

/**
 * Field names whose values are secrets or carry signed material; their values never reach a log
 * line, whoever passes them (core or plugin).
 */
const SECRET_FIELD = /token|secret|signature|password|access_?key|nonce|authorization|identity_request|jwt|credential/i;

/** A field name whose values are secrets (the redaction rule, also used to keep defaults out of API docs). */
export const isSecretFieldName = (name: string): boolean => SECRET_FIELD.test(name);

function redact(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_FIELD.test(k) ? "[redacted]" : v;
  return out;
}

/** JSON-lines logger on stderr; `scope` names the part of the server (or the mount) speaking. */
export function createLogger(level: LogLevel, scope = "core", sink: (line: string) => void = (l) => process.stderr.write(l)): Logger & { child(scope: string): Logger } {
  const min = ORDER[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < min) return;
    sink(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, scope, msg, ...redact(fields) })}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (s) => createLogger(level, s, sink),
  };
}

import { pino, type Logger as Pino } from "pino";
import type { Logger } from "../../sdk/plugin.js";

/** The one list of log levels (config file, CLI, logger), least severe first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK = Object.fromEntries(LOG_LEVELS.map((l, i) => [l, i])) as Record<LogLevel, number>;

/**
 * Field names whose values are secrets or carry signed material; their values never reach a log
 * line, whoever passes them (core or plugin).
 */
const SECRET_FIELD = /token|secret|signature|password|access_?key|nonce|authorization|identity_request|jwt|credential/i;

/** A field name whose values are secrets (the redaction rule, also used to keep defaults out of API docs). */
export const isSecretFieldName = (name: string): boolean => SECRET_FIELD.test(name);

/**
 * Every line's fields pass here (pino's log formatter): a secret-named field keeps its name and
 * loses its value. Bindings (scope, mount, request_id) are the server's own and never secret.
 */
function redact(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(fields)) {
    if (!SECRET_FIELD.test(k)) continue;
    out ??= { ...fields };
    out[k] = "[redacted]";
  }
  return out ?? fields;
}

/** The server's logger: the SDK's Logger plus what the server needs of it. */
export interface ServerLogger extends Logger {
  /** A logger for one part of the server (`scope`), or one mount (`child("mount", { mount: "auth/approle/" })`). */
  child(scope: string, bindings?: Record<string, string>): ServerLogger;
  /**
   * The logger for the lines of one request: each line carries `request_id`. Costs one small object;
   * nothing is formatted unless a line is actually written at an enabled level.
   */
  forRequest(requestId: string): Logger;
  /** Whether a line at `level` would be written (to skip building a line nobody reads). */
  enabled(level: LogLevel): boolean;
  /** Changes the level of this logger and of every logger derived from the same root (SIGHUP). */
  setLevel(level: LogLevel): void;
  readonly level: LogLevel;
}

/** What every logger derived from one root shares: the live pino loggers whose level follows the root's. */
interface Family {
  level: LogLevel;
  members: Set<WeakRef<Pino>>;
}

type Fields = Record<string, unknown> | undefined;

class PinoLogger implements ServerLogger {
  private readonly p: Pino;

  /**
   * Children are made from the root with the whole set of bindings (pino would repeat a key bound
   * at two depths, e.g. "scope" twice on one line).
   */
  constructor(
    private readonly root: Pino,
    private readonly bindings: Record<string, string>,
    private readonly family: Family,
  ) {
    this.p = root.child(bindings);
    family.members.add(new WeakRef(this.p));
  }

  get level(): LogLevel {
    return this.family.level;
  }

  debug(msg: string, fields?: Fields): void {
    if (fields) this.p.debug(fields, msg);
    else this.p.debug(msg);
  }
  info(msg: string, fields?: Fields): void {
    if (fields) this.p.info(fields, msg);
    else this.p.info(msg);
  }
  warn(msg: string, fields?: Fields): void {
    if (fields) this.p.warn(fields, msg);
    else this.p.warn(msg);
  }
  error(msg: string, fields?: Fields): void {
    if (fields) this.p.error(fields, msg);
    else this.p.error(msg);
  }

  enabled(level: LogLevel): boolean {
    // Two array reads: asked once per request on the hot path.
    return RANK[level] >= RANK[this.family.level];
  }

  child(scope: string, bindings?: Record<string, string>): ServerLogger {
    return new PinoLogger(this.root, { ...this.bindings, scope, ...bindings }, this.family);
  }

  forRequest(requestId: string): Logger {
    return new RequestLogger(this.p, requestId);
  }

  setLevel(level: LogLevel): void {
    this.family.level = level;
    for (const ref of this.family.members) {
      const p = ref.deref();
      if (p) p.level = level;
      else this.family.members.delete(ref);
    }
  }
}

/**
 * The request id is added to the line's own fields (not a pino child: a child per request would be
 * built even when nothing is logged). pino's level check comes first, so a disabled line costs a
 * method call.
 */
class RequestLogger implements Logger {
  constructor(
    private readonly p: Pino,
    private readonly id: string,
  ) {}

  debug(msg: string, fields?: Fields): void {
    if (this.p.isLevelEnabled("debug")) this.p.debug({ ...fields, request_id: this.id }, msg);
  }
  info(msg: string, fields?: Fields): void {
    if (this.p.isLevelEnabled("info")) this.p.info({ ...fields, request_id: this.id }, msg);
  }
  warn(msg: string, fields?: Fields): void {
    this.p.warn({ ...fields, request_id: this.id }, msg);
  }
  error(msg: string, fields?: Fields): void {
    this.p.error({ ...fields, request_id: this.id }, msg);
  }
}

/**
 * JSON-lines logger (pino) on stderr, or on `sink` (tests capture lines there). A line:
 * `{"level":"warn","time":"2026-…Z","scope":"core","msg":"…", …fields}`; `scope` names the part of
 * the server speaking, `mount` the mount, `request_id` the request being handled.
 */
export function createLogger(level: LogLevel, scope = "core", sink?: (line: string) => void): ServerLogger {
  const destination = sink ? { write: sink } : pino.destination({ fd: 2, sync: true });
  const root = pino(
    {
      level,
      base: undefined,
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: redact },
    },
    destination,
  );
  const family: Family = { level, members: new Set([new WeakRef(root)]) };
  return new PinoLogger(root, { scope }, family);
}

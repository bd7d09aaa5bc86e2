import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { LOG_LEVELS, type LogLevel } from "../core/logging/logger.js";
import { canonicalCidrs } from "../sdk/cidr.js";
import { badRequest, isWardenError } from "../sdk/errors.js";
import { checkHttpUrl } from "../sdk/http-url.js";
import { parseDurationSeconds, readBool, readInt } from "../sdk/fields.js";
import { parseHcl } from "./hcl.js";
import { type SealConfig, parseSealBlocks } from "./seal-config.js";
import { type TelemetryConfig, parseListenerTelemetry, parseTelemetry } from "./telemetry-config.js";

/**
 * The server config file (HCL, Vault-compatible key names) -> ServerConfig. Strict on purpose:
 * an unknown or misspelled key is an error, because a silently ignored
 * `x_forwarded_for_authorized_addr` or `tls_cert_fle` is a security bug waiting to happen.
 */

export interface ListenerConfig {
  type: "tcp";
  /** host:port ("127.0.0.1:8200", "[::1]:8200", ":8200"). */
  address: string;
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsMinVersion: "tls12" | "tls13";
  /** Canonical CIDRs of proxies whose X-Forwarded-For is honoured (empty = none). */
  xForwardedForAuthorizedAddrs: string[];
  xForwardedForHopSkips: number;
  xForwardedForRejectNotAuthorized: boolean;
  xForwardedForRejectNotPresent: boolean;
  /** Bytes; login bodies have their own, smaller cap in the HTTP layer. */
  maxRequestSize: number;
  /** Connections open at once; more are closed as they arrive (max_connections). */
  maxConnections: number;
  /** Seconds a client has to send a request's headers (Vault's http_read_header_timeout). */
  httpReadHeaderTimeout: number;
  /** Seconds a client has to send a whole request, body included (Vault's http_read_timeout). */
  httpReadTimeout: number;
  /** Seconds an idle keep-alive connection stays open (Vault's http_idle_timeout). */
  httpIdleTimeout: number;
  /** `telemetry { unauthenticated_metrics_access = true }`: sys/metrics answered without a token here. */
  unauthenticatedMetricsAccess?: boolean;
}

export type StorageConfig =
  | { type: "sqlite"; path: string }
  | {
      type: "postgresql";
      connectionUrl: string;
      tablePrefix: string;
      maxConnections: number;
      haEnabled: boolean;
    };

export interface AuditDeviceConfig {
  type: "file";
  /** Mount path of the device (the second label). */
  path: string;
  filePath: string;
  /** Every other key of the block, as strings (Vault's audit options are strings). */
  options: Record<string, string>;
}

export interface ServerConfig {
  listeners: ListenerConfig[];
  storage: StorageConfig;
  /** Seconds. */
  defaultLeaseTtl: number;
  /** Seconds. */
  maxLeaseTtl: number;
  pluginDirectory?: string;
  /** plugin_file_uid: the owner every plugin file must have (unset: the server's own uid). */
  pluginFileUid?: number;
  /** plugin_file_permissions: the exact mode plugin files must have (unset: any mode without group/other write). */
  pluginFilePermissions?: number;
  /** allow_audit_log_prefixing: whether an audit device may have a `prefix` (Vault 1.20.1; default false). */
  allowAuditLogPrefixing: boolean;
  /** Absolute path of the config file this came from (its directory is off limits to API-enabled audit files). */
  configFile?: string;
  /** Milliseconds a plugin handler or renew callback may run (HCL plugin_handler_timeout; default 30 s). */
  pluginDeadlineMs?: number;
  logLevel: LogLevel;
  apiAddr?: string;
  clusterName?: string;
  audit: AuditDeviceConfig[];
  /** The `seal` block; absent = Shamir (see seal-config.ts). */
  seal?: SealConfig;
  /** The top-level `telemetry` block (defaults when absent). */
  telemetry?: TelemetryConfig;
  /** `ui = true`: the web console at /ui/ (on in dev mode, off otherwise, as Vault). */
  ui?: boolean;
}

export const DEFAULT_LEASE_TTL = 768 * 3600;
export const DEFAULT_MAX_REQUEST_SIZE = 33_554_432;
export const DEFAULT_LISTEN_ADDRESS = "127.0.0.1:8200";
/** Listener limits against slow or hoarding clients; the timeouts are Vault's defaults. */
export const LISTENER_LIMIT_DEFAULTS = {
  maxConnections: 4096,
  httpReadHeaderTimeout: 10,
  httpReadTimeout: 30,
  httpIdleTimeout: 300,
} as const;
export const DEFAULT_PG_TABLE_PREFIX = "warden";
export const DEFAULT_PG_MAX_CONNECTIONS = 10;

const TOP_KEYS = new Set([
  "listener",
  "storage",
  "default_lease_ttl",
  "max_lease_ttl",
  "plugin_directory",
  "plugin_file_uid",
  "plugin_file_permissions",
  "plugin_handler_timeout",
  "allow_audit_log_prefixing",
  "log_level",
  "api_addr",
  "cluster_name",
  "ui",
  "disable_mlock",
  "audit",
  "seal",
  "telemetry",
]);
const LISTENER_KEYS = new Set([
  "address",
  "tls_disable",
  "tls_cert_file",
  "tls_key_file",
  "tls_min_version",
  "x_forwarded_for_authorized_addrs",
  "x_forwarded_for_hop_skips",
  "x_forwarded_for_reject_not_authorized",
  "x_forwarded_for_reject_not_present",
  "max_request_size",
  "max_connections",
  "http_read_header_timeout",
  "http_read_timeout",
  "http_idle_timeout",
  "telemetry",
]);
const SQLITE_KEYS = new Set(["path"]);
const PG_KEYS = new Set(["connection_url", "table_prefix", "max_connections", "ha_enabled"]);

/** All problems are reported as "<file>: <where>: <what>". (Exported with the readers below for the agent's config.) */
export class ConfigProblem extends Error {}
export const fail = (msg: string): never => {
  throw new ConfigProblem(msg);
};

export async function loadServerConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw badRequest(`config file ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const config = await parseServerConfig(text, path, env);
  config.configFile = resolve(path);
  return config;
}

/** `env` is only consulted for WARDEN_PG_CONNECTION_URL (it overrides the file, as Vault's does). */
export async function parseServerConfig(
  text: string,
  filename: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerConfig> {
  const root = await parseHcl(text, filename);
  try {
    return build(root, env);
  } catch (e) {
    if (e instanceof ConfigProblem) throw badRequest(`${filename}: ${e.message}`);
    if (isWardenError(e)) throw badRequest(`${filename}: ${e.errors.join("; ")}`);
    throw e;
  }
}

function build(root: Record<string, unknown>, env: NodeJS.ProcessEnv): ServerConfig {
  for (const key of Object.keys(root)) {
    if (!TOP_KEYS.has(key)) fail(`unknown key "${key}"`);
  }
  const listeners = labelled(root.listener, "listener").map(([type, body]) => listener(type, body));
  if (listeners.length === 0) fail(`at least one listener "tcp" { ... } block is required`);

  const storages = labelled(root.storage, "storage");
  if (storages.length !== 1) fail(`exactly one storage block is required (found ${storages.length})`);
  const storage = storageConfig(storages[0]![0], storages[0]![1], env);

  const defaultLeaseTtl = duration(root.default_lease_ttl, "default_lease_ttl") || DEFAULT_LEASE_TTL;
  const maxLeaseTtl = duration(root.max_lease_ttl, "max_lease_ttl") || DEFAULT_LEASE_TTL;
  if (defaultLeaseTtl > maxLeaseTtl) {
    fail(`default_lease_ttl (${defaultLeaseTtl}s) cannot be greater than max_lease_ttl (${maxLeaseTtl}s)`);
  }

  const logLevelRaw = optString(root.log_level, "log_level")?.trim().toLowerCase() ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    fail(`log_level: must be one of ${LOG_LEVELS.join(", ")} (got "${logLevelRaw}")`);
  }

  const apiAddr = optString(root.api_addr, "api_addr");
  if (apiAddr !== undefined) checkHttpUrl(apiAddr, "api_addr", "base");

  // Accepted so Vault configs load; it means nothing here. Still type-checked to catch typos.
  if (root.disable_mlock !== undefined) bool(root.disable_mlock, "disable_mlock", false);

  const config: ServerConfig = {
    listeners,
    storage,
    defaultLeaseTtl,
    maxLeaseTtl,
    logLevel: logLevelRaw as LogLevel,
    allowAuditLogPrefixing: bool(root.allow_audit_log_prefixing, "allow_audit_log_prefixing", false),
    audit: auditDevices(root.audit),
    telemetry: parseTelemetry(root.telemetry, fail),
    ui: bool(root.ui, "ui", false),
  };
  const pluginDirectory = optString(root.plugin_directory, "plugin_directory");
  if (pluginDirectory !== undefined) config.pluginDirectory = pluginDirectory;
  if (root.plugin_file_uid !== undefined) config.pluginFileUid = int(root.plugin_file_uid, "plugin_file_uid", 0);
  if (root.plugin_file_permissions !== undefined) config.pluginFilePermissions = filePermissions(root.plugin_file_permissions);
  const pluginTimeout = duration(root.plugin_handler_timeout, "plugin_handler_timeout");
  if (pluginTimeout > 0) config.pluginDeadlineMs = pluginTimeout * 1000;
  if (apiAddr !== undefined) config.apiAddr = apiAddr;
  const clusterName = optString(root.cluster_name, "cluster_name");
  if (clusterName !== undefined) config.clusterName = clusterName;
  const seal = parseSealBlocks(labelled(root.seal, "seal"), env);
  if (seal.type !== "shamir") config.seal = seal;
  return config;
}

/** `kind "label" { ... }` blocks -> [label, body] pairs (hcl2json: `{label: [body, ...]}`). */
export function labelled(raw: unknown, kind: string): Array<[string, Record<string, unknown>]> {
  if (raw === undefined) return [];
  if (!isObject(raw)) return fail(`${kind}: expected ${kind} "<type>" { ... } block(s)`);
  const out: Array<[string, Record<string, unknown>]> = [];
  for (const [label, bodies] of Object.entries(raw)) {
    for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
      if (!isObject(body)) fail(`${kind} "${label}": expected a block`);
      out.push([label, body as Record<string, unknown>]);
    }
  }
  return out;
}

export function checkKeys(body: Record<string, unknown>, allowed: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(body)) if (!allowed.has(key)) fail(`${where}: unknown key "${key}"`);
}

function listener(type: string, body: Record<string, unknown>): ListenerConfig {
  const where = `listener "${type}"`;
  if (type !== "tcp") fail(`${where}: unsupported listener type (only "tcp")`);
  checkKeys(body, LISTENER_KEYS, where);
  const address = optString(body.address, `${where}: address`) ?? DEFAULT_LISTEN_ADDRESS;
  checkAddress(address, `${where}: address`);
  const tlsDisable = bool(body.tls_disable, `${where}: tls_disable`, false);
  const tlsCertFile = optString(body.tls_cert_file, `${where}: tls_cert_file`);
  const tlsKeyFile = optString(body.tls_key_file, `${where}: tls_key_file`);
  if (!tlsDisable && (!tlsCertFile || !tlsKeyFile)) {
    fail(`${where}: tls_cert_file and tls_key_file are required unless tls_disable = true`);
  }
  const tlsMin = optString(body.tls_min_version, `${where}: tls_min_version`) ?? "tls12";
  if (tlsMin !== "tls12" && tlsMin !== "tls13") fail(`${where}: tls_min_version must be "tls12" or "tls13"`);

  let cidrs: string[] = [];
  const rawAddrs = body.x_forwarded_for_authorized_addrs;
  if (rawAddrs !== undefined) {
    const items = stringOrList(rawAddrs, `${where}: x_forwarded_for_authorized_addrs`)
      .flatMap((s) => s.split(","))
      .map((s) => s.trim())
      .filter((s) => s !== "");
    try {
      cidrs = canonicalCidrs(items);
    } catch (e) {
      fail(`${where}: x_forwarded_for_authorized_addrs: ${isWardenError(e) ? e.message : String(e)}`);
    }
  }
  const maxRequestSize = int(body.max_request_size, `${where}: max_request_size`, 0) || DEFAULT_MAX_REQUEST_SIZE;

  const out: ListenerConfig = {
    type: "tcp",
    address,
    tlsDisable,
    tlsMinVersion: tlsMin as "tls12" | "tls13",
    xForwardedForAuthorizedAddrs: cidrs,
    xForwardedForHopSkips: int(body.x_forwarded_for_hop_skips, `${where}: x_forwarded_for_hop_skips`, 0),
    xForwardedForRejectNotAuthorized: bool(
      body.x_forwarded_for_reject_not_authorized,
      `${where}: x_forwarded_for_reject_not_authorized`,
      true,
    ),
    xForwardedForRejectNotPresent: bool(
      body.x_forwarded_for_reject_not_present,
      `${where}: x_forwarded_for_reject_not_present`,
      true,
    ),
    maxRequestSize,
    ...listenerLimits(body, where),
    ...parseListenerTelemetry(body.telemetry, where, fail),
  };
  if (tlsCertFile !== undefined) out.tlsCertFile = tlsCertFile;
  if (tlsKeyFile !== undefined) out.tlsKeyFile = tlsKeyFile;
  return out;
}

/**
 * max_connections and the read/idle timeouts. None may be 0: each is what stops a slow or hoarding
 * client from holding the listener, so "no limit" is not on offer.
 */
function listenerLimits(body: Record<string, unknown>, where: string): Pick<ListenerConfig, "maxConnections" | "httpReadHeaderTimeout" | "httpReadTimeout" | "httpIdleTimeout"> {
  const d = LISTENER_LIMIT_DEFAULTS;
  const seconds = (key: string, dflt: number): number => {
    const n = body[key] === undefined ? dflt : duration(body[key], `${where}: ${key}`);
    return n >= 1 ? n : fail(`${where}: ${key} must be at least 1s (there is no "no limit")`);
  };
  const maxConnections = int(body.max_connections, `${where}: max_connections`, d.maxConnections);
  if (maxConnections < 1) fail(`${where}: max_connections must be at least 1`);
  const limits = {
    maxConnections,
    httpReadHeaderTimeout: seconds("http_read_header_timeout", d.httpReadHeaderTimeout),
    httpReadTimeout: seconds("http_read_timeout", d.httpReadTimeout),
    httpIdleTimeout: seconds("http_idle_timeout", d.httpIdleTimeout),
  };
  if (limits.httpReadHeaderTimeout > limits.httpReadTimeout) {
    fail(`${where}: http_read_header_timeout (${limits.httpReadHeaderTimeout}s) cannot be greater than http_read_timeout (${limits.httpReadTimeout}s)`);
  }
  return limits;
}

function storageConfig(type: string, body: Record<string, unknown>, env: NodeJS.ProcessEnv): StorageConfig {
  const where = `storage "${type}"`;
  if (type === "sqlite") {
    checkKeys(body, SQLITE_KEYS, where);
    const path = optString(body.path, `${where}: path`);
    if (!path) return fail(`${where}: path is required`);
    return { type: "sqlite", path };
  }
  if (type === "postgresql") {
    checkKeys(body, PG_KEYS, where);
    const fromEnv = env.WARDEN_PG_CONNECTION_URL?.trim();
    const connectionUrl = fromEnv || optString(body.connection_url, `${where}: connection_url`);
    if (!connectionUrl) return fail(`${where}: connection_url (or WARDEN_PG_CONNECTION_URL) is required`);
    const tablePrefix = optString(body.table_prefix, `${where}: table_prefix`) ?? DEFAULT_PG_TABLE_PREFIX;
    // It ends up in table names, which cannot be bound as SQL parameters.
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(tablePrefix)) {
      fail(`${where}: table_prefix must match [a-z_][a-z0-9_]* (at most 41 characters)`);
    }
    const maxConnections = int(body.max_connections, `${where}: max_connections`, DEFAULT_PG_MAX_CONNECTIONS);
    if (maxConnections < 1) fail(`${where}: max_connections must be at least 1`);
    return {
      type: "postgresql",
      connectionUrl,
      tablePrefix,
      maxConnections,
      haEnabled: bool(body.ha_enabled, `${where}: ha_enabled`, false),
    };
  }
  return fail(`${where}: unsupported storage type (use "sqlite" or "postgresql")`);
}

/** `audit "file" "<path>" { file_path = ... }` -> hcl2json `{file: {"<path>": [body]}}`. */
function auditDevices(raw: unknown): AuditDeviceConfig[] {
  if (raw === undefined) return [];
  if (!isObject(raw)) return fail(`audit: expected audit "file" "<path>" { ... } blocks`);
  const out: AuditDeviceConfig[] = [];
  for (const [type, byPath] of Object.entries(raw)) {
    if (type !== "file") fail(`audit "${type}": unsupported audit device type (only "file")`);
    for (const [path, body] of labelled(byPath, `audit "${type}"`)) {
      const where = `audit "${type}" "${path}"`;
      const options: Record<string, string> = {};
      let filePath: string | undefined;
      for (const [k, v] of Object.entries(body)) {
        if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
          fail(`${where}: ${k} must be a string`);
        }
        if (k === "file_path") filePath = String(v);
        else options[k] = String(v);
      }
      if (!filePath) fail(`${where}: file_path is required`);
      out.push({ type: "file", path, filePath: filePath!, options });
    }
  }
  return out;
}

export function optString(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") return fail(`${where}: expected a string`);
  return v;
}

function stringOrList(v: unknown, where: string): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  return fail(`${where}: expected a string or a list of strings`);
}

/** The SDK's boolean reading (Vault's ParseBool), the same as every API field's. */
export function bool(v: unknown, where: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return readBool(v) ?? fail(`${where}: expected a boolean`);
}

/** The SDK's integer reading, the same as every API field's; negative counts and sizes are refused. */
export function int(v: unknown, where: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = readInt(v);
  if (n === undefined || n < 0) return fail(`${where}: expected a non-negative integer`);
  return n;
}

/** Vault's plugin_file_permissions: octal digits, as a string ("0750") or a bare number (750). */
function filePermissions(v: unknown): number {
  const raw = typeof v === "number" && Number.isSafeInteger(v) ? String(v) : v;
  if (typeof raw !== "string" || !/^0?[0-7]{3}$/.test(raw.trim())) return fail(`plugin_file_permissions: expected an octal mode such as "0750"`);
  const mode = parseInt(raw.trim(), 8);
  // The point of the check is that nobody but the owner can change plugin code.
  if (mode & 0o022) fail(`plugin_file_permissions: ${raw.trim()} lets group or other write plugin files; drop those bits`);
  return mode;
}

export function duration(v: unknown, where: string): number {
  if (v === undefined) return 0;
  return parseDurationSeconds(v, where);
}

export function checkAddress(address: string, where: string): void {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]*)):(\d{1,5})$/.exec(address);
  if (!m || Number(m[3]) > 65535) fail(`${where}: expected host:port, got "${address}"`);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The config `warden server -dev` runs with: plain HTTP on loopback, SQLite in `dataDir`. */
export function devServerConfig(opts: { listenAddress?: string; dataDir: string }): ServerConfig {
  return {
    listeners: [
      {
        type: "tcp",
        address: opts.listenAddress ?? DEFAULT_LISTEN_ADDRESS,
        tlsDisable: true,
        tlsMinVersion: "tls12",
        xForwardedForAuthorizedAddrs: [],
        xForwardedForHopSkips: 0,
        xForwardedForRejectNotAuthorized: true,
        xForwardedForRejectNotPresent: true,
        maxRequestSize: DEFAULT_MAX_REQUEST_SIZE,
        ...LISTENER_LIMIT_DEFAULTS,
      },
    ],
    storage: { type: "sqlite", path: join(opts.dataDir, "warden.db") },
    defaultLeaseTtl: DEFAULT_LEASE_TTL,
    maxLeaseTtl: DEFAULT_LEASE_TTL,
    logLevel: "info",
    allowAuditLogPrefixing: false,
    audit: [],
    ui: true,
  };
}

import { readFile } from "node:fs/promises";
import { LOG_LEVELS, type LogLevel } from "../core/logging/logger.js";
import { parseHcl } from "../config/hcl.js";
import { bool, checkAddress, checkKeys, ConfigProblem, duration, fail, isObject, labelled, optString } from "../config/server-config.js";
import { badRequest, isWardenError } from "../sdk/errors.js";
import { checkHttpUrl } from "../sdk/http-url.js";

/**
 * The agent's config file: Vault Agent's HCL (`vault`, `auto_auth { method, sink }`, `api_proxy`,
 * `listener`, `exit_after_auth`, `pid_file`), read with the server config's parser and readers, and
 * as strict: an unknown block, key or method type is an error naming it ("<file>: <where>: <what>"),
 * because a misspelled `remove_secret_id_file_after_reading` silently ignored is a leak.
 */

export type MethodType = "alicloud" | "approle" | "jwt" | "oci";

export interface AlicloudMethodConfig {
  type: "alicloud";
  role: string;
  region: string;
  /** Static credentials given in the file (access_key and secret_key go together). */
  accessKey?: string;
  secretKey?: string;
  securityToken?: string;
  metadataEndpoint: string;
  /** The instance's RAM role; discovered from the metadata service when unset. */
  ramRole?: string;
}
export interface ApproleMethodConfig {
  type: "approle";
  roleIdFilePath: string;
  secretIdFilePath?: string;
  removeSecretIdFileAfterReading: boolean;
  /** The secret id file holds a response-wrapping token minted at this path (checked before unwrapping). */
  secretIdResponseWrappingPath?: string;
}
export interface JwtMethodConfig {
  type: "jwt";
  /** A file holding the JWT, re-read at every login (e.g. a Kubernetes projected token). */
  path: string;
  role?: string;
}
export interface OciMethodConfig {
  type: "oci";
  role: string;
  /** The OCI config file (default OCI_CONFIG_FILE, else ~/.oci/config) and its profile. */
  configFilePath?: string;
  profile?: string;
}
export type MethodConfig = AlicloudMethodConfig | ApproleMethodConfig | JwtMethodConfig | OciMethodConfig;

export interface AutoAuthMethod {
  /** "auth/alicloud" style, no leading or trailing "/" (default "auth/<type>"). */
  mountPath: string;
  config: MethodConfig;
  minBackoffMs: number;
  maxBackoffMs: number;
}

export interface FileSinkConfig {
  path: string;
  mode: number;
}

export interface AgentListenerConfig {
  address: string;
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

export interface AgentConfig {
  vault: { address: string; caCert?: string };
  method: AutoAuthMethod;
  sinks: FileSinkConfig[];
  /** false: requests are forwarded as they come; true: a request without a token gets the agent's; "force": always. */
  useAutoAuthToken: boolean | "force";
  listeners: AgentListenerConfig[];
  exitAfterAuth: boolean;
  pidFile?: string;
  logLevel: LogLevel;
}

export const DEFAULT_METADATA_ENDPOINT = "http://100.100.100.200";
export const DEFAULT_MIN_BACKOFF_MS = 1000;
export const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;
export const DEFAULT_SINK_MODE = 0o640;

const TOP_KEYS = new Set(["vault", "auto_auth", "api_proxy", "listener", "exit_after_auth", "pid_file", "log_level"]);
const VAULT_KEYS = new Set(["address", "ca_cert", "tls_skip_verify"]);
const AUTO_AUTH_KEYS = new Set(["method", "sink"]);
const METHOD_KEYS = new Set(["mount_path", "config", "min_backoff", "max_backoff"]);
const SINK_KEYS = new Set(["config"]);
const FILE_SINK_CONFIG_KEYS = new Set(["path", "mode"]);
const API_PROXY_KEYS = new Set(["use_auto_auth_token"]);
const LISTENER_KEYS = new Set(["address", "tls_disable", "tls_cert_file", "tls_key_file"]);
const METHOD_CONFIG_KEYS: Record<MethodType, ReadonlySet<string>> = {
  alicloud: new Set(["role", "region", "access_key", "secret_key", "security_token", "metadata_endpoint", "ram_role"]),
  approle: new Set(["role_id_file_path", "secret_id_file_path", "remove_secret_id_file_after_reading", "secret_id_response_wrapping_path"]),
  jwt: new Set(["path", "role"]),
  oci: new Set(["role", "type", "config_file_path", "profile"]),
};

export async function loadAgentConfig(path: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw badRequest(`config file ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseAgentConfig(text, path);
}

export async function parseAgentConfig(text: string, filename: string): Promise<AgentConfig> {
  const root = await parseHcl(text, filename);
  try {
    return build(root);
  } catch (e) {
    if (e instanceof ConfigProblem) throw badRequest(`${filename}: ${e.message}`);
    if (isWardenError(e)) throw badRequest(`${filename}: ${e.errors.join("; ")}`);
    throw e;
  }
}

/** `name { ... }` (a block without labels): hcl2json gives a list of bodies; at most one is allowed. */
function single(raw: unknown, name: string): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  const bodies = Array.isArray(raw) ? raw : [raw];
  if (bodies.length !== 1 || !isObject(bodies[0])) fail(`${name}: expected one ${name} { ... } block`);
  return bodies[0] as Record<string, unknown>;
}

function build(root: Record<string, unknown>): AgentConfig {
  checkKeys(root, TOP_KEYS, "top level");
  const vaultBody = single(root.vault, "vault");
  if (!vaultBody) return fail(`a vault { address = "..." } block is required`);
  checkKeys(vaultBody, VAULT_KEYS, "vault");
  const address = optString(vaultBody.address, "vault: address");
  if (!address) return fail("vault: address is required");
  checkHttpUrl(address, "vault: address", "base");
  // Accepted so Vault configs load, but only as false: a token sent to an unverified server is a token given away.
  if (bool(vaultBody.tls_skip_verify, "vault: tls_skip_verify", false)) fail("vault: tls_skip_verify = true is not supported; give the server's CA with ca_cert");
  const vault: AgentConfig["vault"] = { address: address.replace(/\/+$/, "") };
  const caCert = optString(vaultBody.ca_cert, "vault: ca_cert");
  if (caCert) vault.caCert = caCert;

  const autoAuth = single(root.auto_auth, "auto_auth");
  if (!autoAuth) return fail("an auto_auth { method ... } block is required");
  checkKeys(autoAuth, AUTO_AUTH_KEYS, "auto_auth");
  const methods = labelled(autoAuth.method, "auto_auth: method");
  if (methods.length !== 1) fail(`auto_auth: exactly one method "<type>" { ... } block is required (found ${methods.length})`);
  const method = methodBlock(methods[0]![0], methods[0]![1]);
  const sinks = labelled(autoAuth.sink, "auto_auth: sink").map(([type, body]) => sinkBlock(type, body));

  const listeners = labelled(root.listener, "listener").map(([type, body]) => listenerBlock(type, body));
  let useAutoAuthToken: AgentConfig["useAutoAuthToken"] = false;
  const proxy = single(root.api_proxy, "api_proxy");
  if (proxy) {
    checkKeys(proxy, API_PROXY_KEYS, "api_proxy");
    const raw = proxy.use_auto_auth_token;
    if (typeof raw === "string" && raw.trim().toLowerCase() === "force") useAutoAuthToken = "force";
    else useAutoAuthToken = bool(raw, `api_proxy: use_auto_auth_token (true, false or "force")`, false);
    if (listeners.length === 0) fail(`api_proxy: needs a listener "tcp" { address = "127.0.0.1:8100" ... } block to serve on`);
  }

  const logLevel = optString(root.log_level, "log_level")?.trim().toLowerCase() ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) fail(`log_level: must be one of ${LOG_LEVELS.join(", ")} (got "${logLevel}")`);
  const config: AgentConfig = {
    vault,
    method,
    sinks,
    useAutoAuthToken,
    listeners,
    exitAfterAuth: bool(root.exit_after_auth, "exit_after_auth", false),
    logLevel: logLevel as LogLevel,
  };
  const pidFile = optString(root.pid_file, "pid_file");
  if (pidFile) config.pidFile = pidFile;
  if (sinks.length === 0 && listeners.length === 0 && !config.exitAfterAuth) {
    fail(`auto_auth: no sink "file" block and no listener: the token would go nowhere`);
  }
  return config;
}

function methodBlock(type: string, body: Record<string, unknown>): AutoAuthMethod {
  const where = `auto_auth: method "${type}"`;
  if (!Object.hasOwn(METHOD_CONFIG_KEYS, type)) fail(`${where}: unknown method type (supported: ${Object.keys(METHOD_CONFIG_KEYS).join(", ")})`);
  checkKeys(body, METHOD_KEYS, where);
  const mountPath = (optString(body.mount_path, `${where}: mount_path`) ?? `auth/${type}`).replace(/^\/+|\/+$/g, "");
  if (!/^auth\/[^\s]+$/.test(mountPath)) fail(`${where}: mount_path must look like "auth/<path>" (got "${mountPath}")`);
  const raw = body.config ?? {};
  const cfg = (Array.isArray(raw) && raw.length === 1 ? raw[0] : raw) as unknown;
  if (!isObject(cfg)) return fail(`${where}: config must be an object: config = { ... }`);
  checkKeys(cfg, METHOD_CONFIG_KEYS[type as MethodType], `${where}: config`);
  const str = (k: string): string | undefined => optString(cfg[k], `${where}: config: ${k}`)?.trim() || undefined;
  const need = (k: string): string => str(k) ?? fail(`${where}: config: ${k} is required`);
  const minBackoffMs = body.min_backoff === undefined ? DEFAULT_MIN_BACKOFF_MS : duration(body.min_backoff, `${where}: min_backoff`) * 1000;
  const maxBackoffMs = body.max_backoff === undefined ? DEFAULT_MAX_BACKOFF_MS : duration(body.max_backoff, `${where}: max_backoff`) * 1000;
  if (minBackoffMs < 1000) fail(`${where}: min_backoff must be at least 1s`);
  if (maxBackoffMs < minBackoffMs) fail(`${where}: max_backoff cannot be less than min_backoff`);
  let config: MethodConfig;
  switch (type as MethodType) {
    case "alicloud": {
      const c: AlicloudMethodConfig = { type: "alicloud", role: need("role"), region: need("region"), metadataEndpoint: str("metadata_endpoint") ?? DEFAULT_METADATA_ENDPOINT };
      checkHttpUrl(c.metadataEndpoint, `${where}: config: metadata_endpoint`, "base");
      const ak = str("access_key");
      const sk = str("secret_key");
      const st = str("security_token");
      if ((ak === undefined) !== (sk === undefined)) fail(`${where}: config: access_key and secret_key go together`);
      if (st !== undefined && ak === undefined) fail(`${where}: config: security_token needs access_key and secret_key`);
      if (ak !== undefined) c.accessKey = ak;
      if (sk !== undefined) c.secretKey = sk;
      if (st !== undefined) c.securityToken = st;
      const ramRole = str("ram_role");
      if (ramRole !== undefined) c.ramRole = ramRole;
      config = c;
      break;
    }
    case "approle": {
      const c: ApproleMethodConfig = {
        type: "approle",
        roleIdFilePath: need("role_id_file_path"),
        removeSecretIdFileAfterReading: bool(cfg.remove_secret_id_file_after_reading, `${where}: config: remove_secret_id_file_after_reading`, true),
      };
      const secretIdFile = str("secret_id_file_path");
      if (secretIdFile !== undefined) c.secretIdFilePath = secretIdFile;
      const wrapPath = str("secret_id_response_wrapping_path");
      if (wrapPath !== undefined) {
        if (secretIdFile === undefined) fail(`${where}: config: secret_id_response_wrapping_path needs secret_id_file_path`);
        c.secretIdResponseWrappingPath = wrapPath.replace(/^\/+|\/+$/g, "");
      }
      config = c;
      break;
    }
    case "jwt": {
      const c: JwtMethodConfig = { type: "jwt", path: need("path") };
      const role = str("role");
      if (role !== undefined) c.role = role;
      config = c;
      break;
    }
    case "oci": {
      const kind = str("type") ?? "apikey";
      if (kind !== "apikey") fail(`${where}: config: type must be "apikey" (instance principals are not supported)`);
      const c: OciMethodConfig = { type: "oci", role: need("role") };
      const file = str("config_file_path");
      if (file !== undefined) c.configFilePath = file;
      const profile = str("profile");
      if (profile !== undefined) c.profile = profile;
      config = c;
      break;
    }
  }
  return { mountPath, config, minBackoffMs, maxBackoffMs };
}

function sinkBlock(type: string, body: Record<string, unknown>): FileSinkConfig {
  const where = `auto_auth: sink "${type}"`;
  if (type !== "file") fail(`${where}: unknown sink type (only "file")`);
  checkKeys(body, SINK_KEYS, where);
  const raw = body.config;
  const cfg = (Array.isArray(raw) && raw.length === 1 ? raw[0] : raw) as unknown;
  if (!isObject(cfg)) return fail(`${where}: config = { path = "..." } is required`);
  checkKeys(cfg, FILE_SINK_CONFIG_KEYS, `${where}: config`);
  const path = optString(cfg.path, `${where}: config: path`);
  if (!path) return fail(`${where}: config: path is required`);
  return { path, mode: cfg.mode === undefined ? DEFAULT_SINK_MODE : fileMode(cfg.mode, `${where}: config: mode`) };
}

/**
 * An octal file mode. HCL2 reads `mode = 0600` as the number 600, so a number's decimal digits are
 * taken as the octal digits Vault's users write (0600 and 600 both mean rw-------); "0600" as a string too.
 */
function fileMode(v: unknown, where: string): number {
  const text = typeof v === "number" && Number.isSafeInteger(v) ? String(v) : typeof v === "string" ? v.trim() : "";
  if (!/^0?[0-7]{3}$/.test(text)) return fail(`${where}: expected an octal mode such as 0600`);
  const mode = parseInt(text, 8);
  if (mode & 0o007) fail(`${where}: 0${mode.toString(8).padStart(3, "0")} lets any user of the machine use the token file; drop the "other" bits`);
  return mode;
}

function listenerBlock(type: string, body: Record<string, unknown>): AgentListenerConfig {
  const where = `listener "${type}"`;
  if (type !== "tcp") fail(`${where}: unsupported listener type (only "tcp")`);
  checkKeys(body, LISTENER_KEYS, where);
  const address = optString(body.address, `${where}: address`) ?? "127.0.0.1:8100";
  checkAddress(address, `${where}: address`);
  const out: AgentListenerConfig = { address, tlsDisable: bool(body.tls_disable, `${where}: tls_disable`, false) };
  const cert = optString(body.tls_cert_file, `${where}: tls_cert_file`);
  const key = optString(body.tls_key_file, `${where}: tls_key_file`);
  if (!out.tlsDisable && (!cert || !key)) fail(`${where}: tls_cert_file and tls_key_file are required unless tls_disable = true`);
  if (cert) out.tlsCertFile = cert;
  if (key) out.tlsKeyFile = key;
  return out;
}

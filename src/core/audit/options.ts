/**
 * Validation of the `file` audit device options (sys/audit/<path> body, Vault's names). Strict on
 * purpose: an option we do not implement is refused rather than silently ignored, and switches that
 * weaken the log (log_raw, hmac_accessor=false) take effect only when spelled exactly.
 */
import { isAbsolute, normalize } from "node:path";
import { badRequest } from "../../sdk/errors.js";

export interface FileDeviceConfig {
  /** Absolute path, or the keywords "stdout" / "discard". */
  filePath: string;
  /** File mode applied on open; 0 = leave the mode alone (Vault's "0000"). */
  mode: number;
  /** Written before every JSON line. */
  prefix: string;
  /** No hashing at all (Vault compat; leaks secrets into the file). */
  logRaw: boolean;
  /** HMAC accessors too (default true). */
  hmacAccessor: boolean;
}

const KNOWN = new Set(["file_path", "path", "mode", "log_raw", "hmac_accessor", "prefix", "format"]);

function strictBool(name: string, raw: string | undefined, dflt: boolean): boolean {
  if (raw === undefined || raw === "") return dflt;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw badRequest(`invalid value for ${name}: must be "true" or "false"`);
}

/**
 * Parses the options map; returns the config and the canonical options to persist and list
 * (file_path under its Vault name even if given as "path"). Throws 400 on anything invalid.
 */
export function parseFileOptions(options: Record<string, string>): { config: FileDeviceConfig; canonical: Record<string, string> } {
  for (const [k, v] of Object.entries(options)) {
    if (!KNOWN.has(k)) throw badRequest(`unknown option for the file audit device: ${k}`);
    if (typeof v !== "string") throw badRequest(`option ${k} must be a string`);
  }
  if (options.file_path !== undefined && options.path !== undefined && options.file_path !== options.path) {
    throw badRequest("file_path and path disagree");
  }
  const rawPath = options.file_path ?? options.path;
  if (rawPath === undefined || rawPath === "") throw badRequest("file_path is required");
  // NUL or control characters in a path are never legitimate and confuse the fs layer.
  if (/[\u0000-\u001f\u007f]/.test(rawPath)) throw badRequest("file_path contains control characters");
  let filePath = rawPath;
  if (rawPath !== "stdout" && rawPath !== "discard") {
    // Relative paths would depend on the server's working directory.
    if (!isAbsolute(rawPath)) throw badRequest("file_path must be an absolute path, \"stdout\" or \"discard\"");
    filePath = normalize(rawPath);
  }

  const format = options.format ?? "json";
  if (format !== "json") throw badRequest("format must be \"json\"");

  const modeRaw = options.mode ?? "0600";
  if (!/^[0-7]{3,4}$/.test(modeRaw)) throw badRequest("mode must be an octal file mode such as \"0600\"");
  const mode = parseInt(modeRaw, 8);
  if (mode > 0o777) throw badRequest("mode must not set setuid, setgid or sticky bits");
  // Vault 1.20.1: an audit file is never a program (HCSEC-2025-14).
  if (mode & 0o111) throw badRequest(`mode ${modeRaw} is refused: file audit devices cannot use file modes with executable permissions (e.g. 0777, 0755)`);

  const prefix = options.prefix ?? "";
  // A newline in the prefix would let whoever sets it forge whole audit lines (GHSA-xp75-r577-cvhp).
  if (/[\u0000-\u001f\u007f]/.test(prefix)) throw badRequest("prefix must not contain control characters");
  if (prefix.length > 256) throw badRequest("prefix is too long");

  const logRaw = strictBool("log_raw", options.log_raw, false);
  const hmacAccessor = strictBool("hmac_accessor", options.hmac_accessor, true);

  const canonical: Record<string, string> = { file_path: filePath };
  for (const k of ["mode", "log_raw", "hmac_accessor", "prefix", "format"] as const) {
    if (options[k] !== undefined) canonical[k] = options[k];
  }
  return { config: { filePath, mode, prefix, logRaw, hmacAccessor }, canonical };
}

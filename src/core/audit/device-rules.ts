/**
 * What an audit device may do, beyond its options being well formed (Vault 1.20.1, HCSEC-2025-14).
 *
 * An audit device writes lines the server composes into a file the server opens: over the API that
 * is a file write primitive in the hands of whoever holds sudo on sys/audit. Two rules keep it from
 * becoming code execution:
 * - `prefix` puts caller-chosen text at the start of every line (a line of JavaScript, a cron entry),
 *   so it exists only when the server config says `allow_audit_log_prefixing = true`. Without it, a
 *   line always starts with `{"`, which is not a statement in any script language the host runs.
 * - A file enabled over the API may not land in a directory whose files the server trusts (plugin
 *   code, its database, TLS keys, its config, its policies, its own code). Audit devices declared in
 *   the config file are the operator's own choice and may write anywhere.
 */
import { lstat, realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { badRequest, isWardenError } from "../../sdk/errors.js";
import { errCode } from "./file-device.js";

/** A directory API-enabled audit files must stay out of, and how the refusal names it. */
export interface ProtectedDir {
  dir: string;
  /** "the plugin directory", "the storage directory", ... */
  what: string;
}

export interface AuditDeviceRules {
  /** allow_audit_log_prefixing from the server config. */
  allowPrefixing: boolean;
  /** Off limits to devices enabled over the API (checked after following symlinks). */
  protectedDirs: readonly ProtectedDir[];
}

export const NO_RULES: AuditDeviceRules = { allowPrefixing: false, protectedDirs: [] };

/** Vault/OpenBao's refusal, word for word: the presence of the option is enough. */
export function checkPrefixAllowed(options: Record<string, string>, rules: AuditDeviceRules): void {
  if (options.prefix !== undefined && !rules.allowPrefixing) throw badRequest("audit log prefixing is not allowed");
}

/**
 * Where a path ends up once every symlink is followed, including one that does not exist yet: the
 * nearest existing ancestor is resolved and the rest appended (the rest cannot hold symlinks, as it
 * does not exist). A dangling symlink is refused outright: opening it with O_CREAT would create its
 * target, wherever that is.
 */
export async function resolveTarget(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch (e) {
    if (errCode(e) !== "ENOENT") throw e;
  }
  const link = await lstat(absolute).catch(() => undefined);
  if (link?.isSymbolicLink()) throw badRequest(`file_path ${path} is a symbolic link to a file that does not exist`);
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  return join(await resolveTarget(parent), basename(absolute));
}

const inside = (target: string, dir: string): boolean => target === dir || target.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/**
 * The file rule for devices enabled over the API: absolute, and neither it nor (for a new file) its
 * directory resolves into a protected directory. `stdout` and `discard` write no file. Also refused:
 * an existing file with other hard links, since appending to it appends to every other name it has.
 */
export async function checkApiFilePath(filePath: string, rules: AuditDeviceRules): Promise<void> {
  if (filePath === "stdout" || filePath === "discard") return;
  if (!isAbsolute(filePath)) throw badRequest(`file_path must be an absolute path, "stdout" or "discard"`);
  const target = await resolveTarget(filePath).catch((e: unknown) => {
    if (isWardenError(e)) throw e;
    throw badRequest(`file_path ${filePath} cannot be resolved${errCode(e) ? ` (${errCode(e)})` : ""}`);
  });
  for (const p of rules.protectedDirs) {
    // The protected directory may itself be reached through a symlink (or not exist: then its spelling counts).
    const dir = await resolveTarget(p.dir).catch(() => resolve(p.dir));
    if (inside(target, dir)) {
      throw badRequest(
        `file_path ${filePath} is refused: an audit device enabled over the API may not write inside ${p.what} (${dir}); ` +
          "declare the device in the server config file to log there",
      );
    }
  }
  const st = await stat(target).catch(() => undefined);
  if (st?.isFile() && st.nlink > 1) {
    throw badRequest(`file_path ${filePath} is refused: the file has other hard links, and every one of them would receive the audit log`);
  }
}

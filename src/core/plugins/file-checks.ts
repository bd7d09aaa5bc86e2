/**
 * Who may have written a plugin file (Vault's plugin_file_uid / plugin_file_permissions).
 *
 * The pin says which bytes run; these checks say that nobody but the designated owner could have put
 * them there. A plugin file must be owned by the configured uid (default: the server's own) and not be
 * writable by group or other (or, with plugin_file_permissions, have exactly that mode). The plugin
 * directory and every directory between it and the file must not be writable by group or other and
 * belong to the configured uid, the server's uid or root: anyone else could add or replace files.
 */
import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { relative, sep } from "node:path";

export interface PluginFileRules {
  /** The owner plugin files must have. */
  uid: number;
  /** The exact mode plugin files must have; undefined = any mode without group/other write. */
  permissions?: number;
}

/** Rules from the config keys; undefined on platforms without POSIX owners (the checks are skipped). */
export function pluginFileRules(uid: number | undefined, permissions: number | undefined): PluginFileRules | undefined {
  const self = process.getuid?.();
  if (self === undefined) return undefined;
  return permissions === undefined ? { uid: uid ?? self } : { uid: uid ?? self, permissions };
}

const GROUP_OTHER_WRITE = 0o022;
const octal = (mode: number): string => "0" + (mode & 0o777).toString(8).padStart(3, "0");

/** Why the plugin file (its fstat) may not run, or undefined. `name` is how the caller named it. */
export function fileProblem(st: Stats, name: string, rules: PluginFileRules): string | undefined {
  if (st.uid !== rules.uid) return `plugin file "${name}" is owned by uid ${st.uid}, not by uid ${rules.uid} (plugin_file_uid; default: the server's own uid)`;
  const mode = st.mode & 0o777;
  if (rules.permissions !== undefined) {
    if (mode !== rules.permissions) return `plugin file "${name}" has mode ${octal(mode)}, but plugin_file_permissions requires ${octal(rules.permissions)}`;
  } else if (mode & GROUP_OTHER_WRITE) {
    return `plugin file "${name}" has mode ${octal(mode)}: group or other may write it (chmod go-w)`;
  }
  return undefined;
}

/** Why a directory holding plugin files is not safe, or undefined. */
export function dirProblem(st: Stats, what: string, rules: PluginFileRules): string | undefined {
  if (!st.isDirectory()) return `${what} is not a directory`;
  const owners = new Set([rules.uid, process.getuid?.() ?? rules.uid, 0]);
  if (!owners.has(st.uid)) return `${what} is owned by uid ${st.uid}, not by the plugin owner (uid ${rules.uid}), the server or root`;
  if (st.mode & GROUP_OTHER_WRITE) return `${what} has mode ${octal(st.mode)}: group or other may add or replace plugin files there (chmod go-w)`;
  return undefined;
}

/**
 * Checks plugin_directory (`dir`, already resolved) and each directory from it down to `file`'s
 * parent. Returns the first problem, or undefined.
 */
export async function directoriesProblem(dir: string, file: string, rules: PluginFileRules): Promise<string | undefined> {
  const parts = relative(dir, file).split(sep).slice(0, -1);
  let current = dir;
  for (const part of ["", ...parts]) {
    if (part) current = current + sep + part;
    const problem = dirProblem(await stat(current), current === dir ? `plugin_directory ${dir}` : `directory ${current}`, rules);
    if (problem) return problem;
  }
  return undefined;
}

/** Boot: the server refuses to start on a plugin_directory that is missing or that others could write. */
export async function checkPluginDirectory(dir: string, rules: PluginFileRules | undefined): Promise<void> {
  let st: Stats;
  try {
    st = await stat(dir);
  } catch (e) {
    throw new Error(`plugin_directory ${dir} cannot be used: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const problem = rules ? dirProblem(st, `plugin_directory ${dir}`, rules) : st.isDirectory() ? undefined : `plugin_directory ${dir} is not a directory`;
  if (problem) throw new Error(`${problem}; the server does not start with an unsafe plugin directory`);
}

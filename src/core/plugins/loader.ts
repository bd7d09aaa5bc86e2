import { createHash, randomBytes } from "node:crypto";
import { constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { open, realpath, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { WardenError, badRequest } from "../../sdk/errors.js";
import { type AnyPlugin, type PluginDefinition, isPluginFactory } from "../../sdk/plugin.js";
import { checkSdkVersion } from "./sdk-compat.js";
import { withDeadline } from "./deadline.js";
import { type PluginFileRules, directoriesProblem, fileProblem } from "./file-checks.js";
import { checkDeclarations, checkInstance } from "./instance.js";

/** Plugin modules are single built files; anything bigger is a mistake (or node_modules bundled twice). */
const MAX_PLUGIN_BYTES = 16 * 1024 * 1024;
/** Segments of a relative file name: no "..", no hidden tricks, no absolute paths or backslashes. */
const COMMAND = /^[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]*(?:\/[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]*)*$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface PinnedFile {
  /** Catalog name: also the mount type. */
  name: string;
  /** File name relative to plugin_directory. */
  command: string;
  sha256: string;
}

/** The directory holding this server's package.json, so a copied plugin resolves "warden/sdk" to us. */
export function packageRoot(): string {
  let dir = fileURLToPath(new URL(".", import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "warden") return dir;
    const parent = join(dir, "..");
    if (parent === dir) throw new Error("warden's package.json not found above the loader");
    dir = parent;
  }
}

export const sha256Hex = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");

/**
 * Loads out-of-tree plugins from plugin_directory (set in the config file only, never over the API:
 * the CVE-2025-6000 lesson). The file name comes from the catalog, is checked to be a plain relative
 * name, and must resolve (symlinks followed) inside the directory.
 *
 * Nothing of a plugin runs before its file passed every check, in this order: the pin (the bytes
 * read hash to the catalog's sha256; a mismatch never says what the file hashes to, so the error
 * cannot be used to pin a file the caller could not read), then owner and mode of the file and of
 * the directories holding it (file-checks.ts). Registration stops there; the module is imported only
 * when a mount needs it (enable, reload, boot).
 *
 * Time-of-check/time-of-use: the file is read ONCE, those bytes are hashed and compared with the
 * pin, the owner and mode checked are those of the descriptor they were read from, and exactly those
 * bytes are written to a private copy (0400 in a 0700 directory of our own) that is then imported.
 * Swapping the file in plugin_directory after the hash cannot change what runs. A data: URL would
 * give the same guarantee without a copy, but Node cannot resolve bare specifiers from data:
 * modules, so a plugin could not `import "warden/sdk"`; the private copy sits next to a
 * node_modules/warden link to this very server, so the plugin shares the core's SDK module instance
 * (one WardenError class). Relative imports find nothing next to the copy, which keeps the pin
 * honest: the pinned file is all the plugin code there is (plus warden/sdk and node: builtins).
 */
export class PluginLoader {
  private privateDir: string | undefined;

  constructor(
    private readonly directory: string | undefined,
    private readonly importDeadlineMs: number,
    /** Owner and mode rules; undefined where the platform has no POSIX owners. */
    private readonly fileRules?: PluginFileRules,
  ) {}

  get configured(): boolean {
    return this.directory !== undefined;
  }

  /**
   * Reads the pinned file and runs every check but the import: name, location, pin, owner and mode.
   * Returns the verified bytes. This is all registration does.
   */
  async verify(pin: PinnedFile): Promise<Buffer> {
    const command = pin.command;
    if (this.directory === undefined) throw badRequest("plugin_directory is not set in the server config: out-of-tree plugins are disabled");
    if (typeof command !== "string" || isAbsolute(command) || !COMMAND.test(command) || command.length > 255 || command.split("/").some((s) => s === "." || s === "..")) {
      throw badRequest(`invalid plugin command "${String(command).slice(0, 80)}": give a file name relative to plugin_directory`);
    }
    let dir: string;
    let file: string;
    try {
      dir = await realpath(this.directory);
      file = await realpath(join(dir, command));
    } catch {
      throw badRequest(`plugin file "${command}" not found in plugin_directory`);
    }
    if (!file.startsWith(dir + sep)) throw badRequest(`plugin file "${command}" resolves outside plugin_directory`);
    // O_NOFOLLOW: a symlink swapped in after realpath is refused rather than followed.
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => {
      throw badRequest(`plugin file "${command}" cannot be opened`);
    });
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw badRequest(`plugin file "${command}" is not a regular file`);
      if (st.size > MAX_PLUGIN_BYTES) throw badRequest(`plugin file "${command}" is larger than ${MAX_PLUGIN_BYTES} bytes`);
      const bytes = await handle.readFile();
      if (sha256Hex(bytes) !== pin.sha256) throw badRequest(`sha256 mismatch for plugin "${pin.name}": ${command} does not match the pinned sha256`);
      if (this.fileRules) {
        const problem = fileProblem(st, command, this.fileRules) ?? (await directoriesProblem(dir, file, this.fileRules));
        if (problem) throw badRequest(`plugin "${pin.name}" refused: ${problem}`);
      }
      return bytes;
    } finally {
      await handle.close();
    }
  }

  /** Verifies the file, then imports a fresh instance of the module (every enable, reload and boot). */
  async load(pin: PinnedFile): Promise<AnyPlugin> {
    const bytes = await this.verify(pin);
    // A random name: nothing about the copy can be guessed or learnt from an error message.
    const copy = join(this.ensurePrivateDir(), `${pin.name}-${randomBytes(12).toString("hex")}.mjs`);
    await writeFile(copy, bytes, { mode: 0o400, flag: "wx" });
    let mod: Record<string, unknown>;
    try {
      mod = await withDeadline(import(pathToFileURL(copy).href) as Promise<Record<string, unknown>>, this.importDeadlineMs, () =>
        badRequest(`plugin "${pin.name}": the module did not finish loading within ${this.importDeadlineMs} ms`),
      );
    } catch (e) {
      if (e instanceof WardenError) throw e;
      const msg = e instanceof Error ? e.message.split("\n")[0]!.replaceAll(this.privateDir ?? "\0", "") : String(e);
      throw badRequest(`plugin "${pin.name}": the module failed to load: ${msg.slice(0, 300)}`);
    } finally {
      // Node keeps the evaluated module; the copy is no longer needed.
      await unlink(copy).catch(() => {});
    }
    return validatePluginExport(pin.name, mod);
  }

  /** Removes the private directory (server shutdown). */
  close(): void {
    if (this.privateDir) rmSync(this.privateDir, { recursive: true, force: true });
    this.privateDir = undefined;
  }

  private ensurePrivateDir(): string {
    if (!this.privateDir) {
      // mkdtemp creates it 0700: only this server's user can add or change files in it.
      const dir = mkdtempSync(join(tmpdir(), "warden-plugins-"));
      mkdirSync(join(dir, "node_modules"), { mode: 0o700 });
      symlinkSync(packageRoot(), join(dir, "node_modules", "warden"), "dir");
      this.privateDir = dir;
    }
    return this.privateDir;
  }
}

/**
 * The module's `default` or `plugin` export must be a plugin definition the core can serve. A
 * factory's paths are checked when `setup` makes a mount's instance (enable, reload, boot).
 */
export function validatePluginExport(name: string, mod: Record<string, unknown>): AnyPlugin {
  const def = (mod.default ?? mod.plugin) as Partial<PluginDefinition> | undefined;
  const bad = (why: string): WardenError => badRequest(`plugin "${name}": the module does not export a valid plugin (default export or "plugin"): ${why}`);
  if (def === null || typeof def !== "object") throw bad("no such export");
  if (typeof def.type !== "string" || def.type === "") throw bad("missing type");
  if (typeof def.sdkVersion !== "string") throw bad("missing sdkVersion");
  try {
    checkSdkVersion(def as PluginDefinition);
  } catch (e) {
    throw badRequest((e as Error).message);
  }
  checkDeclarations(def, bad);
  if (isPluginFactory(def as AnyPlugin)) return def as AnyPlugin;
  // The paths-only shape serves its paths directly: the same checks as a factory's instance.
  try {
    checkInstance(def);
  } catch (e) {
    throw bad((e as Error).message);
  }
  return def as PluginDefinition;
}

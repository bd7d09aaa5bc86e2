// `warden login -method=<catalog plugin>`: the plugin's own login handler (its definition's `login`),
// loaded from its pinned file through the server's own loader, so the client side runs exactly the
// code the operator registered, with the same checks: a plain file name inside the directory (no
// symlink out of it), the sha256 pin, a private read-only copy imported, the SDK version. The server's
// owner and mode rules (plugin_file_uid, plugin_file_permissions) are server config and not applied
// here: the pin alone decides which bytes run, and a client's files are often installed by root.
//
// Where things come from, on the client's side:
//   - the directory: -plugin-directory or WARDEN_PLUGIN_DIRECTORY (the operator ships the plugin's
//     file to clients as they ship it to servers); without one, a catalog method is sent generically;
//   - the pin: -plugin-sha256 (then the file is <name>.js), else the catalog entry itself, read from
//     the server with the CLI's token (sys/plugins/catalog/auth/<name> needs sudo: operators).
import { DEFAULT_PLUGIN_DEADLINE_MS } from "../core/plugins/deadline.js";
import { PluginLoader, type PinnedFile, SHA256_HEX } from "../core/plugins/loader.js";
import { WardenError } from "../sdk/errors.js";
import type { LoginHandler } from "../sdk/login-handler.js";
import { UsageError } from "./args.js";
import { ApiError, type Client } from "./client.js";

/** Catalog names, as the server accepts them (lowercase; never a path). */
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface PluginSource {
  directory: string;
  /** The pin given on the command line; else the catalog's is read. */
  sha256?: string;
}

/** The catalog plugin's login handler, or undefined when the plugin has none (a generic login then). */
export async function catalogLoginHandler(name: string, source: PluginSource, client: Client): Promise<LoginHandler | undefined> {
  if (!NAME.test(name)) throw new UsageError(`invalid method "${name.slice(0, 64)}": a catalog plugin's name is lowercase letters, digits, "-" and "_"`);
  const pin = source.sha256 !== undefined ? pinFromFlag(name, source.sha256) : await pinFromCatalog(name, client);
  const loader = new PluginLoader(source.directory, DEFAULT_PLUGIN_DEADLINE_MS);
  try {
    return (await loader.load(pin)).login;
  } catch (e) {
    if (e instanceof WardenError) throw new Error(e.errors.join("; "));
    throw e;
  } finally {
    loader.close();
  }
}

function pinFromFlag(name: string, sha256: string): PinnedFile {
  const pin = sha256.trim().toLowerCase();
  if (!SHA256_HEX.test(pin)) throw new UsageError("-plugin-sha256 must be 64 hex digits (see `warden plugin sha256 <file>`)");
  return { name, command: `${name}.js`, sha256: pin };
}

async function pinFromCatalog(name: string, client: Client): Promise<PinnedFile> {
  let data: { command?: unknown; sha256?: unknown } | undefined;
  try {
    data = ((await client.request("GET", `sys/plugins/catalog/auth/${name}`)).body as { data?: typeof data } | null)?.data;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status >= 500) throw e;
    throw new UsageError(`cannot read the catalog entry of plugin "${name}" (${e.status}): give its pin with -plugin-sha256, or use a token that may read sys/plugins/catalog`);
  }
  if (typeof data?.command !== "string" || typeof data.sha256 !== "string" || data.command === "") {
    throw new UsageError(`"${name}" is not a registered catalog plugin`);
  }
  return { name, command: data.command, sha256: data.sha256 };
}

import { badRequest, notFound } from "../../sdk/errors.js";
import { type AnyCorePath, corePath } from "../framework/core-path.js";
import { type MountTable, canonicalAuthPath } from "../mounts/mount-table.js";
import type { PluginRegistry } from "../plugins/registry.js";

const catalogFields = {
  type: { type: "string" },
  name: { type: "string" },
  sha256: { type: "string" },
  command: { type: "string" },
  version: { type: "string" },
  args: { type: "string_slice" },
  env: { type: "string_slice" },
} as const;

const reloadFields = {
  plugin: { type: "string" },
  mounts: { type: "comma_string_slice" },
  scope: { type: "string" },
} as const;

/** Only auth methods are pluggable here; other catalog types are refused, not silently accepted. */
function authOnly(type: string | undefined): void {
  if (type !== "auth") throw badRequest(`unsupported plugin type "${String(type).slice(0, 20)}": only "auth" plugins exist in warden`);
}

/**
 * sys/plugins/*, shaped like Vault's: the catalog (register with a sha256 pin, read, list, delete)
 * and reload. The file named by `command` is looked up in plugin_directory, which only the config
 * file sets; a request can name a catalog entry, never a path to load.
 */
export function sysPluginPaths(registry: PluginRegistry, mounts: MountTable): AnyCorePath[] {
  const detailed = async (): Promise<Array<Record<string, unknown>>> => [
    ...registry.builtinNames().map((name) => ({ name, type: "auth", builtin: true, version: registry.builtinVersionTag, sha256: "", deprecation_status: "supported" })),
    ...(await registry.listExternal()).map((e) => ({ name: e.name, type: "auth", builtin: false, version: e.version, sha256: e.sha256, command: e.command })),
  ];
  return [
    corePath({
      pattern: "plugins/catalog", help: "List the plugin catalog (builtin and registered).",
      fields: {},
      sudo: true,
      operations: {
        read: async () => {
          const all = await detailed();
          return { data: { auth: all.map((p) => p.name).sort(), database: [], secret: [], detailed: all } };
        },
      },
    }),
    corePath({
      pattern: "plugins/catalog/:type/?", help: "List the plugins of a type.",
      fields: { type: { type: "string" } },
      sudo: true,
      operations: {
        list: async (req) => {
          authOnly(req.data.type);
          return { data: { keys: (await detailed()).map((p) => p.name as string).sort() } };
        },
      },
    }),
    corePath({
      pattern: "plugins/catalog/:type/:name", help: "Register (sha256 pin, command, version), read or remove a plugin.",
      fields: catalogFields,
      sudo: true,
      operations: {
        read: async (req) => {
          authOnly(req.data.type);
          const name = req.data.name!;
          if (registry.isBuiltin(name) && registry.builtinNames().includes(name)) {
            return { data: { name, type: "auth", builtin: true, version: registry.builtinVersionTag, sha256: "", command: "", args: [] } };
          }
          const e = await registry.entry(name);
          if (!e) throw notFound();
          return { data: { name: e.name, type: "auth", builtin: false, version: e.version, sha256: e.sha256, command: e.command, args: [] } };
        },
        update: async (req) => {
          authOnly(req.data.type);
          const d = req.data;
          if ((d.args ?? []).length > 0 || (d.env ?? []).length > 0) throw badRequest("args and env are not supported: warden plugins are modules, not processes");
          await registry.register({ name: d.name!, command: (d.command ?? "").trim(), sha256: d.sha256 ?? "", version: (d.version ?? "").trim() });
        },
        delete: async (req) => {
          authOnly(req.data.type);
          const name = req.data.name!;
          const inUse = mounts.mountsOfType(name).map((m) => m.record.path.slice(5));
          if (inUse.length > 0) throw badRequest(`plugin "${name}" is in use by ${inUse.join(", ")}: disable those mounts first`);
          await registry.deregister(name);
        },
      },
    }),
    corePath({
      pattern: "plugins/reload/backend", help: "Reload the mounts of a plugin (or the named mounts) from the catalog.",
      fields: reloadFields,
      sudo: true,
      operations: {
        update: async (req) => {
          const { plugin, mounts: paths, scope } = req.data;
          // Vault's scopes: none = this node; "global" = every node on the storage.
          if (scope && scope !== "global") throw badRequest(`scope "${scope.slice(0, 20)}" is not supported: use "global" or none`);
          const hasPaths = (paths ?? []).length > 0;
          if (!!plugin === hasPaths) throw badRequest("give exactly one of plugin or mounts");
          const targets = plugin ? mounts.mountsOfType(plugin) : paths!.map((p) => mounts.get(canonicalAuthPath(p)) ?? badMount(p));
          for (const t of targets) if (t.builtin || !t.running.external) throw badRequest(`${t.record.path.slice(5)} is served by a builtin auth method; nothing to reload`);
          const reloaded: string[] = [];
          for (const t of targets) {
            await mounts.reload(t.record.path, scope === "global");
            reloaded.push(t.record.path.slice(5));
          }
          return { data: { reloaded_mounts: reloaded } };
        },
      },
    }),
  ];
}

function badMount(path: string): never {
  throw badRequest(`no auth mount at ${path.slice(0, 80)}`);
}

// `warden plugin new|sha256|register|list|deregister|reload`: authoring helpers and the
// sys/plugins API (catalog and reload), as the vault CLI's `plugin` commands.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "./args.js";
import { clientFor, CONNECTION_FLAGS, expectArgs, formatOf, FORMAT_FLAGS, type Command } from "./command.js";
import { columns, toJson } from "./format.js";
import { linkDependencies, PLUGIN_NAME, scaffold, WARDEN_ROOT } from "./plugin-scaffold.js";

export const pluginNewCommand: Command = {
  name: "plugin new",
  usage: "[options] NAME",
  summary: "Scaffold an out-of-tree auth method",
  help: `Writes a plugin folder NAME (or -dir): package.json with warden as a file: dependency on this
installation, tsconfig.json, src/index.ts (a working method) and test/plugin.test.ts (uvu, through
warden/sdk/testing). With -link, node_modules is linked to this installation instead of installed,
so \`npm test\` works offline.

    $ warden plugin new acme -link && cd acme && npm test`,
  flags: {
    dir: { kind: "string", usage: "Folder to create (default ./NAME)." },
    link: { kind: "bool", usage: "Link node_modules to this warden installation (no network)." },
  },
  async run(args, ctx) {
    const [name] = expectArgs(args, 1, 1, "NAME");
    if (!PLUGIN_NAME.test(name!)) throw new UsageError(`invalid plugin name "${name}": lowercase letters, digits and "-", starting with a letter`);
    const dir = resolve(args.strings.dir ?? name!);
    // `npm run warden -- plugin new x` runs from the checkout's folder, whatever folder it was typed in:
    // a plugin scaffolded there would sit inside warden's own tree.
    const root = WARDEN_ROOT.replace(/\/$/, "");
    if (dir === root || dir.startsWith(`${root}/`)) {
      throw new UsageError(`${dir} is inside the warden installation at ${root}; scaffold elsewhere: -dir=<folder>, or put warden on your PATH (npm link in the checkout) and run it from your own folder`);
    }
    const written = scaffold(dir, name!);
    if (args.bools.link) linkDependencies(dir);
    ctx.io.out(`Success! Scaffolded ${name} in ${dir}:\n${written.map((f) => `    ${f}\n`).join("")}\nNext: cd ${dir} && ${args.bools.link ? "" : "npm install && "}npm test\n`);
    return 0;
  },
};

export const pluginSha256Command: Command = {
  name: "plugin sha256",
  usage: "FILE",
  summary: "Print the sha256 pin of a built plugin file",
  help: "Prints the lowercase hex SHA-256 of FILE: the value `plugin register -sha256` expects.",
  flags: {},
  async run(args, ctx) {
    const [file] = expectArgs(args, 1, 1, "FILE");
    let bytes: Buffer;
    try {
      bytes = await readFile(file!);
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    ctx.io.out(`${createHash("sha256").update(bytes).digest("hex")}\n`);
    return 0;
  },
};

export const pluginRegisterCommand: Command = {
  name: "plugin register",
  usage: "[options] NAME",
  summary: "Register an auth plugin in the catalog",
  help: `Registers NAME (PUT sys/plugins/catalog/auth/NAME). The file (-command, relative to the
server's plugin_directory) must hash to -sha256, now and on every load.

    $ warden plugin register -sha256=$(warden plugin sha256 dist/src/index.js) -command=acme.js acme`,
  flags: {
    ...CONNECTION_FLAGS,
    sha256: { kind: "string", usage: "SHA-256 of the plugin file (required)." },
    command: { kind: "string", usage: "File name in plugin_directory (default NAME.js)." },
    version: { kind: "string", usage: "Semantic version of the build (v1.2.3)." },
  },
  async run(args, ctx) {
    const [name] = expectArgs(args, 1, 1, "NAME");
    if (!args.strings.sha256) throw new UsageError("-sha256 is required");
    ctx.doing = "registering plugin";
    const body = { sha256: args.strings.sha256, command: args.strings.command ?? `${name}.js`, version: args.strings.version ?? "" };
    await clientFor(args, ctx).request("PUT", `sys/plugins/catalog/auth/${name}`, { body });
    ctx.io.out(`Success! Registered plugin: ${name}\n`);
    return 0;
  },
};

export const pluginListCommand: Command = {
  name: "plugin list",
  usage: "[options]",
  summary: "List the auth plugins (builtin and registered)",
  help: "Lists the catalog (GET sys/plugins/catalog) with versions.",
  flags: { ...CONNECTION_FLAGS, ...FORMAT_FLAGS },
  async run(args, ctx) {
    ctx.doing = "listing plugins";
    const res = await clientFor(args, ctx).request("GET", "sys/plugins/catalog");
    const detailed = ((res.body as { data?: { detailed?: Array<Record<string, unknown>> } }).data?.detailed ?? []) as Array<Record<string, unknown>>;
    if (formatOf(args) === "json") ctx.io.out(`${toJson(detailed)}\n`);
    else ctx.io.out(`${columns([["Name", "Type", "Version", "Builtin"], ...detailed.map((p) => [String(p.name), String(p.type), String(p.version), String(p.builtin)])])}\n`);
    return 0;
  },
};

export const pluginDeregisterCommand: Command = {
  name: "plugin deregister",
  usage: "[options] NAME",
  summary: "Remove an auth plugin from the catalog",
  help: "DELETE sys/plugins/catalog/auth/NAME (refused while a mount uses it).",
  flags: { ...CONNECTION_FLAGS },
  async run(args, ctx) {
    const [name] = expectArgs(args, 1, 1, "NAME");
    ctx.doing = "deregistering plugin";
    await clientFor(args, ctx).request("DELETE", `sys/plugins/catalog/auth/${name}`);
    ctx.io.out(`Success! Deregistered plugin (if it was registered): ${name}\n`);
    return 0;
  },
};

export const pluginReloadCommand: Command = {
  name: "plugin reload",
  usage: "[options]",
  summary: "Reload a plugin on its mounts, without a restart",
  help:
    "PUT sys/plugins/reload/backend with -plugin=NAME (every mount of it) or -mounts=a,b. Also brings back a mount listed as failed\n" +
    "(its plugin file refused at boot) once the right file is in place. This node only, unless -scope=global.",
  flags: {
    ...CONNECTION_FLAGS,
    plugin: { kind: "string", usage: "Reload every mount of this plugin." },
    mounts: { kind: "string", usage: "Reload these auth mounts (comma-separated)." },
    scope: { kind: "string", usage: 'Empty (this node) or "global" (every node on the storage).' },
  },
  async run(args, ctx) {
    expectArgs(args, 0, 0, "no arguments");
    ctx.doing = "reloading plugin";
    const body: Record<string, string> = {};
    if (args.strings.plugin) body.plugin = args.strings.plugin;
    if (args.strings.mounts) body.mounts = args.strings.mounts;
    if (args.strings.scope) body.scope = args.strings.scope;
    const res = await clientFor(args, ctx).request("PUT", "sys/plugins/reload/backend", { body });
    const reloaded = (res.body as { data?: { reloaded_mounts?: string[] } } | null)?.data?.reloaded_mounts ?? [];
    ctx.io.out(`Success! Reloaded: ${reloaded.join(", ") || "(no mounts)"}\n`);
    return 0;
  },
};

export const pluginCommands = [pluginNewCommand, pluginSha256Command, pluginRegisterCommand, pluginListCommand, pluginDeregisterCommand, pluginReloadCommand];

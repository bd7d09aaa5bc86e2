// The files `warden plugin new <name>` writes: a working auth method (allow-listed names log in),
// its uvu test through the SDK test kit, and the build that yields the one file the catalog pins.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This checkout (or installed package): where "warden" of the scaffold's package.json points. */
export const WARDEN_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const versionOf = (pkg: string): string => (JSON.parse(readFileSync(join(WARDEN_ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;

export const PLUGIN_NAME = /^[a-z][a-z0-9-]{0,40}$/;

function files(name: string): Record<string, string> {
  const pkg = {
    name: `warden-plugin-${name}`,
    version: "0.1.0",
    private: true,
    type: "module",
    description: `The ${name} auth method for warden`,
    main: "dist/src/index.js",
    scripts: {
      build: "tsc -p .",
      test: "tsc -p . && node dist/test/plugin.test.js",
      sha256: "warden plugin sha256 dist/src/index.js",
    },
    peerDependencies: { warden: "^0.1.0" },
    devDependencies: {
      warden: `file:${WARDEN_ROOT.replace(/\/$/, "")}`,
      typescript: `^${versionOf("typescript")}`,
      uvu: `^${versionOf("uvu")}`,
      "@types/node": `^${versionOf("@types/node")}`,
    },
  };
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      lib: ["ES2023"],
      types: ["node"],
      strict: true,
      noImplicitOverride: true,
      skipLibCheck: true,
      esModuleInterop: true,
      outDir: "dist",
      rootDir: ".",
    },
    include: ["src/**/*.ts", "test/**/*.ts"],
  };
  return {
    "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify(tsconfig, null, 2)}\n`,
    ".gitignore": "node_modules/\ndist/\n",
    "src/index.ts": `/**
 * The ${name} auth method. Everything comes from "warden/sdk"; keep this one module self-contained
 * (warden/sdk and node: builtins only): the server pins and loads exactly this built file.
 */
import { badRequest, defineLoginHandler, definePath, definePlugin, invalidCredentials, loginArgs, SDK_VERSION } from "warden/sdk";

interface Config {
  allowed_names: string[];
  policies: string[];
}

const configPath = definePath({
  pattern: "config",
  fields: {
    allowed_names: { type: "comma_string_slice", description: "Names that may log in" },
    token_policies: { type: "comma_string_slice", description: "Policies of the tokens issued" },
  },
  operations: {
    read: async (req) => {
      const c = await req.storage.get<Config>("config");
      return c ? { data: { allowed_names: c.allowed_names, token_policies: c.policies } } : undefined;
    },
    update: async (req) => {
      await req.storage.put("config", { allowed_names: req.data.allowed_names ?? [], policies: req.data.token_policies ?? [] });
    },
  },
});

const loginPath = definePath({
  pattern: "login",
  unauthenticated: true,
  fields: { name: { type: "string", description: "Who is logging in" } },
  operations: {
    update: async (req) => {
      const name = (req.data.name ?? "").trim();
      if (!name) throw badRequest("missing name");
      const c = await req.storage.get<Config>("config");
      // Replace this check with a real proof of identity (a signed document, a token review...).
      if (!c || !c.allowed_names.includes(name)) throw invalidCredentials("unknown name");
      return {
        auth: {
          alias: { name },
          displayName: name,
          metadata: { name },
          token: { policies: c.policies, ttl: 3600, maxTtl: 0, explicitMaxTtl: 0, period: 0, boundCidrs: [], numUses: 0, noDefaultPolicy: false, type: "default", legacy: {} },
        },
      };
    },
  },
});

/** The client side, for \`warden login -method=${name} name=alice\` (with -plugin-directory and the pin). */
const login = defineLoginHandler({
  help: "-method=${name}: name=NAME [mount=PATH]\\n      Sends PUT auth/<path>/login with {name}.",
  login(input) {
    const args = loginArgs(input, ${JSON.stringify(name)}, ["name"]);
    const who = args.string("name");
    if (!who) throw badRequest("name is required for -method=${name}");
    return { path: "auth/" + args.mount + "/login", body: { name: who } };
  },
});

export const plugin = definePlugin({
  type: ${JSON.stringify(name)},
  sdkVersion: SDK_VERSION,
  description: "The ${name} auth method",
  // Hosts this method calls (exact names or predicates); the endpoints its config names come from
  // the instance's configuredEndpoints.
  outboundHosts: [],
  login,
  // Runs once per mount (enable, server start, reload): the mount's in-memory state (caches,
  // clients, timers) lives in here, never at module level, so it goes away with the mount.
  setup({ mount, log }) {
    return {
      paths: [configPath, loginPath],
      // Another node wrote \`key\` of this mount's storage (undefined: changes may have been missed): drop what
      // you derived from it. req.storage itself is already up to date.
      invalidate: (key) => log.debug("storage changed on another node", { key: key ?? "*" }),
      // The mount was disabled or reloaded, or the server stops: release what setup made.
      cleanup: () => log.debug("mount instance ended", { mount: mount.path }),
    };
  },
});
export default plugin;
`,
    "test/plugin.test.ts": `import * as assert from "uvu/assert";
// The kit's suite is uvu's, except that a failing before/after hook is reported instead of swallowed.
import { assertToken, startTestServer, suite, type TestServer } from "warden/sdk/testing";
import { plugin } from "../src/index.js";

const t = suite<{ s: TestServer }>(${JSON.stringify(`${name} plugin`)});
t.before(async (ctx) => {
  // A real warden server in this process (temporary SQLite, root token), the plugin mounted.
  ctx.s = await startTestServer({ plugins: [plugin], mounts: { ${JSON.stringify(name)}: ${JSON.stringify(name)} } });
  const cfg = await ctx.s.write(${JSON.stringify(`auth/${name}/config`)}, { allowed_names: "alice", token_policies: "dev" });
  assert.is(cfg.status, 204, cfg.text);
});
t.after(({ s }) => s.close());

t("an allowed name logs in and gets the configured policies", async ({ s }) => {
  const auth = await s.login(${JSON.stringify(`auth/${name}/login`)}, { name: "alice" });
  assertToken(auth, { policies: ["default", "dev"], ttl: 3600, metadata: { name: "alice" } });
});

t("anyone else is refused", async ({ s }) => {
  const r = await s.write(${JSON.stringify(`auth/${name}/login`)}, { name: "mallory" }, null);
  assert.is(r.status, 400);
});

t("the login handler builds what \`warden login -method=${name}\` sends", async () => {
  const req = await plugin.login!.login({ args: { name: "alice" }, mount: ${JSON.stringify(name)}, env: {}, address: "http://127.0.0.1:8200" });
  assert.equal(req, { path: ${JSON.stringify(`auth/${name}/login`)}, body: { name: "alice" } });
});

t.run();
`,
    "README.md": `# warden-plugin-${name}

    npm install          # or: warden plugin new ${name} -link (offline, links this warden checkout)
    npm test             # builds, then runs test/plugin.test.ts against a real in-process server
    npm run build && npm run sha256     # the pin: sha256 of dist/src/index.js

Deploy: install dist/src/index.js as ${name}.js in the server's plugin_directory, then

    install -m 0644 dist/src/index.js <plugin_directory>/${name}.js
    warden plugin register -sha256=<pin> -command=${name}.js -version=v0.1.0 ${name}
    warden auth enable -path=${name} ${name}

On a dev server, \`warden server -dev -dev-plugin-dir=<dir>\` registers every .js file of <dir> at
boot (pinned to its current sha256), so copying ${name}.js there and restarting is enough.

See docs/plugins.md of warden.
`,
  };
}

/** Writes the scaffold into `dir` (which must not exist). */
export function scaffold(dir: string, name: string): string[] {
  if (existsSync(dir)) throw new Error(`${dir} already exists`);
  const written: string[] = [];
  for (const [rel, text] of Object.entries(files(name))) {
    const file = join(dir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    written.push(rel);
  }
  return written;
}

/**
 * Offline install: node_modules entries linked to this warden and the packages it already has, in
 * place of `npm install` (CI without network, air-gapped hosts).
 */
export function linkDependencies(dir: string): void {
  const nm = join(dir, "node_modules");
  mkdirSync(join(nm, "@types"), { recursive: true });
  mkdirSync(join(nm, ".bin"), { recursive: true });
  symlinkSync(WARDEN_ROOT, join(nm, "warden"), "dir");
  for (const pkg of ["typescript", "uvu", "@types/node"]) symlinkSync(join(WARDEN_ROOT, "node_modules", pkg), join(nm, pkg), "dir");
  symlinkSync(join("..", "typescript", "bin", "tsc"), join(nm, ".bin", "tsc"));
  // What npm makes of warden's "bin" on an install (the scaffold's `npm run sha256` calls it): a
  // launcher rather than a symlink, since the compiled CLI file carries no execute bit.
  writeFileSync(join(nm, ".bin", "warden"), `#!/bin/sh\nexec node "${join(WARDEN_ROOT, "dist", "src", "cli", "main.js")}" "$@"\n`, { mode: 0o755 });
}

import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

/**
 * The server side as one bundle: `warden server` (src/cli/main.ts) imports dist/src/bundle/server.js,
 * built from src/cli/server-command.ts and everything it reaches, our modules and the ES-module
 * dependencies together. A start then loads a handful of files instead of ~400 modules, which was
 * most of its time (docs/architecture.md, "Build and start").
 *
 * What stays outside, imported at run time as before:
 * - warden/sdk (src/sdk/*): plugins built outside the core import "warden/sdk", and must get the very
 *   module the core uses (one WardenError class for instanceof, one set of field helpers). Every import
 *   of an SDK file is therefore rewritten to "warden/sdk", which resolves to dist/src/sdk/index.js.
 * - native and other CommonJS packages (better-sqlite3, pg, prom-client, @cdktn/hcl2json's wasm, the
 *   Alibaba SDK, thread-stream): Node loads them as it did; several find their own files at run time.
 *
 * The output sits in dist/src/bundle/, at the same depth below dist/ as dist/src/server/ and
 * dist/src/core/: the modules that find files relative to their own URL (the policies/ folder, dist/ui,
 * package.json, dist/build-info.json) find the same files from the bundle.
 */
const root = fileURLToPath(new URL(".", import.meta.url));
const sdkDir = fileURLToPath(new URL("src/sdk/", import.meta.url));

/**
 * Bundled: the ES-module dependencies (drizzle alone is ~110 files) and pino with the CommonJS
 * packages it requires at load (~30 files). Every other dependency stays external. thread-stream
 * (pino's transports, which warden does not use) stays out: it starts a worker from its own file.
 */
const BUNDLED_DEPENDENCIES = [
  "drizzle-orm",
  "hono",
  "@hono/node-server",
  "jose",
  "shamir-secret-sharing",
  "pino",
  "pino-std-serializers",
  "@pinojs/redact",
  "sonic-boom",
  "quick-format-unescaped",
  "safe-stable-stringify",
  "atomic-sleep",
  "on-exit-leak-free",
];

/**
 * External CommonJS packages the bundle imports: each is required (createRequire), not imported. An
 * ES import of a CommonJS file makes Node scan it, and every file it re-exports, for export names
 * (cjs-module-lexer) before it runs: for better-sqlite3 that was ~10 ms of every start. Default imports
 * only (a named import fails the build: the module below has no such export).
 */
const REQUIRED_COMMONJS = new Set(["better-sqlite3", "pg"]);

function requiredCommonJs(): Plugin {
  const PREFIX = "\0required-commonjs:";
  return {
    name: "warden-required-commonjs",
    enforce: "pre",
    resolveId(source) {
      return REQUIRED_COMMONJS.has(source) ? PREFIX + source : null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const name = JSON.stringify(id.slice(PREFIX.length));
      return `import { createRequire } from "node:module";\nexport default createRequire(import.meta.url)(${name});\n`;
    },
  };
}

/**
 * A builtin plugin's chunk is named after its directory (every one's entry is backend.ts), hono's
 * node:http adapter (loaded at the first request left to hono, server/listen.ts) after the package.
 */
function chunkName(facade: string | null, name: string): string {
  const plugin = facade === null ? null : /\/plugins\/([^/]+)\/backend\.ts$/.exec(facade);
  if (plugin) return `plugin-${plugin[1]}`;
  return facade !== null && facade.includes("/node_modules/@hono/node-server/") ? "hono-node-server" : name;
}

/** Any import of src/sdk/<file> (but its testing helpers) becomes an import of "warden/sdk". */
function sdkExternal(): Plugin {
  return {
    name: "warden-sdk-external",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (source === "warden/sdk") return { id: "warden/sdk", external: true };
      if (!importer || !source.startsWith(".")) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (resolved && resolved.id.startsWith(sdkDir) && !resolved.id.startsWith(`${sdkDir}testing/`)) return { id: "warden/sdk", external: true };
      return resolved;
    },
  };
}

export default defineConfig({
  root,
  publicDir: false,
  logLevel: "warn",
  plugins: [sdkExternal(), requiredCommonJs()],
  ssr: {
    target: "node",
    noExternal: BUNDLED_DEPENDENCIES,
  },
  build: {
    ssr: true,
    outDir: "dist/src/bundle",
    emptyOutDir: true,
    target: "node20",
    minify: false,
    // Stack traces name bundle lines (each module's code stays readable under a `//#region <file>`
    // comment); `node --enable-source-maps` maps them back to the TypeScript sources.
    sourcemap: true,
    reportCompressedSize: false,
    rolldownOptions: {
      input: { server: "src/cli/server-command.ts" },
      output: {
        format: "esm",
        entryFileNames: "[name].js",
        // Named after what they hold, for stack traces: plugin-approle.js, not backend-C2FzP4Pu.js.
        chunkFileNames: (chunk) => `${chunkName(chunk.facadeModuleId, chunk.name)}.js`,
      },
    },
  },
});

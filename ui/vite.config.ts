import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The console is served by warden at /ui/ from dist/ui (see src/server/ui-routes.ts): hashed file
// names under assets/, no inline script (the server's CSP forbids it), nothing from a CDN.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/ui/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  test: {
    environment: "happy-dom",
    include: ["test/**/*.test.{ts,tsx}"],
  },
});

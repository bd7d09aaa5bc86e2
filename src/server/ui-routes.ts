import { readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";

/**
 * The web console's static files at /ui/ (config `ui = true`). The files are Vite's build output
 * (dist/ui, made by `npm ci`'s prepare step): index.html plus content-hashed files under assets/.
 * They are read once, on the first console request, and answered from memory; nothing is fetched
 * from anywhere else, and the console talks to the same /v1 JSON API as the CLI.
 */

/** Where the build writes the console: dist/ui beside dist/src (this file is dist/src/server/ui-routes.js). */
export const UI_DIST_DIR = fileURLToPath(new URL("../../ui/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

/**
 * No inline script or style, nothing from another origin, never framed. `connect-src 'self'`: the
 * console only calls this server's API.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": UI_CSP,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
} as const;

/** Vite names files under assets/ by their content hash: they never change, so they may be kept a year. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** index.html names the current hashed files: always revalidated. */
const REVALIDATE = "no-cache";

interface UiFile {
  body: Buffer;
  type: string;
  cache: string;
}

function loadFiles(dir: string): Map<string, UiFile> {
  const files = new Map<string, UiFile>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const rel = relative(dir, full).split(sep).join("/");
        files.set(rel, {
          body: readFileSync(full),
          type: TYPES[extname(name)] ?? "application/octet-stream",
          cache: rel.startsWith("assets/") ? IMMUTABLE : REVALIDATE,
        });
      }
    }
  };
  walk(dir);
  return files;
}

function respond(file: UiFile, method: string): Response {
  return new Response(method === "HEAD" ? null : new Uint8Array(file.body), {
    status: 200,
    headers: { ...SECURITY_HEADERS, "content-type": file.type, "cache-control": file.cache, "content-length": String(file.body.length) },
  });
}

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...extra } });
}

export function addUiRoutes(app: Hono<any>, dir: string = UI_DIST_DIR): void {
  let files: Map<string, UiFile> | undefined;
  const get = (): Map<string, UiFile> | undefined => {
    if (files) return files;
    try {
      files = loadFiles(dir);
    } catch {
      return undefined; // not built: answered below, and tried again on the next request
    }
    return files;
  };

  app.get("/", () => plain(307, "", { location: "/ui/" }));
  // As Vault with its UI on: the console is for operators, not for search engines.
  app.get("/robots.txt", () => plain(200, "User-agent: *\nDisallow: /\n"));
  app.get("/ui", () => plain(307, "", { location: "/ui/" }));
  app.get("/ui/*", (c) => {
    const all = get();
    const index = all?.get("index.html");
    if (!all || !index) return plain(503, "The web console is not built: run `npm ci` (or `npm run build`) in the warden checkout.\n");
    const rel = c.req.path.slice("/ui/".length);
    if (rel === "" || rel === "index.html") return respond(index, c.req.method);
    const file = all.get(rel);
    if (file) return respond(file, c.req.method);
    // A missing asset is a 404, never index.html: a stale page must not run HTML as a script.
    return plain(404, "not found\n");
  });
}

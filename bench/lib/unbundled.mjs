// The unbundled server entry of the bench (unbundled-main.mjs), and the guard of the preloads that only
// take effect there: in the bundled server (dist/src/cli/main.js) a patched dist/src module is a copy
// nothing runs, and the comparison would silently measure the same build twice.
import { realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const UNBUNDLED_MAIN = join(dirname(fileURLToPath(import.meta.url)), "unbundled-main.mjs");

export function requireUnbundled(preload) {
  const entry = process.argv[1] === undefined ? "" : realpathSync(process.argv[1]);
  if (entry !== realpathSync(UNBUNDLED_MAIN)) {
    throw new Error(`${preload} patches dist/src modules: start the server through bench/lib/unbundled-main.mjs, not ${entry || "(no entry)"}`);
  }
}

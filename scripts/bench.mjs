// `npm run bench [-- scenario ... --seconds N]`: see bench/run.mjs. Needs a build (npm run build).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
if (!existsSync(`${root}dist/src/cli/main.js`)) {
  console.error("bench: dist/ is missing; run `npm run build` first");
  process.exit(1);
}
const r = spawnSync(process.execPath, [`${root}bench/run.mjs`, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);

// Bench only: `warden server` from tsc's unbundled tree (dist/src/cli/server-command.js and the modules
// it imports), where `dist/src/cli/main.js server` runs the bundle (dist/src/bundle/). A bench preload
// that patches a dist/src module (no-barrier-preload.mjs, no-metrics-preload.mjs) patches the code
// that runs only here, so both sides of those comparisons start through this file: the same code,
// the same module layout, the preload the only difference.
// Usage: node [--import <preload>] bench/lib/unbundled-main.mjs server <server args>
const [command, ...args] = process.argv.slice(2);
if (command !== "server") throw new Error("bench/lib/unbundled-main.mjs runs `server` only");
const { runServer } = await import("../../dist/src/cli/server-command.js");
await runServer(args);

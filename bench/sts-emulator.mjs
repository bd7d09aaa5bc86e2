// The STS emulator for benchmarks: the repository's emulator (dist/), demo identity only, and no
// per-request log line (npm run sts-emulator prints one per request, which would be measured too).
// Usage: node bench/sts-emulator.mjs <port>   (prints "listening <port>" when ready)
import { DEMO_IDENTITY } from "../dist/src/emulators/sts/demo-identity.js";
import { startStsEmulator } from "../dist/src/emulators/sts/server.js";

const emulator = await startStsEmulator({ host: "127.0.0.1", port: Number(process.argv[2] ?? 0), identities: [{ ...DEMO_IDENTITY }] });
// The emulator keeps every request for tests to inspect; under load that is an unbounded array.
// Drop the history every second so a long run measures the emulator, not a growing heap.
setInterval(() => emulator.requests.splice(0), 1000).unref();
process.stdout.write(`listening ${emulator.port}\n`);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => emulator.close().finally(() => process.exit(0)));

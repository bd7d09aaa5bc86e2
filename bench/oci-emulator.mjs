// The OCI identity emulator for benchmarks: the repository's emulator (dist/), a tenancy read from a
// JSON spec file written by the bench (users with their public keys, groups), and no per-request log.
// Usage: node bench/oci-emulator.mjs <port> <spec.json>   (prints "listening <port>" when ready)
import { readFileSync } from "node:fs";
import { startOciEmulator } from "../dist/src/emulators/oci/server.js";

const spec = JSON.parse(readFileSync(process.argv[3], "utf8"));
const emulator = await startOciEmulator({ ...spec, host: "127.0.0.1", port: Number(process.argv[2] ?? 0) });
// The emulator records every request for tests; drop the history every second under load.
setInterval(() => emulator.requests.splice(0), 1000).unref();
process.stdout.write(`listening ${emulator.port}\n`);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => emulator.close().finally(() => process.exit(0)));

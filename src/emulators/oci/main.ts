// `npm run oci-emulator -- [--port 9002] [--host 127.0.0.1] [--dir DIR]`
// Runs the emulator in the foreground for the dev-server walk-through until SIGINT/SIGTERM. The demo
// tenancy's keys and an OCI config file for its user are written to DIR (default: a new temp dir).
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO, writeDemoTenancy } from "./demo-tenancy.js";
import { startOciEmulator } from "./server.js";
import { closeOnSignals, parseEmulatorArgs, portOption } from "../usage.js";

const USAGE = `Usage: npm run oci-emulator -- [--port 9002] [--host 127.0.0.1] [--dir DIR]

Runs the OCI identity emulator in the foreground until SIGINT/SIGTERM. The demo tenancy's keys and
an OCI config file for its user are written to DIR (default: a new temporary directory).

  --port N     listen port (default 9002; 0 = any free port)
  --host H     listen address (default 127.0.0.1)
  --dir DIR    where the demo keys, the user's OCI config file (config) and the service key
               (warden-service.pem, its id in service_key_id) are written; created if absent
  -h, --help   this text
`;

async function main(): Promise<void> {
  const values = parseEmulatorArgs("oci-emulator", USAGE, {
      port: { type: "string", default: "9002" },
      host: { type: "string", default: "127.0.0.1" },
      dir: { type: "string" },
    });
  const port = portOption(values.port);
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), "oci-emulator-"));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const demo = writeDemoTenancy(dir);
  const emulator = await startOciEmulator({ ...demo.spec, host: values.host, port, log: (l) => console.log(`[oci-emulator] ${l}`) });

  console.log(`OCI identity emulator listening on ${emulator.url}`);
  console.log("Demo tenancy (only valid against this emulator):");
  console.log(`  tenancy             ${DEMO.tenancy}`);
  console.log(`  group               ${DEMO.group}  (member: demo-user)`);
  console.log(`  OCI_CONFIG_FILE     ${demo.userConfigFile}`);
  console.log(`  service_key_id      ${demo.serviceKeyId}`);
  console.log(`  service key file    ${demo.serviceKeyFile}`);
  console.log(`  instance            ${DEMO.instance}  (dynamic group ${DEMO.dynamicGroup})`);
  console.log(`  instance key file   ${demo.instanceKeyFile}`);
  console.log(`  federation          POST ${emulator.url}/v1/x509 (instance-principal session tokens)`);

  closeOnSignals("oci-emulator", emulator);
}

main().catch((err: unknown) => {
  console.error(`oci-emulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

// `npm run ecs-metadata-emulator -- [--port 9003] [--host 127.0.0.1] [--ram-roles file.json] [--role NAME]`
// Runs the ECS instance metadata emulator (hardened mode) in the foreground until SIGINT/SIGTERM. The
// instance's RAM role is the demo one (dev-role, which `npm run sts-emulator` always knows), or the
// one named by --role in the --ram-roles file (give the STS emulator the same file).
import { readFileSync } from "node:fs";
import { DEMO_RAM_ROLE, parseRamRoles } from "../ram-roles.js";
import { closeOnSignals, parseEmulatorArgs, portOption } from "../usage.js";
import { startEcsMetadataEmulator } from "./server.js";

const USAGE = `Usage: npm run ecs-metadata-emulator -- [--port 9003] [--host 127.0.0.1] [--ram-roles file.json] [--role NAME]

Runs the ECS instance metadata emulator (hardened mode: PUT /latest/api/token, then the RAM role's
credentials under /latest/meta-data/ram/security-credentials/) in the foreground until SIGINT/SIGTERM.

  --port N          listen port (default 9003; 0 = any free port)
  --host H          listen address (default 127.0.0.1)
  --ram-roles FILE  the instance's possible RAM roles (give the STS emulator the same file)
  --role NAME       the role of this instance (default: the first of the file, or dev-role)
  -h, --help        this text
`;

async function main(): Promise<void> {
  const values = parseEmulatorArgs("ecs-metadata-emulator", USAGE, {
    port: { type: "string", default: "9003" },
    host: { type: "string", default: "127.0.0.1" },
    "ram-roles": { type: "string" },
    role: { type: "string" },
  });
  const port = portOption(values.port);
  const roles = values["ram-roles"] ? parseRamRoles(readFileSync(values["ram-roles"], "utf8"), values["ram-roles"]) : [{ ...DEMO_RAM_ROLE }];
  const role = values.role ? roles.find((r) => r.roleName === values.role) : roles[0];
  if (!role) throw new Error(values.role ? `--role ${values.role}: not in the --ram-roles file` : "the --ram-roles file lists no role");
  const emulator = await startEcsMetadataEmulator({ host: values.host, port, role, log: (line) => console.log(`[ecs-metadata-emulator] ${line}`) });
  console.log(`ECS metadata emulator (hardened mode) listening on ${emulator.url}`);
  console.log(`  RAM role ${role.roleName} (acs:ram::${role.accountId}:role/${role.roleName}), credentials rotating every ${role.rotationSeconds}s`);
  console.log(`  agent config: metadata_endpoint = "${emulator.url}"`);
  closeOnSignals("ecs-metadata-emulator", emulator);
}

main().catch((err: unknown) => {
  console.error(`ecs-metadata-emulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

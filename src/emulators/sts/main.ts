// `npm run sts-emulator -- [--port 9001] [--host 127.0.0.1] [--identities file.json]
//                          [--oidc file.json] [--allow-http-issuer] [--ram-roles file.json]`
// Runs the emulator in the foreground for the dev-server walk-through until SIGINT/SIGTERM.
// --ram-roles names the RAM roles of emulated ECS instances (the file the ECS metadata emulator is
// given: their rotating credentials are accepted); the demo role is always known.
// --oidc names a JSON file {"providers": [OidcProviderConfig...], "roles": [OidcRoleConfig...]}.
import { readFileSync } from "node:fs";
import { DEMO_RAM_ROLE, parseRamRoles } from "../ram-roles.js";
import { DEMO_IDENTITY } from "./demo-identity.js";
import { arnOf, type StsIdentity } from "./identity.js";
import type { OidcProviderConfig, OidcRoleConfig } from "./oidc-config.js";
import { startStsEmulator } from "./server.js";
import { closeOnSignals, parseEmulatorArgs, portOption } from "../usage.js";

function loadIdentities(path: string): StsIdentity[] {
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON array of identities`);
  return parsed as StsIdentity[];
}

function loadOidc(path: string): { providers: OidcProviderConfig[]; roles: OidcRoleConfig[] } {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as { providers?: unknown; roles?: unknown };
  if (!Array.isArray(parsed.providers ?? []) || !Array.isArray(parsed.roles ?? [])) throw new Error(`${path}: expected {"providers": [...], "roles": [...]}`);
  return { providers: (parsed.providers ?? []) as OidcProviderConfig[], roles: (parsed.roles ?? []) as OidcRoleConfig[] };
}

const USAGE = `Usage: npm run sts-emulator -- [--port 9001] [--host 127.0.0.1] [--identities file.json]
                            [--oidc file.json] [--allow-http-issuer] [--ram-roles file.json]

Runs the AliCloud STS emulator (GetCallerIdentity, AssumeRoleWithOIDC) in the foreground until
SIGINT/SIGTERM.

  --port N              listen port (default 9001; 0 = any free port)
  --host H              listen address (default 127.0.0.1)
  --identities FILE     extra identities (a JSON array) beside the demo identity
  --oidc FILE           OIDC providers and roles: {"providers": [...], "roles": [...]}
  --allow-http-issuer   accept http:// issuers (real RAM wants https)
  --ram-roles FILE      RAM roles of emulated ECS instances (the file given to the ECS metadata
                        emulator): their rotating credentials are accepted; dev-role always is
  -h, --help            this text
`;

async function main(): Promise<void> {
  const values = parseEmulatorArgs("sts-emulator", USAGE, {
      port: { type: "string", default: "9001" },
      host: { type: "string", default: "127.0.0.1" },
      identities: { type: "string" },
      oidc: { type: "string" },
      "allow-http-issuer": { type: "boolean", default: false },
      "ram-roles": { type: "string" },
    });
  const port = portOption(values.port);
  const extra = values.identities ? loadIdentities(values.identities) : [];
  const oidc = values.oidc ? loadOidc(values.oidc) : { providers: [], roles: [] };
  const ramRoles = values["ram-roles"] ? parseRamRoles(readFileSync(values["ram-roles"], "utf8"), values["ram-roles"]) : [];

  const emulator = await startStsEmulator({
    host: values.host,
    port,
    identities: [{ ...DEMO_IDENTITY }, ...extra],
    log: (line) => console.log(`[sts-emulator] ${line}`),
    oidcProviders: oidc.providers,
    oidcRoles: oidc.roles,
    allowHttpIssuer: values["allow-http-issuer"],
    ramRoles: [{ ...DEMO_RAM_ROLE }, ...ramRoles],
  });

  console.log(`AliCloud STS emulator listening on ${emulator.url}`);
  // The demo credentials are fixed public fixtures (see demo-identity.ts), so printing them leaks nothing;
  // identities loaded from a file are listed without their secrets.
  console.log("Demo identity (only valid against this emulator):");
  console.log(`  ARN                           ${arnOf(DEMO_IDENTITY)}`);
  console.log(`  ALICLOUD_ACCESS_KEY           ${DEMO_IDENTITY.accessKeyId}`);
  console.log(`  ALICLOUD_SECRET_KEY           ${DEMO_IDENTITY.accessKeySecret}`);
  console.log(`  ALICLOUD_ACCESS_KEY_STS_TOKEN ${DEMO_IDENTITY.securityToken}`);
  for (const i of extra) console.log(`Loaded identity ${i.accessKeyId} -> ${arnOf(i)}`);
  for (const r of [DEMO_RAM_ROLE, ...ramRoles]) console.log(`ECS RAM role acs:ram::${r.accountId}:role/${r.roleName} (credentials from the ECS metadata emulator)`);
  for (const p of oidc.providers) console.log(`OIDC provider ${p.arn} -> issuer ${p.issuerUrl}`);
  for (const r of oidc.roles) console.log(`OIDC role ${r.arn} trusts ${r.providerArn}`);

  closeOnSignals("sts-emulator", emulator);
}

main().catch((err: unknown) => {
  console.error(`sts-emulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

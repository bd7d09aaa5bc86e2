import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { builtinPlugins } from "../../plugins/index.js";
import { devServerConfig, loadServerConfig } from "../config/server-config.js";
import { type RunningServer, startServer } from "../server/boot.js";

const USAGE = `Usage: warden server [-dev | -config=<file.hcl>]

  -config=<file>              Server configuration (HCL). See config.example.hcl.
  -dev                        Development server: SQLite in a temporary directory, plain HTTP on
                              127.0.0.1:8200, root token printed, alicloud mounted at auth/alicloud.
  -dev-root-token-id=<id>     Dev only: use <id> as the root token.
  -dev-listen-address=<addr>  Dev only: listen on host:port (default 127.0.0.1:8200; port 0 = any).
  -dev-data-dir=<dir>         Dev only: keep the SQLite file in <dir> instead of a temporary one.
`;

function flags(args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-")) throw new Error(`unexpected argument "${a}"\n\n${USAGE}`);
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    if (eq !== -1) out.set(body.slice(0, eq), body.slice(eq + 1));
    else if (body === "dev" || body === "h" || body === "help") out.set(body, "true");
    else if (i + 1 < args.length) out.set(body, args[++i]!);
    else throw new Error(`flag -${body} needs a value\n\n${USAGE}`);
  }
  return out;
}

export async function runServer(args: string[]): Promise<void> {
  const f = flags(args);
  if (f.has("h") || f.has("help")) {
    process.stdout.write(USAGE);
    return;
  }
  const dev = f.get("dev") === "true";
  const configPath = f.get("config");
  if (dev === (configPath !== undefined)) throw new Error(`give exactly one of -dev or -config\n\n${USAGE}`);
  const config = dev
    ? devServerConfig({
        listenAddress: f.get("dev-listen-address"),
        dataDir: f.get("dev-data-dir") ?? mkdtempSync(join(tmpdir(), "warden-dev-")),
      })
    : await loadServerConfig(configPath!);
  const server = await startServer({ config, plugins: builtinPlugins });
  installShutdown(server);
  if (dev) await announceDev(server, f.get("dev-root-token-id"), config.storage.type === "sqlite" ? config.storage.path : "", dataDirOf(config.storage));
  else process.stdout.write(`==> warden server started on ${server.url} (storage: ${config.storage.type})\n`);
}

const dataDirOf = (s: { type: string; path?: string }): string => (s.path ? dirname(s.path) : tmpdir());

/**
 * Dev mode: initialised with one share and unsealed. The share is also kept beside the dev database
 * (mode 0600), so a dev server restarted on -dev-data-dir unseals itself: dev mode is not for secrets.
 */
async function announceDev(server: RunningServer, rootTokenId: string | undefined, dbPath: string, dataDir: string): Promise<void> {
  const keyFile = join(dataDir, "dev-unseal-key");
  let rootToken = rootTokenId ?? "";
  let unsealKey = existsSync(keyFile) ? readFileSync(keyFile, "utf8").trim() : "";
  if (!(await server.seal.initialized())) {
    const init = await server.seal.init({ secret_shares: 1, secret_threshold: 1 }, rootTokenId);
    rootToken = init.root_token;
    unsealKey = init.keys_base64[0]!;
    writeFileSync(keyFile, unsealKey, { mode: 0o600 });
  }
  await server.seal.unseal({ key: unsealKey });
  const { core } = server;
  if (!core.mounts.get("auth/alicloud/")) {
    await core.mounts.enable({ path: "alicloud", type: "alicloud", description: "AliCloud (dev)", config: {}, options: {} });
  }
  process.stdout.write(`==> warden dev server started. Do NOT use dev mode in production.

    Listening:    ${server.url}
    Storage:      sqlite (${dbPath})
    Auth methods: token/, alicloud/
    Web console:  ${server.url}/ui/

Unseal Key: ${unsealKey}
Root Token: ${rootToken}

Try it (the STS emulator stands in for Alibaba Cloud; it verifies real signatures):
    export VAULT_ADDR=${server.url} VAULT_TOKEN=${rootToken}
    npm run sts-emulator -- --port 9001          # in another terminal: prints a demo identity
    npm run warden -- write auth/alicloud/config sts_endpoint=http://127.0.0.1:9001
    npm run warden -- write auth/alicloud/role/dev-role arn=acs:ram::1234567890123456:role/dev-role token_policies=default
    npm run warden -- login -method=alicloud role=dev-role region=cn-hangzhou \\
        access_key=<AccessKeyId> secret_key=<AccessKeySecret> security_token=<SecurityToken>

`);
}

function installShutdown(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`==> ${signal} received, shutting down\n`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { builtinPluginSources } from "../../plugins/builtin.js";
import { devServerConfig, loadServerConfig } from "../config/server-config.js";
import type { RunningServer } from "../server/boot.js";
import { loadStorageAdapter } from "../storage/open.js";

const USAGE = `Usage: warden server [-dev | -config=<file.hcl>]

  -config=<file>              Server configuration (HCL). See config.example.hcl.
  -dev                        Development server: SQLite in a temporary directory, plain HTTP on
                              127.0.0.1:8200, root token printed, alicloud mounted at auth/alicloud.
  -dev-root-token-id=<id>     Dev only: use <id> as the root token.
  -dev-listen-address=<addr>  Dev only: listen on host:port (default 127.0.0.1:8200; port 0 = any).
  -dev-data-dir=<dir>         Dev only: keep the SQLite file in <dir> instead of a temporary one.
  -dev-plugin-dir=<dir>       Dev only: plugin_directory = <dir>, and every <name>.js file in it is
                              registered in the catalog at boot as plugin <name>, pinned to the
                              sha256 it has then (mount it with: auth enable -path=<name> <name>);
                              on a reused -dev-data-dir, mounts of a changed file are reloaded.

Signals: SIGHUP reloads the listeners' TLS certificate and key and log_level from the config file;
SIGTERM (or SIGINT) stops accepting connections, answers the requests in flight and exits 0.
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
  const devPluginDir = f.get("dev-plugin-dir");
  if (devPluginDir !== undefined && !dev) throw new Error(`-dev-plugin-dir needs -dev (a configured server sets plugin_directory)\n\n${USAGE}`);
  const config = dev
    ? devServerConfig({
        listenAddress: f.get("dev-listen-address"),
        dataDir: f.get("dev-data-dir") ?? mkdtempSync(join(tmpdir(), "warden-dev-")),
      })
    : await loadServerConfig(configPath!);
  if (devPluginDir !== undefined) config.pluginDirectory = resolve(devPluginDir);
  // Until the server runs there is nothing to reload: a SIGHUP during boot must not end the process.
  const ignoreEarlyHangup = (): void => undefined;
  process.on("SIGHUP", ignoreEarlyHangup);
  // The server's modules and the storage adapter's load together, so their file reads overlap (in a
  // fresh node: ~250 ms for both at once against ~320 ms in turn, on a loaded machine).
  const [{ startServer }] = await Promise.all([import("../server/boot.js"), loadStorageAdapter(config.storage.type)]);
  const server = await startServer({ config, plugins: builtinPluginSources });
  installShutdown(server);
  installReload(server, configPath);
  process.off("SIGHUP", ignoreEarlyHangup);
  if (dev) {
    const setUp = (async () => {
      const { rootToken, unsealKey } = await prepareDev(server, f.get("dev-root-token-id"), dataDirOf(config.storage));
      // Registered before the banner, which is the "ready" a reader (and a script) waits for: an
      // `auth enable` typed right after it finds the plugins in the catalog.
      const plugins = config.pluginDirectory !== undefined ? await registerDevPlugins(server, rootToken, config.pluginDirectory) : [];
      return { rootToken, unsealKey, plugins };
    })();
    // The other "ready" (interface.md): the first 200 of sys/health. Unsealing answers 200 before the
    // key file, the alicloud mount and the plugins are there; a script that polls health and then
    // stops the server or mounts alicloud must find them.
    server.holdHealth(setUp);
    const { rootToken, unsealKey, plugins } = await setUp;
    announceDev(server, config.storage.type === "sqlite" ? config.storage.path : "", rootToken, unsealKey, plugins);
  }
  else process.stdout.write(`==> warden server started on ${server.url} (storage: ${config.storage.type})\n`);
}

const dataDirOf = (s: { type: string; path?: string }): string => (s.path ? dirname(s.path) : tmpdir());

/**
 * Dev mode: initialised with one share and unsealed. The share is also kept beside the dev database
 * (mode 0600), so a dev server restarted on -dev-data-dir unseals itself: dev mode is not for secrets.
 */
async function prepareDev(server: RunningServer, rootTokenId: string | undefined, dataDir: string): Promise<{ rootToken: string; unsealKey: string }> {
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
  return { rootToken, unsealKey };
}

/** The banner: printed once the dev server is ready, plugins of -dev-plugin-dir registered. */
function announceDev(server: RunningServer, dbPath: string, rootToken: string, unsealKey: string, pluginLines: string[]): void {
  const plugins = pluginLines.map((l) => `${l}\n`).join("");
  process.stdout.write(`==> warden dev server started. Do NOT use dev mode in production.

    Listening:    ${server.url}
    Storage:      sqlite (${dbPath})
    Auth methods: token/, alicloud/
    Web console:  ${server.url}/ui/

${plugins ? `${plugins}\n` : ""}Unseal Key: ${unsealKey}
Root Token: ${rootToken}

Try it (the STS emulator stands in for Alibaba Cloud; it verifies real signatures):
    export VAULT_ADDR=${server.url} VAULT_TOKEN=${rootToken}
    npm run sts-emulator -- --port 9001          # in another terminal: prints a demo identity
    npm run warden -- write auth/alicloud/config sts_endpoint=http://127.0.0.1:9001
    npm run warden -- write auth/alicloud/role/dev-role arn=acs:ram::1234567890123456:role/dev-role token_policies=ci-readonly token_ttl=1h
    npm run warden -- login -method=alicloud role=dev-role region=cn-hangzhou \\
        access_key=<AccessKeyId> secret_key=<AccessKeySecret> security_token=<SecurityToken>

`);
}

/**
 * -dev-plugin-dir: each `<name>.js` of the directory registered as plugin `<name>`, pinned to its bytes
 * now, and its mounts reloaded when that pin changed (a restart on -dev-data-dir after a rebuild).
 * Through the server's own catalog API with the root token, so every check a registration makes (name,
 * file location, pin, owner and mode) applies; a refused file is reported and the boot goes on.
 */
async function registerDevPlugins(server: RunningServer, rootToken: string, dir: string): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith(".js")).sort();
  if (files.length === 0) return [];
  const { sha256Hex } = await import("../core/plugins/loader.js");
  if (!rootToken) return ["Plugins: not registered (the root token of this reused data dir is unknown: pass -dev-root-token-id)"];
  const lines: string[] = [];
  const api = (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${server.url}/v1/${path}`, {
      method,
      headers: { "X-Vault-Token": rootToken, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const errorsOf = async (res: Response): Promise<string> =>
    ((await res.json().catch(() => ({}))) as { errors?: string[] }).errors?.join("; ") ?? String(res.status);
  for (const file of files) {
    const name = file.slice(0, -3);
    const sha256 = sha256Hex(readFileSync(join(dir, file)));
    const catalogPath = `sys/plugins/catalog/auth/${encodeURIComponent(name)}`;
    const before = await api("GET", catalogPath);
    const previous = before.ok ? ((await before.json()) as { data?: { sha256?: string } }).data?.sha256 : undefined;
    const res = await api("PUT", catalogPath, { sha256, command: file, version: "" });
    if (!res.ok) {
      lines.push(`Plugin NOT registered: ${file}: ${await errorsOf(res)}`);
      continue;
    }
    lines.push(`Plugin registered: ${name} (${file}, sha256 ${sha256})`);
    // A dev server restarted on its -dev-data-dir after a rebuild: the mounts booted against the old
    // pin (listed as failed). Reload them onto the new one, as the author would by hand.
    if (previous === undefined || previous === sha256) continue;
    const reload = await api("PUT", "sys/plugins/reload/backend", { plugin: name });
    if (!reload.ok) lines.push(`Plugin NOT reloaded: ${name}: ${await errorsOf(reload)}`);
    else {
      const mounts = ((await reload.json()) as { data?: { reloaded_mounts?: string[] } }).data?.reloaded_mounts ?? [];
      if (mounts.length > 0) lines.push(`Plugin reloaded: ${name} (mounts ${mounts.join(", ")})`);
    }
  }
  return lines;
}

/** How long SIGTERM lets requests in flight finish before cutting them (Vault's listener waits too). */
const DRAIN_MS = 20_000;

/**
 * SIGTERM/SIGINT: stop accepting, answer the requests in flight (up to DRAIN_MS), seal, exit 0.
 * A second signal does not restart the drain; a drain that hangs past 30 s exits 1.
 */
function installShutdown(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    server.log.info("shutting down: draining requests in flight", { signal, drain_ms: DRAIN_MS });
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    server.close(DRAIN_MS).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

/**
 * SIGHUP: the config file is read again and its TLS pairs and log_level applied (see server/reload.ts).
 * A file that no longer parses changes nothing. Reloads never overlap: a SIGHUP during one runs after.
 */
function installReload(server: RunningServer, configPath: string | undefined): void {
  let queue = Promise.resolve();
  process.on("SIGHUP", () => {
    queue = queue.then(async () => {
      if (configPath === undefined) {
        server.log.info("SIGHUP: the dev server has no config file; nothing to reload");
        return;
      }
      server.log.info("SIGHUP: reloading TLS certificates and log_level", { config_file: configPath });
      try {
        server.reload(await loadServerConfig(configPath));
      } catch (e) {
        server.log.error("SIGHUP: the config file cannot be used; nothing reloaded", { error: e instanceof Error ? e.message : String(e) });
      }
    });
  });
}

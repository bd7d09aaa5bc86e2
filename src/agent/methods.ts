/**
 * How auto-auth builds each login request: with the very login handlers `warden login -method=X`
 * uses (plugins/login-handlers.ts through the CLI's buildLogin), so signing exists once. The agent
 * only gathers what the handler needs from the method's config, files, environment and the
 * alicloud credential source, and hands it over as the handler's arguments.
 */
import { readFile, unlink } from "node:fs/promises";
import { buildLogin, builtinLoginHandler } from "../cli/login-methods.js";
import type { LoginRequest } from "../sdk/login-handler.js";
import { alicloudCredentialSource } from "./alicloud-credentials.js";
import type { AutoAuthMethod } from "./config.js";
import { errorsOf, type Upstream } from "./upstream.js";

export interface LoginBuilder {
  /** What the method logs in as, for the log (never a secret). */
  describe(): string;
  /** A fresh login request (files re-read, credentials refreshed, a new signature). */
  build(): Promise<LoginRequest>;
}

type Env = Readonly<Record<string, string | undefined>>;

async function readTrimmed(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new Error(`cannot read the ${what} file ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const v = text.trim();
  if (v === "") throw new Error(`the ${what} file ${path} is empty`);
  return v;
}

export function loginBuilder(method: AutoAuthMethod, upstream: Upstream, address: string, env: Env): LoginBuilder {
  const mount = method.mountPath.replace(/^auth\//, "");
  const cfg = method.config;
  const handler = builtinLoginHandler(cfg.type);
  if (!handler) throw new Error(`no login handler for method ${cfg.type}`);
  const run = (args: Record<string, unknown>, handlerEnv: Env = {}): Promise<LoginRequest> => buildLogin(handler, { args, mount, env: handlerEnv, address });
  switch (cfg.type) {
    case "alicloud": {
      const source = alicloudCredentialSource(cfg, env);
      return {
        describe: () => `alicloud role ${cfg.role} at ${method.mountPath}, credentials from ${source.describe()}`,
        async build() {
          const c = await source.get();
          const args: Record<string, unknown> = { role: cfg.role, region: cfg.region, access_key: c.accessKeyId, secret_key: c.accessKeySecret };
          if (c.securityToken) args.security_token = c.securityToken;
          return run(args);
        },
      };
    }
    case "approle": {
      // Vault's rule: once the secret id file is read (and removed), its secret id is kept in memory
      // for the next logins; a file written later replaces it.
      let cached: { raw: string; secretId: string } | undefined;
      const secretId = async (): Promise<string | undefined> => {
        const path = cfg.secretIdFilePath;
        if (path === undefined) return undefined;
        let raw: string;
        try {
          raw = await readTrimmed(path, "secret id");
        } catch (e) {
          if (cached !== undefined) return cached.secretId;
          throw e;
        }
        // A wrapping token unwraps once: the same file content (kept, not removed) means the same secret id.
        if (cached?.raw === raw) return cached.secretId;
        const value = cfg.secretIdResponseWrappingPath ? await unwrapSecretId(upstream, raw, cfg.secretIdResponseWrappingPath) : raw;
        if (cfg.removeSecretIdFileAfterReading) await unlink(path).catch(() => undefined);
        cached = { raw, secretId: value };
        return value;
      };
      return {
        describe: () => `approle at ${method.mountPath}`,
        async build() {
          const roleId = await readTrimmed(cfg.roleIdFilePath, "role id");
          const sid = await secretId();
          return run(sid === undefined ? { role_id: roleId } : { role_id: roleId, secret_id: sid });
        },
      };
    }
    case "jwt":
      return {
        describe: () => `jwt${cfg.role ? ` role ${cfg.role}` : ""} at ${method.mountPath} from ${cfg.path}`,
        async build() {
          const jwt = await readTrimmed(cfg.path, "JWT");
          return run(cfg.role ? { role: cfg.role, jwt } : { jwt });
        },
      };
    case "oci":
      return {
        describe: () => `oci role ${cfg.role} at ${method.mountPath}`,
        build: () =>
          run(
            { auth_type: "apikey", role: cfg.role, ...(cfg.profile ? { profile: cfg.profile } : {}) },
            { OCI_CONFIG_FILE: cfg.configFilePath ?? env.OCI_CONFIG_FILE },
          ),
      };
  }
}

/**
 * The secret id file holds a response-wrapping token: its creation path is checked against the
 * configured one first (a token wrapped elsewhere is someone else's), then it is unwrapped (once).
 */
async function unwrapSecretId(upstream: Upstream, wrapToken: string, expectedPath: string): Promise<string> {
  const lookup = await upstream.json("PUT", "sys/wrapping/lookup", { body: { token: wrapToken } });
  if (lookup.status !== 200) throw new Error(`the wrapped secret id could not be looked up: ${errorsOf(lookup)}`);
  const creationPath = String((lookup.body as { data?: { creation_path?: unknown } } | null)?.data?.creation_path ?? "").replace(/^\/+|\/+$/g, "");
  if (creationPath !== expectedPath) throw new Error(`the wrapped secret id was created at "${creationPath}", not at secret_id_response_wrapping_path "${expectedPath}"`);
  const unwrapped = await upstream.json("PUT", "sys/wrapping/unwrap", { token: wrapToken });
  if (unwrapped.status !== 200) throw new Error(`the wrapped secret id could not be unwrapped: ${errorsOf(unwrapped)}`);
  const sid = (unwrapped.body as { data?: { secret_id?: unknown } } | null)?.data?.secret_id;
  if (typeof sid !== "string" || sid === "") throw new Error("the unwrapped answer holds no secret_id");
  return sid;
}

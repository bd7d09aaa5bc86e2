// How `warden login -method=X` builds its request. Vault's CLI only knows a fixed list of methods
// and refuses the rest; warden keeps a small registry of methods that need client-side work
// (alicloud signs an STS request locally) and sends everything else generically as
// PUT auth/<path>/login with the KEY=VALUE arguments, so any mounted method can be used.
import { UsageError, type KvValue } from "./args.js";
import type { Env } from "./client.js";

export interface LoginRequest {
  /** Logical path, e.g. "auth/alicloud/login". */
  path: string;
  body: Record<string, unknown>;
}

export interface LoginMethod {
  /** Extra help shown by `warden login -h`. */
  help: string;
  /** `address` is warden's address as this client reaches it (oci signs its host). */
  build(data: Record<string, KvValue>, mount: string, env: Env, address?: string): Promise<LoginRequest>;
}

/** The signature plugins/alicloud/cli.ts exports (written by the alicloud engineer). */
type AlicloudLoginData = (opts: {
  role: string;
  region: string;
  accessKey: string;
  secretKey: string;
  securityToken?: string;
}) => { role: string; identity_request_url: string; identity_request_headers: string };

// Loaded lazily and by URL: the CLI must keep working (for every other command) in a build
// that has no alicloud plugin, and a literal specifier would make that a compile error.
const ALICLOUD_CLI_MODULE = new URL("../../plugins/alicloud/cli.js", import.meta.url).href;

async function loadAlicloudLoginData(): Promise<AlicloudLoginData> {
  let mod: { alicloudLoginData?: unknown };
  try {
    mod = (await import(ALICLOUD_CLI_MODULE)) as { alicloudLoginData?: unknown };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") {
      throw new Error("the alicloud login helper (plugins/alicloud/cli) is not part of this build");
    }
    throw e;
  }
  if (typeof mod.alicloudLoginData !== "function") {
    throw new Error("plugins/alicloud/cli does not export alicloudLoginData");
  }
  return mod.alicloudLoginData as AlicloudLoginData;
}

function single(data: Record<string, KvValue>, key: string): string | undefined {
  const v = data[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new UsageError(`${key} must be given once, as a string`);
  return v;
}

// "mount" is how the vault CLI passes -path to its alicloud handler; accepted for compatibility.
const ALICLOUD_KEYS = new Set(["role", "region", "access_key", "secret_key", "security_token", "mount"]);

const alicloud: LoginMethod = {
  help: `-method=alicloud: role=ROLE region=REGION [access_key=... secret_key=... [security_token=...]] [mount=PATH]
      Signs an STS GetCallerIdentity request locally and sends only the signed request, never the
      secret key. Credentials come from the arguments, else from ALICLOUD_ACCESS_KEY,
      ALICLOUD_SECRET_KEY and ALICLOUD_ACCESS_KEY_STS_TOKEN. (ECS instance metadata is not consulted.)`,
  async build(data, mount, env) {
    for (const k of Object.keys(data)) if (!ALICLOUD_KEYS.has(k)) throw new UsageError(`unknown alicloud login argument: ${k}`);
    const role = single(data, "role");
    const region = single(data, "region");
    if (!role) throw new UsageError("role is required for -method=alicloud");
    if (!region) throw new UsageError("region is required for -method=alicloud");
    // Take the whole credential set from one source: mixing an argument key with an
    // environment STS token would only produce a signature the server rejects.
    const fromArgs = data.access_key !== undefined || data.secret_key !== undefined;
    const accessKey = fromArgs ? single(data, "access_key") : env.ALICLOUD_ACCESS_KEY;
    const secretKey = fromArgs ? single(data, "secret_key") : env.ALICLOUD_SECRET_KEY;
    const securityToken = fromArgs ? single(data, "security_token") : env.ALICLOUD_ACCESS_KEY_STS_TOKEN;
    if (!accessKey || !secretKey) {
      throw new UsageError(
        "no Alibaba Cloud credentials: pass access_key= and secret_key=, or set ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY",
      );
    }
    const loginData = await loadAlicloudLoginData();
    const opts: Parameters<AlicloudLoginData>[0] = { role, region, accessKey, secretKey };
    if (securityToken) opts.securityToken = securityToken;
    const body = loginData(opts);
    const mountArg = single(data, "mount")?.replace(/^\/+|\/+$/g, "");
    return { path: `auth/${mountArg || mount}/login`, body: { ...body } };
  },
};

/** The signature plugins/oci/cli.ts exports (written by the oci engineer). */
type OciLoginFromConfigFile = (opts: {
  address: string;
  mount: string;
  role: string;
  env: Env;
  profile?: string;
}) => { path: string; body: Record<string, unknown> };

const OCI_CLI_MODULE = new URL("../../plugins/oci/cli.js", import.meta.url).href;
const OCI_KEYS = new Set(["auth_type", "role", "mount", "profile"]);

const oci: LoginMethod = {
  help: `-method=oci: auth_type=apikey role=ROLE [mount=PATH] [profile=NAME]
      Signs GET /v1/auth/<mount>/login/<role> for warden's host with the API key of the OCI config
      file (OCI_CONFIG_FILE, else ~/.oci/config; profile DEFAULT), as Vault's CLI does, and sends
      only the signed headers. (Instance principals, auth_type=instance, are not supported.)`,
  async build(data, mount, env, address) {
    for (const k of Object.keys(data)) if (!OCI_KEYS.has(k)) throw new UsageError(`unknown oci login argument: ${k}`);
    const authType = single(data, "auth_type");
    if (authType !== "apikey" && authType !== "ak") throw new UsageError("auth_type=apikey is required for -method=oci");
    const role = single(data, "role");
    if (!role) throw new UsageError("role is required for -method=oci");
    if (!address) throw new UsageError("the server address is needed to sign an oci login");
    let mod: { ociLoginFromConfigFile?: unknown };
    try {
      mod = (await import(OCI_CLI_MODULE)) as { ociLoginFromConfigFile?: unknown };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") throw new Error("the oci login helper (plugins/oci/cli) is not part of this build");
      throw e;
    }
    if (typeof mod.ociLoginFromConfigFile !== "function") throw new Error("plugins/oci/cli does not export ociLoginFromConfigFile");
    const mountArg = single(data, "mount")?.replace(/^\/+|\/+$/g, "");
    const profile = single(data, "profile");
    const req = (mod.ociLoginFromConfigFile as OciLoginFromConfigFile)({
      address,
      mount: mountArg || mount,
      role,
      env,
      ...(profile ? { profile } : {}),
    });
    return { path: req.path, body: { ...req.body } };
  },
};

/** jwt: nothing to sign; the token usually comes from a file (jwt=@path), whose newline is trimmed. */
const JWT_KEYS = new Set(["role", "jwt", "mount"]);

const jwt: LoginMethod = {
  help: `-method=jwt: jwt=@FILE|-|TOKEN [role=ROLE] [mount=PATH]
      Sends PUT auth/<path>/login with {role, jwt}, as Vault's jwt method expects. The token is
      read from a file (e.g. /var/run/secrets/kubernetes.io/serviceaccount/token), stdin (jwt=-)
      or the argument, and trimmed of surrounding whitespace. Without role= the mount's
      default_role applies.`,
  async build(data, mount) {
    for (const k of Object.keys(data)) if (!JWT_KEYS.has(k)) throw new UsageError(`unknown jwt login argument: ${k}`);
    const token = single(data, "jwt")?.trim();
    if (!token) throw new UsageError("jwt is required for -method=jwt (jwt=@file, jwt=- or the token)");
    const role = single(data, "role")?.trim();
    const mountArg = single(data, "mount")?.replace(/^\/+|\/+$/g, "");
    return { path: `auth/${mountArg || mount}/login`, body: role ? { role, jwt: token } : { jwt: token } };
  },
};

const registry: Record<string, LoginMethod> = { alicloud, oci, jwt };

/** Any method not in the registry: the KEY=VALUE arguments are the login body, as `warden write` would send. */
const generic: LoginMethod = {
  help: `-method=<any other type>: KEY=VALUE...
      Sent as PUT auth/<path or type>/login with the arguments as the JSON body (e.g. approle
      role_id=... secret_id=...). Vault's CLI refuses methods it does not know; warden supports
      any mounted method this way.`,
  async build(data, mount) {
    return { path: `auth/${mount}/login`, body: data };
  },
};

export function loginMethod(name: string): LoginMethod {
  return registry[name] ?? generic;
}

export function loginMethodsHelp(): string {
  return [...Object.values(registry), generic].map((m) => m.help).join("\n\n");
}

// `warden login`: obtain a token and store it in ~/.warden-token. -method=token (the default)
// checks the given token with GET auth/token/lookup-self; every other method's request is built by
// its plugin's login handler (login-methods.ts, plugin-login.ts) and sent without any token
// header, as Vault's CLI does.
import { parseKeyValues, UsageError, type ParsedArgs } from "./args.js";
import { resolveAddress } from "./client.js";
import { clientFor, CONNECTION_FLAGS, FIELD_FLAGS, formatOf, FORMAT_FLAGS, type Command, type Ctx } from "./command.js";
import { authRows, fieldValue, kvTable, toJson, warningsText, type SecretLike } from "./format.js";
import type { LoginHandler } from "../sdk/login-handler.js";
// Loaded when `login` runs (prepare): the plugins' client code stays out of every other command's start.
let methods: typeof import("./login-methods.js") | undefined;
const loginMethods = (): typeof import("./login-methods.js") => {
  if (!methods) throw new Error("login methods not loaded");
  return methods;
};
import { storeToken } from "./token-store.js";

interface LookupData {
  id?: string;
  accessor?: string;
  ttl?: number;
  renewable?: boolean;
  policies?: string[];
  identity_policies?: string[];
  meta?: Record<string, string> | null;
  metadata?: Record<string, string> | null;
}

async function tokenFromArgs(args: ParsedArgs, ctx: Ctx): Promise<string> {
  const p = args.positional;
  if (p.length > 1) throw new UsageError("Too many arguments (expected at most one token)");
  if (p.length === 1 && p[0]!.startsWith("token=")) {
    const data = await parseKeyValues(p, ctx.stdin);
    return String(data.token).trim();
  }
  if (p.length === 1 && p[0] !== "-") return p[0]!;
  // "-" or nothing on a pipe: read the token from stdin rather than from the command line (keeps it out of `ps`).
  if (p.length === 1 || !process.stdin.isTTY) return (await ctx.stdin.take("the token")).trim();
  throw new UsageError("No token given: pass it as an argument, as token=..., or on stdin with \"-\"");
}

async function loginWithToken(args: ParsedArgs, ctx: Ctx): Promise<SecretLike> {
  const token = await tokenFromArgs(args, ctx);
  if (token === "") throw new UsageError("the token is empty");
  ctx.doing = "authenticating";
  const res = await clientFor(args, ctx).request("GET", "auth/token/lookup-self", { token });
  const data = ((res.body as { data?: LookupData } | null)?.data ?? {}) as LookupData;
  // Present the lookup as the auth block every other login returns, so output is uniform.
  return {
    ...(res.body as SecretLike),
    auth: {
      client_token: token,
      accessor: data.accessor ?? "",
      lease_duration: data.ttl ?? 0,
      renewable: data.renewable ?? false,
      policies: data.policies ?? [],
      token_policies: data.policies ?? [],
      identity_policies: data.identity_policies ?? [],
      metadata: data.meta ?? data.metadata ?? null,
    },
    data: null,
  };
}

/** The method's login handler: a builtin plugin's, a catalog plugin's (given its file), or the generic one. */
async function handlerFor(method: string, args: ParsedArgs, ctx: Ctx): Promise<LoginHandler> {
  const { builtinLoginHandler, genericLogin } = loginMethods();
  const builtin = builtinLoginHandler(method);
  if (builtin) return builtin;
  const directory = args.strings["plugin-directory"] || ctx.env.WARDEN_PLUGIN_DIRECTORY;
  const sha256 = args.strings["plugin-sha256"];
  if (!directory) {
    if (sha256 !== undefined) throw new UsageError("-plugin-sha256 needs -plugin-directory (or WARDEN_PLUGIN_DIRECTORY)");
    return genericLogin;
  }
  ctx.doing = `loading the login handler of plugin "${method}"`;
  const { catalogLoginHandler } = await import("./plugin-login.js");
  return (await catalogLoginHandler(method, { directory, ...(sha256 !== undefined ? { sha256 } : {}) }, clientFor(args, ctx))) ?? genericLogin;
}

async function loginWithMethod(method: string, args: ParsedArgs, ctx: Ctx): Promise<SecretLike> {
  const mount = (args.strings.path || method).replace(/^\/+|\/+$/g, "");
  const data = await parseKeyValues(args.positional, ctx.stdin);
  const handler = await handlerFor(method, args, ctx);
  ctx.doing = "authenticating";
  const req = await loginMethods().buildLogin(handler, { args: data, mount, env: ctx.env, address: resolveAddress(args.strings.address, ctx.env) });
  ctx.doing = "authenticating";
  const res = await clientFor(args, ctx).request("PUT", req.path, { body: req.body, noToken: true });
  const secret = res.body as SecretLike | null;
  if (!secret?.auth?.client_token) throw new Error(`the server answered ${req.path} without a token`);
  return secret;
}

export const loginCommand: Command = {
  name: "login",
  usage: "[options] [TOKEN | KEY=VALUE...]",
  summary: "Authenticate and store the token",
  async prepare() {
    methods ??= await import("./login-methods.js");
  },
  get help() {
    return `Authenticates to warden and stores the resulting token in ~/.warden-token, which later commands
use when neither WARDEN_TOKEN nor VAULT_TOKEN is set.

-method=token (default): TOKEN (or token=..., or "-" to read it from stdin) is checked with
      GET auth/token/lookup-self.

${loginMethods().loginMethodsHelp()}

-path changes the mount (default: the method name). Login requests carry no token.

A catalog plugin's own handler: -plugin-directory=DIR (or WARDEN_PLUGIN_DIRECTORY) names a folder
holding the plugin's file; it is checked against its sha256 pin (-plugin-sha256, file NAME.js; else
the catalog's entry, read with your token) and loaded as the server loads it.

    $ warden login hvs.XXXX
    $ warden login -method=alicloud role=dev region=cn-hangzhou
    $ warden login -method=approle -path=ci role_id=... secret_id=@secret-id.txt
    $ warden login -method=acme -plugin-directory=/etc/warden/plugins -plugin-sha256=... name=alice`;
  },
  flags: {
    ...CONNECTION_FLAGS,
    ...FORMAT_FLAGS,
    ...FIELD_FLAGS,
    method: { kind: "string", usage: 'Auth method type (default "token").', default: "token" },
    path: { kind: "string", usage: "Mount path of the auth method (default: the method type)." },
    "plugin-directory": { kind: "string", usage: "Folder with catalog plugins' files, for their login handlers (also WARDEN_PLUGIN_DIRECTORY)." },
    "plugin-sha256": { kind: "string", usage: "The plugin file's sha256 pin (default: read from the catalog with your token)." },
    "no-store": { kind: "bool", usage: "Do not store the token in ~/.warden-token." },
    "token-only": { kind: "bool", usage: "Print only the token (implies -no-store)." },
  },
  async run(args, ctx) {
    const method = args.strings.method || "token";
    const format = formatOf(args);
    ctx.doing = "authenticating";
    const secret = method === "token" ? await loginWithToken(args, ctx) : await loginWithMethod(method, args, ctx);
    const auth = secret.auth!;
    const token = auth.client_token!;
    const tokenOnly = args.bools["token-only"] === true;
    const store = !tokenOnly && !args.bools["no-store"];
    if (store) storeToken(token);
    if (tokenOnly) {
      ctx.io.out(token + (process.stdout.isTTY ? "\n" : ""));
      return 0;
    }
    const rows = authRows(auth, { showToken: true });
    if (args.strings.field) {
      const v = fieldValue(rows, args.strings.field);
      if (v === undefined) {
        ctx.io.err(`Field "${args.strings.field}" not present in secret\n`);
        return 1;
      }
      ctx.io.out(v + (process.stdout.isTTY ? "\n" : ""));
      return 0;
    }
    if (format === "json") {
      ctx.io.out(toJson(secret) + "\n");
      return 0;
    }
    const warn = warningsText(secret.warnings);
    if (warn) ctx.io.err(warn + "\n");
    if (store && (ctx.env.WARDEN_TOKEN || ctx.env.VAULT_TOKEN)) {
      ctx.io.err(
        `WARNING! ${ctx.env.WARDEN_TOKEN ? "WARDEN_TOKEN" : "VAULT_TOKEN"} is set and takes precedence over the stored token;\n` +
          "unset it to use the token from this login.\n\n",
      );
    }
    ctx.io.out(
      store
        ? "Success! You are now authenticated. The token information displayed below\n" +
            "is already stored in ~/.warden-token. You do NOT need to run \"warden login\"\n" +
            "again. Future warden requests will automatically use this token.\n\n"
        : "Success! You are now authenticated. The token information below is displayed\n" +
            "for your convenience but has NOT been stored.\n\n",
    );
    ctx.io.out(kvTable(rows) + "\n");
    return 0;
  },
};

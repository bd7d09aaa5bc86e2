// How `warden login -method=X` builds its request: with the login handler of the plugin that
// implements X (Vault's CLIHandler; see LoginHandler in the SDK). The builtin methods' handlers come
// with their plugins; a catalog plugin's handler is loaded from its pinned file (plugin-login.ts).
// A method without a handler is sent generically as PUT auth/<path>/login with the KEY=VALUE
// arguments, so any mounted method can be used (Vault's CLI refuses methods it does not know).
import { builtinLoginHandlers } from "../../plugins/login-handlers.js";
import { WardenError } from "../sdk/errors.js";
import type { LoginHandler, LoginInput, LoginRequest } from "../sdk/login-handler.js";
import { UsageError } from "./args.js";

/** Any method without a handler: the KEY=VALUE arguments are the login body, as `warden write` would send. */
export const genericLogin: LoginHandler = {
  help: `-method=<any other type>: KEY=VALUE...
      Sent as PUT auth/<path or type>/login with the arguments as the JSON body (e.g. userpass
      username=... password=...). Vault's CLI refuses methods it does not know; warden supports
      any mounted method this way, and a catalog plugin's own handler with -plugin-directory.`,
  login: ({ args, mount }) => ({ path: `auth/${mount}/login`, body: { ...args } }),
};

/** The builtin method's handler, if `name` is one that has one. */
export const builtinLoginHandler = (name: string): LoginHandler | undefined => (Object.hasOwn(builtinLoginHandlers, name) ? builtinLoginHandlers[name] : undefined);

/** Runs a handler; its usage mistakes (WardenError 4xx) are reported with the command's usage. */
export async function buildLogin(handler: LoginHandler, input: LoginInput): Promise<LoginRequest> {
  let req: LoginRequest;
  try {
    req = await handler.login(input);
  } catch (e) {
    if (e instanceof WardenError && e.status < 500) throw new UsageError(e.errors.join("; "));
    throw e;
  }
  if (req === null || typeof req !== "object" || typeof req.path !== "string" || req.body === null || typeof req.body !== "object") {
    throw new Error("the login handler returned no request");
  }
  return { path: req.path.replace(/^\/+/, ""), body: req.body };
}

export function loginMethodsHelp(): string {
  return [...Object.values(builtinLoginHandlers), genericLogin].map((m) => m.help).join("\n\n");
}

/**
 * The client side of an auth method (Vault's CLIHandler): how `warden login -method=<type>` turns
 * KEY=VALUE arguments and the environment into the login request, without the CLI knowing the
 * method. Credentials stay on the client: a handler signs or reads them and sends only proof.
 */
import { badRequest } from "./errors.js";

export interface LoginInput {
  /**
   * The KEY=VALUE arguments (`@file` and `-` already read; a key given twice is a list; a JSON
   * object from stdin keeps its types).
   */
  args: Readonly<Record<string, unknown>>;
  /** The mount path the user named with -path, or the method's type; no leading or trailing "/". */
  mount: string;
  env: Readonly<Record<string, string | undefined>>;
  /** warden's address as this client reaches it ("https://warden.internal:8200"). */
  address: string;
}

/** The login request: sent as PUT /v1/<path> with `body` as JSON and no token. */
export interface LoginRequest {
  /** "auth/<mount>/login" (or a deeper login path). */
  path: string;
  body: Record<string, unknown>;
}

export interface LoginHandler {
  /** `warden login -h` shows it: the arguments, where credentials come from, what is sent. */
  help: string;
  /** Throw `badRequest(...)` for a usage mistake: the CLI prints it with the usage text. */
  login(input: LoginInput): LoginRequest | Promise<LoginRequest>;
}

export function defineLoginHandler(handler: LoginHandler): LoginHandler {
  return handler;
}

export interface LoginArgs {
  /** A single string argument (undefined when absent); a list or an object is a usage error. */
  string(key: string): string | undefined;
  /** The `mount=` argument (Vault's CLI handlers take it) or else the mount the CLI was given. */
  mount: string;
}

/**
 * Reads a handler's arguments: refuses keys it does not know (a typo must not be sent to the
 * server, or silently ignored), and gives single values and the mount. `mount=` is always allowed.
 */
export function loginArgs(input: LoginInput, method: string, known: readonly string[]): LoginArgs {
  for (const key of Object.keys(input.args)) {
    if (key !== "mount" && !known.includes(key)) throw badRequest(`unknown ${method} login argument: ${key}`);
  }
  const string = (key: string): string | undefined => {
    const v = input.args[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw badRequest(`${key} must be given once, as a string`);
    return v;
  };
  const mount = string("mount")?.replace(/^\/+|\/+$/g, "") || input.mount;
  return { string, mount };
}

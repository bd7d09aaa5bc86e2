/**
 * Client side of `warden login -method=approle`: role_id and secret_id are sent as they are (Vault's
 * CLI has no approle handler; this one names the arguments and refuses typos before anything is sent).
 */
import { badRequest, defineLoginHandler, loginArgs } from "warden/sdk";

export const approleLogin = defineLoginHandler({
  help: `-method=approle: role_id=ID [secret_id=@FILE|-|SECRET] [mount=PATH]
      Sends PUT auth/<path>/login with {role_id, secret_id}. Read the secret id from a file or
      stdin (secret_id=@file, secret_id=-) to keep it out of the process list. secret_id may be
      left out for a role with bind_secret_id=false.`,
  login(input) {
    const args = loginArgs(input, "approle", ["role_id", "secret_id"]);
    const roleId = args.string("role_id");
    if (!roleId) throw badRequest("role_id is required for -method=approle");
    const secretId = args.string("secret_id");
    return { path: `auth/${args.mount}/login`, body: secretId === undefined ? { role_id: roleId } : { role_id: roleId, secret_id: secretId } };
  },
});

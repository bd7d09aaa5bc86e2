/**
 * Client side of `warden login -method=jwt`: nothing to sign; the token usually comes from a file
 * (jwt=@path, e.g. a Kubernetes service account token), whose trailing newline is trimmed.
 */
import { badRequest, defineLoginHandler, loginArgs } from "warden/sdk";

export const jwtLogin = defineLoginHandler({
  help: `-method=jwt: jwt=@FILE|-|TOKEN [role=ROLE] [mount=PATH]
      Sends PUT auth/<path>/login with {role, jwt}, as Vault's jwt method expects. The token is
      read from a file (e.g. /var/run/secrets/kubernetes.io/serviceaccount/token), stdin (jwt=-)
      or the argument, and trimmed of surrounding whitespace. Without role= the mount's
      default_role applies.`,
  login(input) {
    const args = loginArgs(input, "jwt", ["role", "jwt"]);
    const token = args.string("jwt")?.trim();
    if (!token) throw badRequest("jwt is required for -method=jwt (jwt=@file, jwt=- or the token)");
    const role = args.string("role")?.trim();
    return { path: `auth/${args.mount}/login`, body: role ? { role, jwt: token } : { jwt: token } };
  },
});

// `warden unwrap [TOKEN]`: what `vault unwrap` sends (api/logical.go Unwrap). With no token
// configured the wrapping token authenticates the request itself; with one configured, it goes in
// the body; with no argument the configured token is the wrapping token.
import { clientFor, CONNECTION_FLAGS, expectArgs, FIELD_FLAGS, FORMAT_FLAGS, WRAP_FLAGS, type Command } from "./command.js";
import type { SecretLike } from "./format.js";
import { printKeys, printSecret } from "./print.js";

export const unwrapCommand: Command = {
  name: "unwrap",
  usage: "[options] [TOKEN]",
  summary: "Unwrap a wrapped secret",
  help: `Unwraps a response wrapped with -wrap-ttl (or X-Vault-Wrap-TTL) and prints it. A wrapping token
works exactly once: a second unwrap, or one after its TTL, fails, which tells you that someone else
got there first. Without TOKEN, the configured token (WARDEN_TOKEN, VAULT_TOKEN) is unwrapped.

    $ warden unwrap hvs.CAESI...
    $ warden unwrap -field=secret_id hvs.CAESI...`,
  flags: { ...CONNECTION_FLAGS, ...WRAP_FLAGS, ...FORMAT_FLAGS, ...FIELD_FLAGS },
  async run(args, ctx) {
    const [given] = expectArgs(args, 0, 1, "0-1");
    const wrapping = given?.trim();
    const client = clientFor(args, ctx, { wrap: true });
    ctx.doing = "unwrapping";
    const res = !wrapping || client.isConfiguredToken(wrapping)
      ? await client.request("PUT", "sys/wrapping/unwrap")
      : client.hasToken
        ? await client.request("PUT", "sys/wrapping/unwrap", { body: { token: wrapping } })
        : await client.request("PUT", "sys/wrapping/unwrap", { token: wrapping });
    const secret = res.body as SecretLike | null;
    if (res.status === 204 || !secret) {
      ctx.io.out("Successfully unwrapped. There was no data in the wrapped secret.\n");
      return 0;
    }
    // A wrapped list answer is shown as a list, as Vault does.
    const keys = secret.data?.keys;
    if (!args.strings.field && !secret.auth && !secret.wrap_info && Array.isArray(keys) && Object.keys(secret.data!).length === 1) {
      return printKeys(ctx, args, keys);
    }
    return printSecret(ctx, args, secret, { showToken: true });
  },
};

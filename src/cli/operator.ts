// `warden operator init`: PUT sys/init, answered once per storage with the first root token.
import { UsageError } from "./args.js";
import { clientFor, CONNECTION_FLAGS, expectArgs, formatOf, FORMAT_FLAGS, type Command } from "./command.js";
import { toJson } from "./format.js";

export const operatorInitCommand: Command = {
  name: "operator init",
  usage: "[options]",
  summary: "Initialize the server and print the root token",
  help: `Initializes a server started with -config (PUT sys/init) and prints the root token (and unseal
keys, once a seal exists). It can succeed only once per storage; keep the output safe.`,
  flags: {
    ...CONNECTION_FLAGS,
    ...FORMAT_FLAGS,
    "key-shares": { kind: "string", usage: "Number of unseal key shares (default 5)." },
    "key-threshold": { kind: "string", usage: "Shares needed to unseal (default 3)." },
    "recovery-shares": { kind: "string", usage: "Auto seals (static, alicloudkms): number of recovery key shares (default 5)." },
    "recovery-threshold": { kind: "string", usage: "Auto seals: recovery shares needed (default 3)." },
  },
  async run(args, ctx) {
    expectArgs(args, 0, 0, "no arguments");
    const shares = Number(args.strings["key-shares"] ?? 5);
    const threshold = Number(args.strings["key-threshold"] ?? 3);
    if (!Number.isInteger(shares) || !Number.isInteger(threshold) || shares < 1 || threshold < 1 || threshold > shares) {
      throw new UsageError("-key-shares and -key-threshold must be positive integers with threshold <= shares");
    }
    // Vault's InitRequest fields, so a Vault-compatible server accepts the same body.
    const body = {
      secret_shares: shares,
      secret_threshold: threshold,
      stored_shares: 0,
      pgp_keys: null,
      recovery_shares: args.strings["recovery-shares"] === undefined ? 0 : Number(args.strings["recovery-shares"]),
      recovery_threshold: args.strings["recovery-threshold"] === undefined ? 0 : Number(args.strings["recovery-threshold"]),
      recovery_pgp_keys: null,
      root_token_pgp_key: "",
    };
    ctx.doing = "initializing";
    const res = await clientFor(args, ctx).request("PUT", "sys/init", { body, noToken: true });
    const out = (res.body ?? {}) as { root_token?: string; keys?: string[]; keys_base64?: string[]; recovery_keys_base64?: string[] };
    if (formatOf(args) === "json") {
      ctx.io.out(toJson(out) + "\n");
      return 0;
    }
    const keys = out.keys_base64 ?? out.keys ?? [];
    const lines = keys.map((k, i) => `Unseal Key ${i + 1}: ${k}`);
    for (const [i, k] of (out.recovery_keys_base64 ?? []).entries()) lines.push(`Recovery Key ${i + 1}: ${k}`);
    if (lines.length > 0) lines.push("");
    lines.push(`Root Token: ${out.root_token ?? ""}`);
    ctx.io.out(lines.join("\n") + "\n");
    return 0;
  },
};

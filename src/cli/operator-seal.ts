// `warden operator unseal|seal|rotate|key-status`: Vault's seal commands over the HTTP API.
import { clientFor, CONNECTION_FLAGS, expectArgs, formatOf, FORMAT_FLAGS, type Command, type Ctx } from "./command.js";
import { kvTable, cell, toJson } from "./format.js";
import { UsageError } from "./args.js";

/** Reads the key from the terminal without echoing it; from stdin (one line) when not a terminal. */
async function promptKey(ctx: Ctx, label = "Unseal Key"): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) return (await ctx.stdin.take("the unseal key")).trim();
  process.stderr.write(`${label} (will be hidden): `);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let key = "";
    const done = (err?: Error): void => {
      input.setRawMode(false);
      input.pause();
      input.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(key.trim());
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new UsageError("interrupted"));
        if (ch === "\u007f") key = key.slice(0, -1);
        else key += ch;
      }
    };
    input.on("data", onData);
  });
}

function sealTable(s: Record<string, unknown>): string {
  const rows: [string, unknown][] = [
    ["Seal Type", s.type],
    ["Initialized", s.initialized],
    ["Sealed", s.sealed],
    ["Total Shares", s.n],
    ["Threshold", s.t],
  ];
  if (s.sealed) rows.push(["Unseal Progress", `${s.progress}/${s.t}`], ["Unseal Nonce", s.nonce || "n/a"]);
  rows.push(["Version", s.version], ["Storage Type", s.storage_type]);
  return kvTable(rows.map(([k, v]) => [k, cell(v)])) + "\n";
}

export const operatorUnsealCommand: Command = {
  name: "operator unseal",
  usage: "[options] [KEY]",
  summary: "Give one unseal key share",
  help: `Sends one unseal key share (hex or base64) to PUT sys/unseal. Without KEY it is asked for on the
terminal, without echo. -reset discards the shares given so far.`,
  flags: { ...CONNECTION_FLAGS, ...FORMAT_FLAGS, reset: { kind: "bool", usage: "Discard the progress so far." } },
  async run(args, ctx) {
    const [given] = expectArgs(args, 0, 1, "at most one key");
    const reset = args.bools.reset === true;
    const body = reset ? { reset: true } : { key: given ?? (await promptKey(ctx)) };
    ctx.doing = "unsealing";
    const res = (await clientFor(args, ctx).request("PUT", "sys/unseal", { body, noToken: true })).body as Record<string, unknown>;
    ctx.io.out(formatOf(args) === "json" ? toJson(res) + "\n" : sealTable(res));
    return 0;
  },
};

export const operatorSealCommand: Command = {
  name: "operator seal",
  usage: "[options]",
  summary: "Seal the server",
  help: "Seals the node (PUT sys/seal; root or sudo): it drops its keys and answers 503 until unsealed.",
  flags: { ...CONNECTION_FLAGS },
  async run(args, ctx) {
    expectArgs(args, 0, 0, "no arguments");
    ctx.doing = "sealing";
    await clientFor(args, ctx).request("PUT", "sys/seal", { body: {} });
    ctx.io.out("Success! Warden is sealed.\n");
    return 0;
  },
};

export const operatorRotateCommand: Command = {
  name: "operator rotate",
  usage: "[options]",
  summary: "Install a new encryption key term",
  help: "Adds a keyring term (PUT sys/rotate); new values use it, older terms stay readable.",
  flags: { ...CONNECTION_FLAGS },
  async run(args, ctx) {
    expectArgs(args, 0, 0, "no arguments");
    ctx.doing = "rotating the encryption key";
    const client = clientFor(args, ctx);
    await client.request("PUT", "sys/rotate", { body: {} });
    const data = ((await client.request("GET", "sys/key-status")).body as { data: Record<string, unknown> }).data;
    ctx.io.out(`Success! Rotated key\n\n${kvTable([["Key Term", cell(data.term)], ["Install Time", cell(data.install_time)]])}\n`);
    return 0;
  },
};

export const operatorKeyStatusCommand: Command = {
  name: "operator key-status",
  usage: "[options]",
  summary: "Show the active encryption key term",
  help: "Shows the active keyring term and when it was installed (GET sys/key-status).",
  flags: { ...CONNECTION_FLAGS, ...FORMAT_FLAGS },
  async run(args, ctx) {
    expectArgs(args, 0, 0, "no arguments");
    ctx.doing = "reading the key status";
    const data = ((await clientFor(args, ctx).request("GET", "sys/key-status")).body as { data: Record<string, unknown> }).data;
    if (formatOf(args) === "json") ctx.io.out(toJson(data) + "\n");
    else ctx.io.out(kvTable([["Key Term", cell(data.term)], ["Install Time", cell(data.install_time)], ["Encryption Count", cell(data.encryptions)]]) + "\n");
    return 0;
  },
};

export const operatorRekeyCommand: Command = {
  name: "operator rekey",
  usage: "[options] [KEY]",
  summary: "Generate new unseal key shares",
  help: `Vault's rekey: -init starts it with the new share counts (PUT sys/rekey/init) and prints a
nonce; then each holder of a current share runs "warden operator rekey [KEY]" (prompted without echo
when KEY is absent; the nonce is read from the server unless -nonce is given). At the threshold the
new shares are printed. With -verify the new shares take effect only once a threshold of them is sent
back with "warden operator rekey -verify [KEY]". -status shows progress, -cancel stops the rekey.
-target=recovery rekeys an auto seal's recovery shares instead (sys/rekey-recovery-key/*; the current
recovery shares authorise it).`,
  flags: {
    ...CONNECTION_FLAGS,
    ...FORMAT_FLAGS,
    init: { kind: "bool", usage: "Start a rekey." },
    cancel: { kind: "bool", usage: "Cancel the rekey (with -verify: reset the verification)." },
    status: { kind: "bool", usage: "Show the rekey (or verification) progress." },
    verify: { kind: "bool", usage: "With -init: require verification. Otherwise: send a new share to verify." },
    nonce: { kind: "string", usage: "The rekey (or verification) nonce; read from the server when absent." },
    "key-shares": { kind: "string", usage: "Number of new key shares (default 5)." },
    "key-threshold": { kind: "string", usage: "New shares needed to unseal (default 3)." },
    target: { kind: "string", usage: 'Which shares to rekey: "barrier" (the unseal keys, default) or "recovery" (an auto seal\'s recovery keys).' },
  },
  async run(args, ctx) {
    const client = clientFor(args, ctx);
    const verify = args.bools.verify === true;
    const target = args.strings.target ?? "barrier";
    if (target !== "barrier" && target !== "recovery") throw new UsageError(`-target must be "barrier" or "recovery", not "${target}"`);
    const prefix = target === "recovery" ? "sys/rekey-recovery-key" : "sys/rekey";
    const base = verify && !args.bools.init ? `${prefix}/verify` : `${prefix}/init`;
    const show = (res: Record<string, unknown>): number => {
      if (formatOf(args) === "json") ctx.io.out(toJson(res) + "\n");
      else if (Array.isArray(res.keys_base64)) {
        const lines = (res.keys_base64 as string[]).map((k, i) => `Key ${i + 1}: ${k}`);
        lines.push("", res.verification_required ? `Verification nonce: ${res.verification_nonce}\nThe new shares take effect once a threshold of them is verified (warden operator rekey -verify).` : target === "recovery" ? "Success! The new recovery shares are in effect; the old ones no longer work." : "Success! The new shares are in effect; the old ones no longer unseal.");
        ctx.io.out(lines.join("\n") + "\n");
      } else if (res.complete) ctx.io.out("Success! Rekey verified: the new shares are in effect.\n");
      else ctx.io.out(kvTable(Object.entries(res).filter(([, v]) => v !== null).map(([k, v]) => [k, cell(v)])) + "\n");
      return 0;
    };
    if (args.bools.init) {
      expectArgs(args, 0, 0, "no arguments with -init");
      ctx.doing = "starting the rekey";
      const shares = Number(args.strings["key-shares"] ?? 5);
      const threshold = Number(args.strings["key-threshold"] ?? 3);
      const res = await client.request("PUT", `${prefix}/init`, { body: { secret_shares: shares, secret_threshold: threshold, require_verification: verify }, noToken: true });
      return show(res.body as Record<string, unknown>);
    }
    if (args.bools.cancel) {
      expectArgs(args, 0, 0, "no arguments with -cancel");
      ctx.doing = "cancelling the rekey";
      await client.request("DELETE", base, { noToken: true });
      ctx.io.out(verify ? "Success! Verification progress reset.\n" : "Success! Rekey canceled.\n");
      return 0;
    }
    if (args.bools.status) {
      expectArgs(args, 0, 0, "no arguments with -status");
      ctx.doing = "reading the rekey status";
      return show((await client.request("GET", base, { noToken: true })).body as Record<string, unknown>);
    }
    const [given] = expectArgs(args, 0, 1, "at most one key");
    ctx.doing = "rekeying";
    const nonce = args.strings.nonce ?? ((await client.request("GET", base, { noToken: true })).body as { nonce?: string }).nonce;
    if (!nonce) throw new Error(verify ? "no rekey verification in progress" : "no rekey in progress (start one with -init)");
    const key = given ?? (await promptKey(ctx, verify ? "New Key Share" : target === "recovery" ? "Recovery Key Share" : "Rekey Key Share"));
    const path = verify ? `${prefix}/verify` : `${prefix}/update`;
    return show((await client.request("PUT", path, { body: { key, nonce }, noToken: true })).body as Record<string, unknown>);
  },
};

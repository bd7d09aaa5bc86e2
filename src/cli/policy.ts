// `warden policy write|read|list|delete`: ACL policies under sys/policies/acl, as the vault CLI.
import { readFile } from "node:fs/promises";
import { UsageError } from "./args.js";
import { clientFor, CONNECTION_FLAGS, expectArgs, formatOf, FORMAT_FLAGS, type Command } from "./command.js";
import { toJson } from "./format.js";

export const policyWriteCommand: Command = {
  name: "policy write",
  usage: "[options] NAME PATH",
  summary: "Upload a policy",
  help: `Uploads the policy in the file PATH (or stdin with "-") as NAME
(PUT sys/policies/acl/NAME with {"policy": "<contents>"}).

    $ warden policy write dev dev.hcl
    $ cat dev.hcl | warden policy write dev -`,
  flags: { ...CONNECTION_FLAGS },
  async run(args, ctx) {
    const [name, file] = expectArgs(args, 2, 2, "NAME PATH");
    let policy: string;
    if (file === "-") policy = await ctx.stdin.take("the policy");
    else {
      try {
        policy = await readFile(file!, "utf8");
      } catch (e) {
        throw new UsageError(`Error opening policy file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} ${file}`);
      }
    }
    ctx.doing = "uploading policy";
    await clientFor(args, ctx).request("PUT", `sys/policies/acl/${name}`, { body: { policy } });
    ctx.io.out(`Success! Uploaded policy: ${name}\n`);
    return 0;
  },
};

export const policyReadCommand: Command = {
  name: "policy read",
  usage: "[options] NAME",
  summary: "Print a policy",
  help: "Prints the policy NAME (GET sys/policies/acl/NAME). Exits 2 if there is no such policy.",
  flags: { ...CONNECTION_FLAGS, ...FORMAT_FLAGS },
  async run(args, ctx) {
    const [name] = expectArgs(args, 1, 1, "NAME");
    ctx.doing = `reading policy named ${name}`;
    const res = await clientFor(args, ctx).request("GET", `sys/policies/acl/${name}`, { allow404: true });
    const data = (res.body as { data?: { name?: string; policy?: string } } | null)?.data;
    if (res.status === 404 || !data?.policy) {
      ctx.io.err(`No policy named: ${name}\n`);
      return 2;
    }
    if (formatOf(args) === "json") ctx.io.out(toJson({ policy: data.policy }) + "\n");
    else ctx.io.out(data.policy.endsWith("\n") ? data.policy : data.policy + "\n");
    return 0;
  },
};

export const policyListCommand: Command = {
  name: "policy list",
  usage: "[options]",
  summary: "List policy names",
  help: "Lists the ACL policy names (GET sys/policies/acl?list=true), one per line.",
  flags: { ...CONNECTION_FLAGS, ...FORMAT_FLAGS },
  async run(args, ctx) {
    expectArgs(args, 0, 0, "no arguments");
    ctx.doing = "listing policies";
    const res = await clientFor(args, ctx).request("GET", "sys/policies/acl", { query: { list: "true" }, allow404: true });
    const keys = (res.body as { data?: { keys?: unknown } } | null)?.data?.keys;
    const names = Array.isArray(keys) ? keys.map(String) : [];
    if (formatOf(args) === "json") ctx.io.out(toJson(names) + "\n");
    else if (names.length > 0) ctx.io.out(names.join("\n") + "\n");
    return 0;
  },
};

export const policyDeleteCommand: Command = {
  name: "policy delete",
  usage: "[options] NAME",
  summary: "Delete a policy",
  help: "Deletes the policy NAME (DELETE sys/policies/acl/NAME). Tokens keep the name but it grants nothing.",
  flags: { ...CONNECTION_FLAGS },
  async run(args, ctx) {
    const [name] = expectArgs(args, 1, 1, "NAME");
    ctx.doing = "deleting policy";
    await clientFor(args, ctx).request("DELETE", `sys/policies/acl/${name}`);
    ctx.io.out(`Success! Deleted policy: ${name}\n`);
    return 0;
  },
};

// The generic path commands: read, write, list, delete. They send exactly what `vault` sends
// (vault-core.md §1.6): GET with query data, PUT with string values, GET ?list=true, DELETE.
import { parseKeyValues, UsageError } from "./args.js";
import { cleanPath } from "./client.js";
import { clientFor, CONNECTION_FLAGS, expectArgs, FIELD_FLAGS, FORMAT_FLAGS, WRAP_FLAGS, type Command } from "./command.js";
import { warningsText, type SecretLike } from "./format.js";
import { printKeys, printSecret } from "./print.js";

const KV_HELP = `Values are always sent as strings. "key=@file" sends the file's contents, "key=-" reads the
value from stdin, a lone "-" merges a JSON object read from stdin, and repeating a key sends a list.`;

export const readCommand: Command = {
  name: "read",
  usage: "[options] PATH [KEY=VALUE...]",
  summary: "Read data from a path",
  help: `Reads the data at PATH (GET /v1/PATH). Extra KEY=VALUE arguments are sent as query parameters.
Exits 2 when nothing is found at PATH.

    $ warden read auth/alicloud/role/dev
    $ warden read -field=policies auth/alicloud/role/dev
    $ warden read -wrap-ttl=2m auth/approle/role/ci/role-id`,
  flags: { ...CONNECTION_FLAGS, ...WRAP_FLAGS, ...FORMAT_FLAGS, ...FIELD_FLAGS },
  async run(args, ctx) {
    const [raw, ...kv] = expectArgs(args, 1, Infinity, "PATH [KEY=VALUE...]");
    const path = cleanPath(raw!);
    const data = await parseKeyValues(kv, ctx.stdin);
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(data)) query[k] = Array.isArray(v) ? v.map(String) : String(v);
    ctx.doing = `reading ${path}`;
    const res = await clientFor(args, ctx, { wrap: true }).request("GET", path, { query, allow404: true });
    const secret = (res.body ?? {}) as SecretLike;
    // Like Vault's client: a 404, or an answer with neither data nor warnings, means "no value".
    if (res.status === 404 || (!secret.data && !secret.auth && !secret.wrap_info && !secret.warnings?.length)) {
      ctx.io.err(`No value found at ${path}\n`);
      return 2;
    }
    return printSecret(ctx, args, secret, { showToken: true });
  },
};

export const writeCommand: Command = {
  name: "write",
  usage: "[options] PATH [KEY=VALUE...]",
  summary: "Write data to a path",
  help: `Writes data to PATH (PUT /v1/PATH with a JSON body).

${KV_HELP}

A response that carries a token (e.g. writing to auth/<mount>/login) is printed as a token table.
With -wrap-ttl the response is wrapped: only a single-use wrapping token is printed.
Writing with no data requires -force.

    $ warden write auth/alicloud/role/dev arn=acs:ram::1234:role/dev policies=dev
    $ warden write sys/policies/acl/dev policy=@dev.hcl
    $ warden write -wrap-ttl=2m -field=wrapping_token -f auth/approle/role/ci/secret-id`,
  flags: {
    ...CONNECTION_FLAGS,
    ...WRAP_FLAGS,
    ...FORMAT_FLAGS,
    ...FIELD_FLAGS,
    force: { kind: "bool", usage: "Allow a write with no data (also -f).", alias: "f" },
  },
  async run(args, ctx) {
    const [raw, ...kv] = expectArgs(args, 1, Infinity, "PATH [KEY=VALUE...]");
    const path = cleanPath(raw!);
    if (kv.length === 0 && !args.bools.force) throw new UsageError("Must supply data or use -force");
    const data = await parseKeyValues(kv, ctx.stdin);
    ctx.doing = `writing data to ${path}`;
    const res = await clientFor(args, ctx, { wrap: true }).request("PUT", path, { body: data });
    const secret = res.body as SecretLike | null;
    if (res.status === 204 || !secret || (!secret.data && !secret.auth && !secret.wrap_info)) {
      const warn = warningsText(secret?.warnings);
      if (warn) ctx.io.err(warn + "\n");
      ctx.io.out(`Success! Data written to: ${path}\n`);
      return 0;
    }
    return printSecret(ctx, args, secret, { showToken: true });
  },
};

export const listCommand: Command = {
  name: "list",
  usage: "[options] PATH",
  summary: "List the keys under a path",
  help: `Lists the keys under PATH (GET /v1/PATH?list=true). Exits 2 when there is nothing to list.

    $ warden list auth/alicloud/role`,
  flags: { ...CONNECTION_FLAGS, ...WRAP_FLAGS, ...FORMAT_FLAGS },
  async run(args, ctx) {
    const [raw] = expectArgs(args, 1, 1, "PATH");
    const path = cleanPath(raw!);
    ctx.doing = `listing ${path}`;
    const res = await clientFor(args, ctx, { wrap: true }).request("GET", path, { query: { list: "true" }, allow404: true });
    const secret = res.body as SecretLike | null;
    if (secret?.wrap_info) return printSecret(ctx, args, secret, { showToken: true });
    if (res.status === 404 || !secret?.data) {
      ctx.io.err(`No value found at ${path}/\n`);
      return 2;
    }
    const keys = secret.data.keys;
    if (!Array.isArray(keys)) {
      ctx.io.err(`No entries found at ${path}/\n`);
      return 2;
    }
    return printKeys(ctx, args, keys);
  },
};

export const deleteCommand: Command = {
  name: "delete",
  usage: "[options] PATH [KEY=VALUE...]",
  summary: "Delete data at a path",
  help: `Deletes the data at PATH (DELETE /v1/PATH). KEY=VALUE arguments are sent as query parameters.

    $ warden delete auth/alicloud/role/dev`,
  flags: { ...CONNECTION_FLAGS, ...WRAP_FLAGS },
  async run(args, ctx) {
    const [raw, ...kv] = expectArgs(args, 1, Infinity, "PATH [KEY=VALUE...]");
    const path = cleanPath(raw!);
    const data = await parseKeyValues(kv, ctx.stdin);
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(data)) query[k] = Array.isArray(v) ? v.map(String) : String(v);
    ctx.doing = `deleting ${path}`;
    const res = await clientFor(args, ctx, { wrap: true }).request("DELETE", path, { query });
    const secret = res.body as SecretLike | null;
    if (secret?.wrap_info) return printSecret(ctx, args, secret, { showToken: true });
    ctx.io.out(`Success! Data deleted (if it existed) at: ${path}\n`);
    return 0;
  },
};

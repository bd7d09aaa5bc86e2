// `warden token lookup|renew|revoke|create|capabilities`: the auth/token/* endpoints, with the same paths,
// methods and bodies the vault CLI uses (vault-core.md §1.6).
import { durationSeconds, UsageError } from "./args.js";
import { clientFor, CONNECTION_FLAGS, expectArgs, FIELD_FLAGS, FORMAT_FLAGS, formatOf, type Command } from "./command.js";
import { type SecretLike, toJson } from "./format.js";
import { printSecret } from "./print.js";

export const tokenLookupCommand: Command = {
  name: "token lookup",
  usage: "[options] [TOKEN | ACCESSOR]",
  summary: "Show a token's properties",
  help: `Without arguments, looks up the token in use (GET auth/token/lookup-self). With TOKEN, looks
that token up (POST auth/token/lookup); with -accessor, looks up by accessor
(POST auth/token/lookup-accessor).`,
  flags: {
    ...CONNECTION_FLAGS,
    ...FORMAT_FLAGS,
    ...FIELD_FLAGS,
    accessor: { kind: "bool", usage: "Treat the argument as a token accessor." },
  },
  async run(args, ctx) {
    const [arg] = expectArgs(args, args.bools.accessor ? 1 : 0, 1, args.bools.accessor ? "ACCESSOR" : "[TOKEN]");
    const client = clientFor(args, ctx);
    ctx.doing = "looking up token";
    const res =
      arg === undefined
        ? await client.request("GET", "auth/token/lookup-self")
        : args.bools.accessor
          ? await client.request("POST", "auth/token/lookup-accessor", { body: { accessor: arg } })
          : await client.request("POST", "auth/token/lookup", { body: { token: arg } });
    return printSecret(ctx, args, res.body as SecretLike, { showToken: true });
  },
};

export const tokenRenewCommand: Command = {
  name: "token renew",
  usage: "[options] [TOKEN | ACCESSOR]",
  summary: "Renew a token's lease",
  help: `Renews the token in use (PUT auth/token/renew-self), or TOKEN (PUT auth/token/renew), or with
-accessor the token behind ACCESSOR (POST auth/token/renew-accessor). -increment asks for a new TTL
from now (the server may cap it).`,
  flags: {
    ...CONNECTION_FLAGS,
    ...FORMAT_FLAGS,
    ...FIELD_FLAGS,
    increment: { kind: "string", usage: 'Requested TTL, e.g. "30m" or "3600" (seconds).' },
    accessor: { kind: "bool", usage: "Treat the argument as a token accessor." },
  },
  async run(args, ctx) {
    const [arg] = expectArgs(args, args.bools.accessor ? 1 : 0, 1, args.bools.accessor ? "ACCESSOR" : "[TOKEN]");
    const increment = args.strings.increment ? durationSeconds(args.strings.increment, "increment") : 0;
    const client = clientFor(args, ctx);
    ctx.doing = "renewing token";
    const res =
      arg === undefined
        ? await client.request("PUT", "auth/token/renew-self", { body: { increment } })
        : args.bools.accessor
          ? await client.request("POST", "auth/token/renew-accessor", { body: { accessor: arg, increment } })
          : await client.request("PUT", "auth/token/renew", { body: { token: arg, increment } });
    return printSecret(ctx, args, res.body as SecretLike, { showToken: true });
  },
};

export const tokenRevokeCommand: Command = {
  name: "token revoke",
  usage: "[options] [TOKEN | ACCESSOR]",
  summary: "Revoke a token",
  help: `Revokes TOKEN and its children (PUT auth/token/revoke). -self revokes the token in use
(PUT auth/token/revoke-self); -accessor revokes by accessor (POST auth/token/revoke-accessor);
-mode=orphan revokes only TOKEN and orphans its children (PUT auth/token/revoke-orphan).`,
  flags: {
    ...CONNECTION_FLAGS,
    self: { kind: "bool", usage: "Revoke the token in use." },
    accessor: { kind: "bool", usage: "Treat the argument as a token accessor." },
    mode: { kind: "string", usage: '"orphan" keeps the children alive (default: revoke the whole tree).' },
  },
  async run(args, ctx) {
    const mode = args.strings.mode ?? "";
    if (mode !== "" && mode !== "orphan") throw new UsageError(`invalid -mode "${mode}" (only "orphan")`);
    if (args.bools.self && (args.bools.accessor || mode)) throw new UsageError("-self cannot be combined with -accessor or -mode");
    if (args.bools.accessor && mode) throw new UsageError("-accessor cannot be combined with -mode");
    const [arg] = expectArgs(args, args.bools.self ? 0 : 1, args.bools.self ? 0 : 1, args.bools.self ? "no arguments with -self" : "TOKEN");
    const client = clientFor(args, ctx);
    ctx.doing = "revoking token";
    if (args.bools.self) await client.request("PUT", "auth/token/revoke-self");
    else if (args.bools.accessor) await client.request("POST", "auth/token/revoke-accessor", { body: { accessor: arg } });
    else if (mode === "orphan") await client.request("PUT", "auth/token/revoke-orphan", { body: { token: arg } });
    else await client.request("PUT", "auth/token/revoke", { body: { token: arg } });
    ctx.io.out("Success! Revoked token (if it existed)\n");
    return 0;
  },
};

export const tokenCreateCommand: Command = {
  name: "token create",
  usage: "[options]",
  summary: "Create a token",
  help: `Creates a child of the token in use (POST auth/token/create), an orphan with -orphan
(POST auth/token/create-orphan), or from a token role with -role (POST auth/token/create/ROLE).

    $ warden token create -policy=dev -ttl=1h
    $ warden token create -orphan -period=24h -metadata team=ops`,
  flags: {
    ...CONNECTION_FLAGS,
    ...FORMAT_FLAGS,
    ...FIELD_FLAGS,
    id: { kind: "string", usage: "Token value to use instead of a random one (needs sudo)." },
    policy: { kind: "list", usage: "Policy to attach; comma-separated." },
    ttl: { kind: "string", usage: 'Initial TTL, e.g. "1h".' },
    "explicit-max-ttl": { kind: "string", usage: "Hard maximum lifetime; renewals cannot pass it." },
    period: { kind: "string", usage: "Make a periodic token renewable by this period forever." },
    "num-uses": { kind: "string", usage: "Number of uses before the token is revoked (0 = unlimited)." },
    orphan: { kind: "bool", usage: "Create a token with no parent." },
    "no-default-policy": { kind: "bool", usage: 'Do not attach the "default" policy.' },
    renewable: { kind: "bool", usage: "Allow the token to be renewed (default true).", default: true },
    "display-name": { kind: "string", usage: "Name shown in audit logs and lookups." },
    metadata: { kind: "map", usage: "Metadata as key=value." },
    role: { kind: "string", usage: "Create the token from this token role." },
    type: { kind: "string", usage: '"service" or "batch" (default: the server\'s).' },
    "entity-alias": { kind: "string", usage: "Entity alias to associate with (roles only)." },
  },
  async run(args, ctx) {
    expectArgs(args, 0, 0, "no arguments");
    const s = args.strings;
    const numUses = s["num-uses"] ? Number(s["num-uses"]) : 0;
    if (!Number.isInteger(numUses) || numUses < 0) throw new UsageError(`invalid -num-uses "${s["num-uses"]}"`);
    for (const f of ["ttl", "explicit-max-ttl", "period"]) if (s[f]) durationSeconds(s[f]!, f);
    // Field order and the always-sent empty strings follow Vault's TokenCreateRequest.
    const body: Record<string, unknown> = {};
    if (s.id) body.id = s.id;
    if (args.lists.policy?.length) body.policies = args.lists.policy;
    if (args.maps.metadata) body.meta = args.maps.metadata;
    if (s.ttl) body.ttl = s.ttl;
    if (s["explicit-max-ttl"]) body.explicit_max_ttl = s["explicit-max-ttl"];
    if (s.period) body.period = s.period;
    if (args.bools["no-default-policy"]) body.no_default_policy = true;
    body.display_name = s["display-name"] ?? "";
    body.num_uses = numUses;
    body.renewable = args.bools.renewable;
    body.type = s.type ?? "";
    body.entity_alias = s["entity-alias"] ?? "";
    const path = s.role
      ? `auth/token/create/${s.role}`
      : args.bools.orphan
        ? "auth/token/create-orphan"
        : "auth/token/create";
    ctx.doing = "creating token";
    const res = await clientFor(args, ctx).request("POST", path, { body });
    return printSecret(ctx, args, res.body as SecretLike, { showToken: true });
  },
};

export const tokenCapabilitiesCommand: Command = {
  name: "token capabilities",
  usage: "[options] [TOKEN | ACCESSOR] PATH",
  summary: "Show a token's capabilities on a path",
  help: `Prints the capabilities a token has on PATH, as Vault's CLI does: the token in use
(POST sys/capabilities-self), TOKEN (POST sys/capabilities), or with -accessor the token behind
ACCESSOR (POST sys/capabilities-accessor). "root" for a root token; "deny" when nothing is granted.

    $ warden token capabilities auth/token/lookup-self
    $ warden token capabilities -accessor 8609694a... sys/policies/acl/dev`,
  flags: {
    ...CONNECTION_FLAGS,
    ...FORMAT_FLAGS,
    accessor: { kind: "bool", usage: "Treat the first argument as a token accessor." },
  },
  async run(args, ctx) {
    const accessor = args.bools.accessor === true;
    const given = expectArgs(args, accessor ? 2 : 1, 2, accessor ? "ACCESSOR PATH" : "[TOKEN] PATH");
    const [operand, path] = given.length === 2 ? given : [undefined, given[0]!];
    const format = formatOf(args);
    const client = clientFor(args, ctx);
    ctx.doing = "listing capabilities";
    const res =
      operand === undefined
        ? await client.request("POST", "sys/capabilities-self", { body: { paths: [path] } })
        : accessor
          ? await client.request("POST", "sys/capabilities-accessor", { body: { accessor: operand, paths: [path] } })
          : await client.request("POST", "sys/capabilities", { body: { token: operand, paths: [path] } });
    const data = (res.body as { data?: Record<string, unknown> } | undefined)?.data ?? {};
    const found = data[path!] ?? data.capabilities;
    const capabilities = Array.isArray(found) ? found.map(String).sort() : [];
    ctx.io.out(format === "json" ? `${toJson(capabilities)}\n` : `${capabilities.join(", ")}\n`);
    return 0;
  },
};

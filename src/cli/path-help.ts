// `warden path-help PATH`: GET <path>?help=1 and print the answer's `help` text, as `vault path-help`.
import { clientFor, CONNECTION_FLAGS, expectArgs, formatOf, FORMAT_FLAGS, type Command } from "./command.js";
import { toJson } from "./format.js";

export const pathHelpCommand: Command = {
  name: "path-help",
  usage: "[options] PATH",
  summary: "Retrieve API help for paths",
  help: `Prints the help of a path: what it is for, its parameters (type and description) and a longer
description, from the declarations of the backend that serves it. Nothing on the path runs. Needs a
token with some capability on the path (login paths need none).

    $ warden path-help auth/approle/role/my-role
    $ warden path-help -format=json sys/policies/acl/dev`,
  flags: { ...CONNECTION_FLAGS, ...FORMAT_FLAGS },
  async run(args, ctx) {
    const [path] = expectArgs(args, 1, 1, "1");
    const client = clientFor(args, ctx);
    ctx.doing = "retrieving help";
    const res = await client.request("GET", path!, { query: { help: "1" } });
    const body = (res.body ?? {}) as { help?: unknown };
    if (formatOf(args) === "json") {
      ctx.io.out(toJson(body));
      return 0;
    }
    ctx.io.out(`${typeof body.help === "string" ? body.help.trimEnd() : ""}\n`);
    return 0;
  },
};

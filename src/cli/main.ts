#!/usr/bin/env node
// Entry point of the `warden` command. `server` is delegated to server-command.ts and every other
// command to commands.ts (HTTP clients of a running warden), each loaded only when asked for: a
// server's start does not pay for the client's modules, nor a client command for the server's.
// The server side is run from its bundle (vite.server.config.ts: server-command.ts and all it
// reaches in a few files), which loads in a fraction of the time of its ~400 separate modules.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { StdinReader } from "./args.js";
import type { Ctx } from "./command.js";

/** dist/src/bundle/server.js, built from ./server-command.ts by `npm run build`. A variable, so tsc leaves it alone. */
const SERVER_BUNDLE: string = "../bundle/server.js";

export async function main(argv: string[], ctx: Ctx): Promise<number> {
  if (argv[0] === "server") {
    const { runServer } = (await import(SERVER_BUNDLE)) as typeof import("./server-command.js");
    await runServer(argv.slice(1));
    return 0;
  }
  const { runClientCommand } = await import("./commands.js");
  return runClientCommand(argv, ctx);
}

// Run only as the program itself, so tests can import main() without side effects.
// realpath because a global install runs this file through a `warden` symlink.
function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  const ctx: Ctx = {
    io: { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) },
    env: process.env,
    stdin: new StdinReader(),
    doing: "running command",
  };
  main(process.argv.slice(2), ctx).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`Error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}

// The emulators' command lines: `--help`/`-h` prints the usage and exits 0; a bad option prints the
// reason and the usage and exits 2, as a CLI should (node:util parseArgs alone throws on `--help`).
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parseEmulatorArgs<O extends Options>(name: string, usage: string, options: O, argv = process.argv.slice(2)) {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage);
    process.exit(0);
  }
  try {
    return parseArgs({ args: argv, options, strict: true }).values;
  } catch (err) {
    process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    process.exit(2);
  }
}

/** `--port`: 0..65535 (0 = any free port); anything else stops the emulator with the reason. */
export function portOption(value: string | undefined): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${value}`);
  return port;
}

/**
 * SIGINT/SIGTERM close the emulator, then the process exits: 0 once closed, 1 if closing failed.
 * The line `[name] SIGTERM: shutting down` says which signal ended it.
 */
export function closeOnSignals(name: string, emulator: { close(): Promise<unknown> }): void {
  const stop = (signal: string): void => {
    console.log(`[${name}] ${signal}: shutting down`);
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

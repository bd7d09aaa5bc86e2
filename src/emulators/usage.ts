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

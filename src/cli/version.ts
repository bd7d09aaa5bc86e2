// `warden version`: the build's version line, as `vault version` prints it. No server is asked.
import { versionLine } from "../core/version.js";
import { expectArgs, type Command } from "./command.js";

export const versionCommand: Command = {
  name: "version",
  usage: "",
  summary: "Print the warden version",
  help: `Prints the version of this warden build, with the git revision and the build time when the
build recorded them ("npm ci" / "npm run build" do):

    Warden v0.1.0 (0123456789abcdef0123456789abcdef01234567), built 2026-12-06T06:00:00Z

"warden -v" and "warden --version" print the same. A running server's version: sys/seal-status, and
the versions that ran on a storage: "warden list sys/version-history".`,
  flags: {},
  async run(args, ctx) {
    expectArgs(args, 0, 0, "no arguments");
    ctx.io.out(`${versionLine()}\n`);
    return 0;
  },
};

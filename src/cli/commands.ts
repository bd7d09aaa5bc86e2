// The `warden` command's client commands (everything but `server`): each an HTTP client of a running
// warden, found by the first one, two or three words. main.ts loads this table only for them, so
// `warden server` never loads the client's modules.
import { agentCommand } from "./agent.js";
import { auditDisableCommand, auditEnableCommand, auditListCommand } from "./audit.js";
import { authDisableCommand, authEnableCommand, authListCommand, authTuneCommand } from "./auth.js";
import { runCommand, type Command, type Ctx } from "./command.js";
import { columns } from "./format.js";
import { deleteCommand, listCommand, readCommand, writeCommand } from "./kv.js";
import { loginCommand } from "./login.js";
import { operatorInitCommand } from "./operator.js";
import { operatorSnapshotRestoreCommand, operatorSnapshotSaveCommand } from "./operator-snapshot.js";
import { operatorKeyStatusCommand, operatorRekeyCommand, operatorRotateCommand, operatorSealCommand, operatorUnsealCommand } from "./operator-seal.js";
import { pathHelpCommand } from "./path-help.js";
import { pluginCommands } from "./plugin.js";
import { policyDeleteCommand, policyListCommand, policyReadCommand, policyWriteCommand } from "./policy.js";
import { statusCommand } from "./status.js";
import { tokenCapabilitiesCommand, tokenCreateCommand, tokenLookupCommand, tokenRenewCommand, tokenRevokeCommand } from "./token.js";
import { unwrapCommand } from "./unwrap.js";
import { versionCommand } from "./version.js";

const COMMANDS: Command[] = [
  readCommand,
  writeCommand,
  listCommand,
  deleteCommand,
  pathHelpCommand,
  unwrapCommand,
  loginCommand,
  tokenLookupCommand,
  tokenRenewCommand,
  tokenRevokeCommand,
  tokenCreateCommand,
  tokenCapabilitiesCommand,
  authEnableCommand,
  authListCommand,
  authDisableCommand,
  authTuneCommand,
  policyWriteCommand,
  policyReadCommand,
  policyListCommand,
  policyDeleteCommand,
  auditEnableCommand,
  auditListCommand,
  auditDisableCommand,
  operatorInitCommand,
  operatorUnsealCommand,
  operatorSealCommand,
  operatorRotateCommand,
  operatorKeyStatusCommand,
  operatorRekeyCommand,
  operatorSnapshotSaveCommand,
  operatorSnapshotRestoreCommand,
  statusCommand,
  versionCommand,
  agentCommand,
  ...pluginCommands,
];

const GROUPS = ["token", "auth", "policy", "audit", "operator", "plugin"];

function overview(): string {
  const rows = [["server", "Start a warden server"], ...COMMANDS.map((c) => [c.name, c.summary])];
  return (
    "Usage: warden <command> [options] [args]\n\n" +
    "A Vault-compatible client for warden. Server address: -address, WARDEN_ADDR or VAULT_ADDR\n" +
    "(default http://127.0.0.1:8200). Token: WARDEN_TOKEN, VAULT_TOKEN, or the one stored by\n" +
    "`warden login` in ~/.warden-token. Run `warden <command> -h` for a command's options.\n\n" +
    "Commands:\n\n" +
    columns(rows.map(([n, s]) => [`    ${n}`, s!])) +
    "\n"
  );
}

function groupHelp(group: string): string {
  const rows = COMMANDS.filter((c) => c.name.startsWith(`${group} `)).map((c) => [`    ${c.name}`, c.summary]);
  return `Usage: warden ${group} <subcommand> [options] [args]\n\nSubcommands:\n\n${columns(rows)}\n`;
}

export async function runClientCommand(argv: string[], ctx: Ctx): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "-help" || first === "help") {
    (first === undefined ? ctx.io.err : ctx.io.out)(overview());
    return first === undefined ? 1 : 0;
  }
  // Vault's spellings of `version`.
  if (first === "-v" || first === "-version" || first === "--version") return runCommand(versionCommand, argv.slice(1), ctx);
  if (GROUPS.includes(first)) {
    // Three-word commands (operator snapshot save|restore) before two-word ones.
    const three = argv[2] === undefined ? undefined : COMMANDS.find((c) => c.name === `${first} ${second} ${argv[2]}`);
    if (three) return runCommand(three, argv.slice(3), ctx);
    const cmd = COMMANDS.find((c) => c.name === `${first} ${second}`);
    if (cmd) return runCommand(cmd, argv.slice(2), ctx);
    if (second === "-h" || second === "--help" || second === "-help") {
      ctx.io.out(groupHelp(first));
      return 0;
    }
    ctx.io.err((second === undefined ? "" : `Unknown subcommand: ${first} ${second}\n\n`) + groupHelp(first));
    return 1;
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  if (!cmd) {
    ctx.io.err(`Unknown command: ${first}\n\n${overview()}`);
    return 1;
  }
  return runCommand(cmd, argv.slice(1), ctx);
}


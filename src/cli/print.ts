// Printing a server response the way `vault` prints a Secret: -format=json shows the response as
// the server sent it, -field shows one value bare, otherwise a Key/Value table; warnings go to stderr.
import type { ParsedArgs } from "./args.js";
import { formatOf, type Ctx } from "./command.js";
import { columns, fieldValue, kvTable, secretRows, toJson, warningsText, wrapFieldValue, type SecretLike } from "./format.js";

export function printSecret(ctx: Ctx, args: ParsedArgs, secret: SecretLike, opts: { showToken: boolean }): number {
  const format = formatOf(args);
  const rows = secretRows(secret, opts);
  const field = args.strings.field;
  if (field) {
    const v = wrapFieldValue(secret, field) ?? fieldValue(rows, field);
    if (v === undefined) {
      ctx.io.err(`Field "${field}" not present in secret\n`);
      return 1;
    }
    ctx.io.out(format === "json" ? `${JSON.stringify(v)}\n` : v + (process.stdout.isTTY ? "\n" : ""));
    return 0;
  }
  const warn = warningsText(secret.warnings);
  if (warn && format === "table") ctx.io.err(warn + "\n");
  if (format === "json") {
    ctx.io.out(toJson(secret) + "\n");
    return 0;
  }
  ctx.io.out(kvTable(rows) + "\n");
  return 0;
}


/** A list answer: a one-column "Keys" table, or the JSON array. */
export function printKeys(ctx: Ctx, args: ParsedArgs, keys: readonly unknown[]): number {
  if (formatOf(args) === "json") ctx.io.out(toJson(keys) + "\n");
  else ctx.io.out(columns([["Keys"], ["----"], ...keys.map((k) => [String(k)])]) + "\n");
  return 0;
}

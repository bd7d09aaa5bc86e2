import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** The sha256 pin of a built plugin file, as `warden plugin sha256 <file>` prints it. */
export function pluginSha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

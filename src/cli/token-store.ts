// Where `warden login` keeps the token so later commands can use it without WARDEN_TOKEN:
// ~/.warden-token, readable by the owner only (it is a bearer credential).
import { chmodSync, writeFileSync } from "node:fs";
import { tokenFilePath } from "./client.js";

export function storeToken(token: string): void {
  const file = tokenFilePath();
  writeFileSync(file, token, { mode: 0o600 });
  // writeFileSync's mode only applies when it creates the file; tighten an older one too.
  chmodSync(file, 0o600);
}

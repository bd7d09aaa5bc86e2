import { WardenError } from "../sdk/errors.js";

/**
 * The token of a request: X-Vault-Token, else "Authorization: Bearer". A header sent twice is
 * refused: Node would join the copies with ", ", and which one counts must never be ambiguous.
 */
export function requestToken(rawHeaders: string[]): string | undefined {
  let vaultToken: string | undefined;
  let bearer: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i]!.toLowerCase();
    if (lower === "x-vault-token") {
      if (vaultToken !== undefined) throw new WardenError(400, "multiple X-Vault-Token headers");
      vaultToken = rawHeaders[i + 1]!.trim();
    } else if (lower === "authorization") {
      if (bearer !== undefined) throw new WardenError(400, "multiple Authorization headers");
      const value = rawHeaders[i + 1]!;
      bearer = value.startsWith("Bearer ") ? value.slice(7).trim() : "";
    }
  }
  if (vaultToken !== undefined && vaultToken !== "") return vaultToken;
  return bearer === "" ? undefined : bearer;
}

import { badRequest } from "../../sdk/errors.js";

/**
 * Policy names are canonicalised once, at write time (Vault: ToLower(TrimSpace)). Every
 * forbidden-value check runs AFTER normalisation: CVE-2025-5999 was " ROOT " slipping past a check
 * done on the raw name and then becoming "root".
 */
const NAME_CHARS = /^[a-z0-9_.-]+$/;

export function normalizePolicyName(name: string): string {
  if (typeof name !== "string") throw badRequest("policy name must be a string");
  const n = name.trim().toLowerCase();
  if (n === "") throw badRequest("policy name is empty");
  if (n === "root") throw badRequest(`cannot update "root" policy`);
  if (!NAME_CHARS.test(n)) {
    throw badRequest(`invalid policy name "${shorten(n)}": only a-z, 0-9, "_", "-" and "." are allowed`);
  }
  if (n.startsWith(".") || n.endsWith(".")) {
    throw badRequest(`invalid policy name "${shorten(n)}": may not start or end with "."`);
  }
  return n;
}

function shorten(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

import { combine, split } from "shamir-secret-sharing";
import { badRequest } from "../../sdk/errors.js";

/**
 * Unseal key shares in Vault's layout: each share is the key's bytes evaluated over GF(256) followed
 * by one x-coordinate byte (the audited `shamir-secret-sharing` package does the arithmetic). With one
 * share the share is the key itself, as in Vault.
 */
export async function splitKey(key: Buffer, shares: number, threshold: number): Promise<Buffer[]> {
  if (shares === 1) return [Buffer.from(key)];
  return (await split(new Uint8Array(key), shares, threshold)).map((s) => Buffer.from(s));
}

export async function combineShares(shares: readonly Buffer[], threshold: number): Promise<Buffer> {
  if (threshold === 1) return Buffer.from(shares[0]!);
  return Buffer.from(await combine(shares.map((s) => new Uint8Array(s))));
}

/** Vault's share-count rules (vault/seal_config Validate), with its messages. */
export function checkShares(shares: number, threshold: number, what = "secret"): void {
  if (!Number.isInteger(shares) || shares < 1) throw badRequest(`${what} shares must be at least one`);
  if (!Number.isInteger(threshold) || threshold < 1) throw badRequest(`${what} threshold must be at least one`);
  if (shares > 255) throw badRequest(`${what} shares must be less than 256`);
  if (shares > 1 && threshold === 1) throw badRequest(`${what} threshold must be greater than one for multiple shares`);
  if (threshold > shares) throw badRequest(`${what} threshold cannot be larger than ${what} shares`);
}

/** A share as sent to sys/unseal: hex or base64 of 32 (one share) or 33 bytes. */
export function decodeShare(text: unknown, keyLength: number): Buffer {
  if (typeof text !== "string" || text === "") throw badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
  const t = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0) bytes = Buffer.from(t, "hex");
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(t)) bytes = Buffer.from(t, "base64");
  if (!bytes || (bytes.length !== keyLength && bytes.length !== keyLength + 1)) throw badRequest("'key' must be a valid hex or base64 string");
  return bytes;
}

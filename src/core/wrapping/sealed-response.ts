import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/** A wrapped answer as stored: AES-256-GCM under a key only the wrapping token's holder can derive. */
export interface SealedResponse {
  /** base64: HKDF salt, GCM nonce, ciphertext followed by the 16-byte tag. */
  salt: string;
  iv: string;
  data: string;
}

const INFO = Buffer.from("warden response wrapping v1");

function keyFor(token: string, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(token, "utf8"), salt, INFO, 32));
}

/**
 * The server never stores a wrapping token (only its HMAC), so a key derived from the token makes
 * the stored answer useless to anyone who reads the database, its backups or the freed pages a
 * delete leaves behind. `bindTo` (the token's HMAC, the entry's key) is authenticated with it, so a
 * sealed answer cannot be moved under another entry.
 */
export function sealResponse(plaintext: string, token: string, bindTo: string): SealedResponse {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFor(token, salt), iv);
  cipher.setAAD(Buffer.from(bindTo, "utf8"));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return { salt: salt.toString("base64"), iv: iv.toString("base64"), data: data.toString("base64") };
}

/** The plaintext, or undefined when the token or the binding does not match (tampered or misplaced). */
export function openResponse(sealed: SealedResponse, token: string, bindTo: string): string | undefined {
  try {
    const data = Buffer.from(sealed.data, "base64");
    const decipher = createDecipheriv("aes-256-gcm", keyFor(token, Buffer.from(sealed.salt, "base64")), Buffer.from(sealed.iv, "base64"));
    decipher.setAAD(Buffer.from(bindTo, "utf8"));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}

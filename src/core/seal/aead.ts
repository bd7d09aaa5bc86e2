import { createCipheriv, createDecipheriv } from "node:crypto";
import { pooledRandomBytes } from "../random-pool.js";

/** AES-256-GCM with a random 96-bit nonce: iv (12) | ciphertext | tag (16). */
const IV = 12;
const TAG = 16;

export function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = pooledRandomBytes(IV);
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]);
}

/** Throws when the key, the associated data or any byte of the blob is wrong (GCM authentication). */
export function gcmOpen(key: Buffer, blob: Buffer, aad: Buffer): Buffer {
  if (blob.length < IV + TAG) throw new Error("ciphertext too short");
  const d = createDecipheriv("aes-256-gcm", key, blob.subarray(0, IV));
  d.setAAD(aad);
  d.setAuthTag(blob.subarray(blob.length - TAG));
  return Buffer.concat([d.update(blob.subarray(IV, blob.length - TAG)), d.final()]);
}

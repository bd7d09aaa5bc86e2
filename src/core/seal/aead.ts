import { createCipheriv, createDecipheriv } from "node:crypto";
import { pooledRandomBytes } from "../random-pool.js";

/** AES-256-GCM with a random 96-bit nonce: iv (12) | ciphertext | tag (16). */
const IV = 12;
const TAG = 16;

/**
 * `headroom` zero bytes come first, for the caller's own header (the keyring's term number): the
 * blob is written into one buffer, with no concatenation (this runs on every token minted). Every
 * byte of it is written below, so it needs no zero-filling first.
 */
export function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer, headroom = 0): Buffer {
  const out = Buffer.allocUnsafe(headroom + IV + plaintext.length + TAG);
  out.fill(0, 0, headroom);
  const iv = pooledRandomBytes(IV);
  iv.copy(out, headroom);
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(aad);
  // GCM is a stream mode: update gives exactly as many bytes as it is given, and final none (checked:
  // a short write would leave bytes of the unfilled buffer in the blob).
  const body = c.update(plaintext);
  if (body.length !== plaintext.length || c.final().length !== 0) throw new Error("aes-256-gcm: unexpected ciphertext length");
  body.copy(out, headroom + IV);
  c.getAuthTag().copy(out, headroom + IV + plaintext.length);
  return out;
}

/** Throws when the key, the associated data or any byte of the blob is wrong (GCM authentication). */
export function gcmOpen(key: Buffer, blob: Buffer, aad: Buffer): Buffer {
  if (blob.length < IV + TAG) throw new Error("ciphertext too short");
  const d = createDecipheriv("aes-256-gcm", key, blob.subarray(0, IV));
  d.setAAD(aad);
  d.setAuthTag(blob.subarray(blob.length - TAG));
  return Buffer.concat([d.update(blob.subarray(IV, blob.length - TAG)), d.final()]);
}

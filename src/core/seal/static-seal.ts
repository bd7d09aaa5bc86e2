import type { SealConfig, StaticSealKey } from "../../config/seal-config.js";
import { gcmOpen, gcmSeal } from "./aead.js";
import type { WrappedKey } from "./seal-record.js";

/** How an auto seal (static key, KMS) wraps and unwraps the root key. */
export interface AutoSeal {
  readonly type: "static" | "alicloudkms";
  wrap(rootKey: Buffer): Promise<WrappedKey>;
  /** `rewrap`: the stored wrapping is by an older key; wrap again with the current one. */
  unwrap(wrapped: WrappedKey): Promise<{ rootKey: Buffer; rewrap: boolean }>;
}

const ROOT_AAD = Buffer.from("warden/root-key");

/** A mismatch the operator must fix (wrong key): logged clearly, never retried into serving. */
export class SealKeyMismatch extends Error {}

/** OpenBao's static seal: AES-256-GCM with a key from the config; previous_key re-wraps on unseal. */
export function staticSeal(config: Extract<SealConfig, { type: "static" }>): AutoSeal {
  const open = (k: StaticSealKey, w: WrappedKey): Buffer => {
    try {
      return gcmOpen(k.key, Buffer.from(w.ciphertext, "base64"), ROOT_AAD);
    } catch {
      throw new SealKeyMismatch(`static seal: key "${k.id}" does not decrypt the stored root key (wrong key material for this id)`);
    }
  };
  return {
    type: "static",
    async wrap(rootKey) {
      return { key_id: config.current.id, ciphertext: gcmSeal(config.current.key, rootKey, ROOT_AAD).toString("base64") };
    },
    async unwrap(w) {
      if (w.key_id === config.current.id) return { rootKey: open(config.current, w), rewrap: false };
      if (config.previous && w.key_id === config.previous.id) return { rootKey: open(config.previous, w), rewrap: true };
      throw new SealKeyMismatch(`static seal: the stored root key is wrapped by key "${w.key_id}", which is neither current_key_id "${config.current.id}" nor previous_key_id`);
    },
  };
}

/** Shamir: the root key wrapped by the unseal key the shares combine into. */
export function wrapWithUnsealKey(unsealKey: Buffer, rootKey: Buffer): WrappedKey {
  return { key_id: "shamir", ciphertext: gcmSeal(unsealKey, rootKey, ROOT_AAD).toString("base64") };
}

/** Undefined when the combined key is not the one (wrong shares). */
export function unwrapWithUnsealKey(unsealKey: Buffer, w: WrappedKey): Buffer | undefined {
  try {
    return gcmOpen(unsealKey, Buffer.from(w.ciphertext, "base64"), ROOT_AAD);
  } catch {
    return undefined;
  }
}

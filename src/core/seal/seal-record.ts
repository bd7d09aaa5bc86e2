import type { SystemStore } from "../../storage/types.js";

/**
 * The seal's one stored record (clear, as Vault's core/seal-config: it holds only wrapped keys). One
 * record, written with one atomic insert at init, so two nodes initialising at once cannot mix halves.
 */
export const SEAL_RECORD_KEY = "core/seal";

export type SealType = "shamir" | "static" | "alicloudkms";

/** The root key encrypted by the seal: by the combined unseal key, the static key, or KMS. */
export interface WrappedKey {
  /** "shamir", the static key's id, or the KMS key id. */
  key_id: string;
  ciphertext: string;
}

export interface SealRecord {
  version: 1;
  type: SealType;
  secret_shares: number;
  secret_threshold: number;
  recovery_shares: number;
  recovery_threshold: number;
  root_key: WrappedKey;
  /** The keyring, encrypted under the root key (keyring.ts). */
  keyring: string;
  /** Auto seals: a known text encrypted under the recovery key, to check recovery shares. */
  recovery_check?: string;
  /** Epoch ms of init. */
  initialized_at: number;
}

export async function readSealRecord(system: SystemStore): Promise<SealRecord | undefined> {
  const v = await system.get(SEAL_RECORD_KEY);
  return v === undefined ? undefined : (JSON.parse(v) as SealRecord);
}

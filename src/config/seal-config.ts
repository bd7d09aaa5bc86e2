import { readFileSync } from "node:fs";
import { badRequest } from "../sdk/errors.js";

/**
 * The `seal "<type>" { ... }` block. No block = Shamir (unseal keys held by operators). Keys of the
 * static seal are read here, at config load, so a missing file or a key of the wrong length stops the
 * server before it opens storage, with the key id named (never the key).
 */
export interface StaticSealKey {
  id: string;
  key: Buffer;
}

export type SealConfig =
  | { type: "shamir" }
  | { type: "static"; current: StaticSealKey; previous?: StaticSealKey }
  | {
      type: "alicloudkms";
      region: string;
      /** Endpoint override (host or URL), e.g. a KMS emulator. */
      domain?: string;
      kmsKeyId: string;
      accessKey?: string;
      secretKey?: string;
    };

const STATIC_KEYS = new Set(["current_key_id", "current_key", "previous_key_id", "previous_key"]);
const KMS_KEYS = new Set(["region", "domain", "kms_key_id", "access_key", "secret_key"]);

export function parseSealBlocks(blocks: Array<[string, Record<string, unknown>]>, env: NodeJS.ProcessEnv): SealConfig {
  if (blocks.length === 0) return { type: "shamir" };
  if (blocks.length > 1) throw badRequest(`seal: only one seal block is supported (found ${blocks.length})`);
  const [type, body] = blocks[0]!;
  const str = (k: string): string | undefined => {
    const v = body[k];
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw badRequest(`seal "${type}": ${k} must be a string`);
    return v;
  };
  const known = type === "static" ? STATIC_KEYS : type === "alicloudkms" ? KMS_KEYS : undefined;
  if (!known) throw badRequest(`seal "${type}": unknown seal type (shamir is the default; static and alicloudkms are supported)`);
  for (const k of Object.keys(body)) if (!known.has(k)) throw badRequest(`seal "${type}": unknown key "${k}"`);
  if (type === "static") {
    const currentId = str("current_key_id");
    const current = str("current_key");
    if (!currentId || !current) throw badRequest(`seal "static": current_key_id and current_key are required`);
    const out: SealConfig = { type: "static", current: { id: currentId, key: staticKey(current, currentId, env) } };
    const previousId = str("previous_key_id");
    const previous = str("previous_key");
    if ((previousId === undefined) !== (previous === undefined)) throw badRequest(`seal "static": previous_key_id and previous_key go together`);
    if (previousId !== undefined && previous !== undefined) {
      if (previousId === currentId) throw badRequest(`seal "static": previous_key_id must differ from current_key_id`);
      out.previous = { id: previousId, key: staticKey(previous, previousId, env) };
    }
    return out;
  }
  const region = str("region") ?? env.ALICLOUD_REGION;
  const kmsKeyId = str("kms_key_id") ?? env.VAULT_ALICLOUDKMS_SEAL_KEY_ID;
  if (!region) throw badRequest(`seal "alicloudkms": region is required (or ALICLOUD_REGION)`);
  if (!kmsKeyId) throw badRequest(`seal "alicloudkms": kms_key_id is required (or VAULT_ALICLOUDKMS_SEAL_KEY_ID)`);
  const out: SealConfig = { type: "alicloudkms", region, kmsKeyId };
  const domain = str("domain");
  if (domain) out.domain = domain;
  const accessKey = str("access_key") ?? env.ALICLOUD_ACCESS_KEY;
  const secretKey = str("secret_key") ?? env.ALICLOUD_SECRET_KEY;
  if (accessKey) out.accessKey = accessKey;
  if (secretKey) out.secretKey = secretKey;
  return out;
}

/** A 32-byte key: hex, base64, `env://VAR` or `file://path` (the file holds raw, hex or base64 bytes). */
function staticKey(value: string, id: string, env: NodeJS.ProcessEnv): Buffer {
  const where = `seal "static": key "${id}"`;
  let text = value;
  let raw: Buffer | undefined;
  if (value.startsWith("env://")) {
    const name = value.slice("env://".length);
    const v = env[name];
    if (v === undefined || v === "") throw badRequest(`${where}: environment variable ${name} is not set`);
    text = v;
  } else if (value.startsWith("file://")) {
    const path = value.slice("file://".length);
    try {
      raw = readFileSync(path);
    } catch (e) {
      throw badRequest(`${where}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
    }
    text = raw.toString("latin1").trim();
  }
  const decoded = decodeKey(text) ?? (raw?.length === 32 ? raw : undefined);
  if (!decoded) throw badRequest(`${where}: must be 32 bytes (64 hex characters or base64 of 32 bytes)`);
  return decoded;
}

function decodeKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const b = Buffer.from(text, "base64");
    if (b.length === 32) return b;
  }
  return undefined;
}

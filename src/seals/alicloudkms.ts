/**
 * `seal "alicloudkms"` (Vault's): the root key is wrapped by KMS Encrypt under `kms_key_id` and
 * unwrapped by Decrypt at every start, through the official client (@alicloud/kms20160120, RPC v1
 * signatures). Credentials: access_key/secret_key (or ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY), else
 * the Alibaba credentials chain (environment, profile, the ECS instance's RAM role).
 *
 * `domain` overrides the endpoint: a host (HTTPS, as Vault) or an http(s):// URL (a KMS emulator).
 * A KMS error is thrown as is: the seal manager stays sealed and retries with backoff; only an
 * answer that cannot be right (a key id other than configured) is a mismatch it does not retry.
 */
import Credential from "@alicloud/credentials";
import Kms, { DecryptRequest, EncryptRequest } from "@alicloud/kms20160120";
import type { SealConfig } from "../config/seal-config.js";
import type { AutoSeal } from "../core/seal/static-seal.js";
import type { Logger } from "../sdk/plugin.js";

type KmsConfig = Extract<SealConfig, { type: "alicloudkms" }>;

/** Binds the ciphertext to its purpose: a blob KMS encrypted for something else does not decrypt here. */
const CONTEXT = { purpose: "warden-root-key" };

function endpointOf(c: KmsConfig): { endpoint: string; protocol: string } {
  if (!c.domain) return { endpoint: `kms.${c.region}.aliyuncs.com`, protocol: "https" };
  const m = /^(https?):\/\/([^/]+)\/?$/.exec(c.domain);
  return m ? { endpoint: m[2]!, protocol: m[1]! } : { endpoint: c.domain, protocol: "https" };
}

/** KMS answers carry the request id and the code; the signed request is never logged. */
function kmsFailure(e: unknown): Error {
  const err = e as { code?: string; message?: string; data?: { Code?: string; RequestId?: string } };
  const code = err.data?.Code ?? err.code ?? "error";
  const requestId = err.data?.RequestId ? ` (request id ${err.data.RequestId})` : "";
  return new Error(`alicloudkms: ${code}${requestId}`);
}

/** Told of every KMS call: "success" when KMS answered, "failure" otherwise, and its duration in seconds. */
export type KmsObserver = (outcome: "success" | "failure", seconds: number) => void;

/** Times one KMS call for the upstream metrics (warden_upstream_requests_total{service="kms"}). */
async function timed<T>(observe: KmsObserver | undefined, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  let ok = false;
  try {
    const out = await call();
    ok = true;
    return out;
  } finally {
    observe?.(ok ? "success" : "failure", (performance.now() - started) / 1000);
  }
}

export async function alicloudKmsSeal(config: KmsConfig, _log: Logger, observe?: KmsObserver): Promise<AutoSeal> {
  const { endpoint, protocol } = endpointOf(config);
  const credential = config.accessKey && config.secretKey ? undefined : new Credential.default();
  const client = new Kms.default({
    regionId: config.region,
    endpoint,
    protocol,
    ...(credential ? { credential } : { accessKeyId: config.accessKey, accessKeySecret: config.secretKey }),
    readTimeout: 10_000,
    connectTimeout: 5_000,
  } as ConstructorParameters<typeof Kms.default>[0]);
  return {
    type: "alicloudkms",
    async wrap(rootKey) {
      const res = await timed(observe, () => client.encrypt(new EncryptRequest({ keyId: config.kmsKeyId, plaintext: rootKey.toString("base64"), encryptionContext: CONTEXT }))).catch(
        (e: unknown) => {
          throw kmsFailure(e);
        },
      );
      return { key_id: config.kmsKeyId, ciphertext: res.ciphertextBlob };
    },
    async unwrap(w) {
      const res = await timed(observe, () => client.decrypt(new DecryptRequest({ ciphertextBlob: w.ciphertext, encryptionContext: CONTEXT }))).catch((e: unknown) => {
        throw kmsFailure(e);
      });
      const rootKey = Buffer.from(res.plaintext ?? "", "base64");
      if (rootKey.length !== 32) throw new Error("alicloudkms: Decrypt answered something that is not a root key");
      return { rootKey, rewrap: w.key_id !== config.kmsKeyId };
    },
  };
}

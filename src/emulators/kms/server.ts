// A loopback AliCloud KMS (API 2016-01-20) answering Encrypt and Decrypt, for the alicloudkms seal's
// tests and the dev walk-through. Requests are authenticated exactly as the STS emulator does (RPC v1
// HMAC-SHA1 signature, timestamp window, nonce replay), by the same code; errors have KMS's JSON shape.
// A ciphertext blob names its key and is AES-256-GCM under a secret only this emulator holds, with
// the EncryptionContext as associated data, as real KMS binds it.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { closeNow, listenOn } from "../listen.js";
import { BodyTooLarge, readBody } from "../read-body.js";
import { authenticateSignedRequest } from "../sts/authenticate.js";
import { StsError, errorFields, stsErrors } from "../sts/errors.js";
import { NonceCache } from "../sts/nonce-cache.js";
import { isFormContentType, parseRpcParams } from "../sts/rpc-params.js";

export const KMS_API_VERSION = "2016-01-20";
const MAX_BODY_BYTES = 64 * 1024;

export interface KmsAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface KmsEmulatorOptions {
  /** Callers: RAM users' access keys. */
  accessKeys: KmsAccessKey[];
  /** Key ids that exist (customer master keys). */
  keyIds: string[];
  host?: string;
  port?: number;
  now?: () => number;
}

export interface KmsEmulator {
  url: string;
  port: number;
  /** "host:port", what the seal's `domain` takes. */
  domain: string;
  /** Actions answered, in order (Encrypt/Decrypt and their outcome), for tests. */
  calls: Array<{ action: string; status: number }>;
  /** While true every request is 503 ServiceUnavailable (a KMS outage). */
  setUnavailable(down: boolean): void;
  close(): Promise<void>;
}

const kmsError = (status: number, code: string, message: string) => new StsError({ status, code, message });

export async function startKmsEmulator(opts: KmsEmulatorOptions): Promise<KmsEmulator> {
  const now = opts.now ?? Date.now;
  const keys = new Map(opts.accessKeys.map((k) => [k.accessKeyId, { ...k, accountId: "1000000000000000", kind: "RAMUser" as const, userName: "kms", userId: "1" }]));
  const masterKeys = new Map(opts.keyIds.map((id) => [id, randomBytes(32)]));
  const nonces = new NonceCache(2 * 900_000 + 60_000, now);
  const calls: KmsEmulator["calls"] = [];
  let unavailable = false;

  const encrypt = (p: Record<string, string>): Record<string, string> => {
    const keyId = p.KeyId ?? "";
    const key = masterKeys.get(keyId);
    if (!key) throw kmsError(404, "Forbidden.KeyNotFound", "The specified Key is not found.");
    if (p.Plaintext === undefined) throw stsErrors.missingParameter("Plaintext");
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key, iv);
    c.setAAD(Buffer.from(p.EncryptionContext ?? ""));
    const ct = Buffer.concat([c.update(p.Plaintext, "utf8"), c.final()]);
    const blob = Buffer.from(JSON.stringify({ k: keyId, iv: iv.toString("base64"), ct: ct.toString("base64"), tag: c.getAuthTag().toString("base64") })).toString("base64");
    return { CiphertextBlob: blob, KeyId: keyId, KeyVersionId: `${keyId}-v1` };
  };
  const decrypt = (p: Record<string, string>): Record<string, string> => {
    const invalid = () => kmsError(400, "Rejected.ValidationFailed", "The CiphertextBlob is invalid.");
    let parsed: { k: string; iv: string; ct: string; tag: string };
    try {
      parsed = JSON.parse(Buffer.from(p.CiphertextBlob ?? "", "base64").toString("utf8"));
    } catch {
      throw invalid();
    }
    const key = masterKeys.get(parsed.k);
    if (!key) throw kmsError(404, "Forbidden.KeyNotFound", "The specified Key is not found.");
    try {
      const d = createDecipheriv("aes-256-gcm", key, Buffer.from(parsed.iv, "base64"));
      d.setAAD(Buffer.from(p.EncryptionContext ?? ""));
      d.setAuthTag(Buffer.from(parsed.tag, "base64"));
      const plain = Buffer.concat([d.update(Buffer.from(parsed.ct, "base64")), d.final()]).toString("utf8");
      return { Plaintext: plain, KeyId: parsed.k, KeyVersionId: `${parsed.k}-v1` };
    } catch {
      throw invalid();
    }
  };
  const actions: Record<string, (p: Record<string, string>) => Record<string, string>> = { Encrypt: encrypt, Decrypt: decrypt };

  function send(res: ServerResponse, status: number, fields: Record<string, string>, requestId: string): void {
    const body = JSON.stringify({ ...fields, RequestId: requestId });
    res.writeHead(status, { "content-type": "application/json;charset=utf-8", "content-length": Buffer.byteLength(body), "x-acs-request-id": requestId });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    const url = new URL(req.url ?? "/", "http://kms.invalid");
    let action = "-";
    try {
      const body = await readBody(req, MAX_BODY_BYTES).catch((e: unknown) => {
        throw e instanceof BodyTooLarge ? stsErrors.bodyTooLarge() : e;
      });
      if (unavailable) throw kmsError(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.");
      if (req.method !== "GET" && req.method !== "POST") throw stsErrors.unsupportedHttpMethod(req.method ?? "");
      const { params } = parseRpcParams(url.search, req.method === "POST" && isFormContentType(req.headers["content-type"]) ? body : null);
      if (url.pathname !== "/") throw stsErrors.actionNotFound();
      action = params.Action ?? "-";
      const run = actions[action];
      if (!run) throw stsErrors.actionNotFound();
      if (params.Version !== KMS_API_VERSION) throw stsErrors.invalidVersion();
      authenticateSignedRequest(req.method, params, { findIdentity: (id) => keys.get(id), nonces, maxSkewMs: 900_000, now });
      const answer = run(params);
      calls.push({ action, status: 200 });
      send(res, 200, answer, requestId);
    } catch (err) {
      const e = err instanceof StsError ? err : stsErrors.internalError();
      calls.push({ action, status: e.status });
      send(res, e.status, errorFields(e, requestId), requestId);
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  const { port, url } = await listenOn(server, opts.host ?? "127.0.0.1", opts.port ?? 0);
  return {
    url,
    port,
    domain: `${opts.host ?? "127.0.0.1"}:${port}`,
    calls,
    setUnavailable: (down) => {
      unavailable = down;
    },
    close: () => closeNow(server),
  };
}

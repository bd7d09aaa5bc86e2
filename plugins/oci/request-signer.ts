/**
 * Signature v1 signing (oci-auth.md §3.1-§3.3), for the two places warden signs: the CLI's login
 * payload (a GET, `date (request-target) host`, as the Vault CLI's Go SDK signs) and warden's own
 * calls to the identity data plane (POSTs, which also sign the body headers).
 */
import { createHash, createPrivateKey, sign, type KeyObject } from "node:crypto";

/**
 * Parsing a PEM costs more than the RSA signature itself: a caller that signs often keeps the parsed
 * key (the server's service key lives in its mount's instance, see serviceKeyCache).
 */
const keyObject = (key: string | KeyObject): KeyObject => (typeof key === "string" ? createPrivateKey(key) : key);

/** The mount's parsed service key, parsed again only when the config's PEM changes. */
export function serviceKeyCache(): { parse(pem: string): KeyObject; forget(): void } {
  let parsed: { pem: string; key: KeyObject } | undefined;
  return {
    parse(pem) {
      if (parsed?.pem !== pem) parsed = { pem, key: createPrivateKey(pem) };
      return parsed.key;
    },
    forget() {
      parsed = undefined;
    },
  };
}

export interface SignInput {
  method: "GET" | "POST";
  /** Path and query, as sent. */
  target: string;
  host: string;
  keyId: string;
  privateKey: string | KeyObject;
  body?: string;
  /** Which date header to sign: Go SDK / Vault CLI sign `date`, the TS SDK signs `x-date`. */
  dateHeader?: "date" | "x-date";
  now?: Date;
}

/** The headers to send, lower-cased, `authorization` last; `(request-target)` is not among them. */
export function signRequest(input: SignInput): Record<string, string> {
  const dateName = input.dateHeader ?? "date";
  const headers: Record<string, string> = {
    [dateName]: (input.now ?? new Date()).toUTCString(),
    host: input.host,
  };
  const names = [dateName, "(request-target)", "host"];
  if (input.method === "POST") {
    const body = input.body ?? "";
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(body, "utf8"));
    headers["x-content-sha256"] = createHash("sha256").update(body, "utf8").digest("base64");
    names.push("content-length", "content-type", "x-content-sha256");
  }
  const line = (n: string): string =>
    n === "(request-target)" ? `(request-target): ${input.method.toLowerCase()} ${input.target}` : `${n}: ${headers[n]}`;
  const signingString = names.map(line).join("\n");
  const signature = sign("sha256", Buffer.from(signingString, "utf8"), keyObject(input.privateKey)).toString("base64");
  headers.authorization =
    `Signature version="1",headers="${names.join(" ")}",keyId="${input.keyId}",algorithm="rsa-sha256",signature="${signature}"`;
  return headers;
}

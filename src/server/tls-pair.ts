import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * Reads a listener's certificate and key and checks they belong together, so a bad pair is refused
 * before it replaces a good one (SIGHUP). Errors name the file at fault and never quote its content:
 * the key file holds the listener's private key.
 */
export function loadKeyPair(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  const cert = readPem(certFile, "tls_cert_file");
  const key = readPem(keyFile, "tls_key_file");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new Error(`tls_cert_file ${certFile}: not a PEM certificate`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`tls_key_file ${keyFile}: not a PEM private key (or an encrypted one)`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new Error(`tls_key_file ${keyFile} does not match the certificate in tls_cert_file ${certFile}`);
  return { cert, key };
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`${key} ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

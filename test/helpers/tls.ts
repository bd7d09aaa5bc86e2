import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** A self-signed P-256 certificate for localhost/127.0.0.1, valid one day, written into `dir`. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
    { stdio: "ignore" },
  );
  return { cert, key };
}

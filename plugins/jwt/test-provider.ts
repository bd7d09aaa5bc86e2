/**
 * Test-only: a tiny OIDC provider on 127.0.0.1 (node:http) serving a discovery document and a JWKS
 * whose keys a test can add, rotate and remove, with switchable misbehaviour (redirects, slow or
 * broken answers) and hit counters, so tests can assert exactly how often warden fetched.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestKey } from "./test-support.js";

export interface ProviderFaults {
  /** Answer the discovery document with a 302 to this URL. */
  discoveryRedirect?: string;
  /** Announce this issuer instead of our own URL. */
  discoveryIssuer?: string;
  /** Answer the JWKS with a 302 to this URL. */
  jwksRedirect?: string;
  /** Delay the JWKS answer this long. */
  jwksDelayMs?: number;
  /** Answer the JWKS with this status (and an empty body). */
  jwksStatus?: number;
  /** Answer the JWKS with this raw body. */
  jwksBody?: string;
}

export interface TestProvider {
  /** The issuer (and discovery base) URL: http://127.0.0.1:<port>. */
  url: string;
  jwksUrl: string;
  /** The keys published in the JWKS, in order. */
  published: TestKey[];
  hits: { discovery: number; jwks: number };
  faults: ProviderFaults;
  /** With `tls: true`: the self-signed certificate the provider presents (its own CA). */
  ca?: string;
  close(): Promise<void>;
}

/** A throwaway self-signed certificate for 127.0.0.1 (openssl, as the kubernetes example does). */
function selfSigned(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "jwt-provider-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=jwt-test-provider", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startProvider(keys: TestKey[] = [], opts: { tls?: boolean } = {}): Promise<TestProvider> {
  const p: TestProvider = {
    url: "",
    jwksUrl: "",
    published: [...keys],
    hits: { discovery: 0, jwks: 0 },
    faults: {},
    close: async () => {},
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/.well-known/openid-configuration") {
      p.hits.discovery++;
      if (p.faults.discoveryRedirect) {
        res.writeHead(302, { location: p.faults.discoveryRedirect }).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          issuer: p.faults.discoveryIssuer ?? p.url,
          jwks_uri: p.jwksUrl,
          response_types_supported: ["id_token"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256", "ES256", "EdDSA"],
        }),
      );
      return;
    }
    if (path === "/keys") {
      p.hits.jwks++;
      const answer = (): void => {
        if (res.destroyed) return;
        if (p.faults.jwksRedirect) {
          res.writeHead(302, { location: p.faults.jwksRedirect }).end();
        } else if (p.faults.jwksStatus) {
          res.writeHead(p.faults.jwksStatus).end();
        } else {
          res.writeHead(200, { "content-type": "application/jwk-set+json" });
          res.end(p.faults.jwksBody ?? JSON.stringify({ keys: p.published.map((k) => k.publicJwk) }));
        }
      };
      if (p.faults.jwksDelayMs) setTimeout(answer, p.faults.jwksDelayMs).unref();
      else answer();
      return;
    }
    res.writeHead(404).end();
  };
  let server: Server;
  if (opts.tls) {
    const tls = selfSigned();
    p.ca = tls.cert.toString("utf8");
    server = createHttpsServer(tls, handler);
  } else {
    server = createServer(handler);
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  p.url = `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`;
  p.jwksUrl = `${p.url}/keys`;
  p.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return p;
}

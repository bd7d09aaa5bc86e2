// A small TokenReview API, over https with a throw-away CA, standing in for a cluster's API server:
// POST /apis/authentication.k8s.io/v1/tokenreviews answers who a service account token belongs to,
// and only to a caller bearing the reviewer token (as RBAC's system:auth-delegator would).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ServiceAccount {
  namespace: string;
  name: string;
  uid: string;
  audiences?: string[];
}

export interface TokenReviewEmulator {
  url: string;
  /** PEM of the self-signed certificate the server presents (the cluster CA). */
  ca: string;
  reviewerJwt: string;
  /** Issues a token for a service account. */
  token(sa: ServiceAccount): string;
  reviews: number;
  close(): Promise<void>;
}

export async function startTokenReview(): Promise<TokenReviewEmulator> {
  const dir = mkdtempSync(join(tmpdir(), "k8s-emu-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=kubernetes", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore" });
  const ca = readFileSync(cert, "utf8");
  const tokens = new Map<string, ServiceAccount>();
  const reviewerJwt = `reviewer.${Math.random().toString(36).slice(2)}`;
  let counter = 0;
  const emu = {
    url: "",
    ca,
    reviewerJwt,
    reviews: 0,
    token(sa: ServiceAccount) {
      const t = `sa.${++counter}.${Math.random().toString(36).slice(2)}`;
      tokens.set(t, sa);
      return t;
    },
    close: async () => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const send = (status: number, doc: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(doc));
      };
      if (req.method !== "POST" || req.url !== "/apis/authentication.k8s.io/v1/tokenreviews") return send(404, { kind: "Status", code: 404 });
      if (req.headers.authorization !== `Bearer ${reviewerJwt}`) return send(401, { kind: "Status", code: 401, reason: "Unauthorized" });
      emu.reviews++;
      const review = JSON.parse(body) as { spec: { token: string; audiences?: string[] } };
      const sa = tokens.get(review.spec.token);
      const wanted = review.spec.audiences ?? [];
      const audOk = sa && wanted.every((a) => (sa.audiences ?? ["https://kubernetes.default.svc"]).includes(a));
      const status =
        sa && audOk
          ? { authenticated: true, user: { username: `system:serviceaccount:${sa.namespace}:${sa.name}`, uid: sa.uid, groups: ["system:serviceaccounts"] }, audiences: wanted.length ? wanted : ["https://kubernetes.default.svc"] }
          : { authenticated: false, error: "invalid bearer token" };
      send(201, { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: review.spec, status });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  emu.url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  return emu;
}

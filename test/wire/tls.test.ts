// A TLS listener from config: certificate and key files, TLS 1.2 at least, plain HTTP refused.
import { mkdtempSync, readFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { selfSignedCert } from "../helpers/tls.js";

interface Ctx {
  s: TestServer;
  ca: Buffer;
  port: number;
}

function get(port: number, path: string, ca: Buffer, token: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path, ca, servername: "localhost", headers: { "x-vault-token": token } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on("error", reject);
    req.end();
  });
}

const t = suite<Ctx>("TLS listener");

t.before(async (ctx) => {
  const { cert, key } = selfSignedCert(mkdtempSync(join(tmpdir(), "warden-tls-")));
  ctx.ca = readFileSync(cert);
  ctx.s = await startTestServer({
    configure: (c) => {
      const l = c.listeners[0]!;
      l.tlsDisable = false;
      l.tlsCertFile = cert;
      l.tlsKeyFile = key;
    },
  });
  ctx.port = Number(new URL(ctx.s.url).port);
});
t.after(async (ctx) => ctx.s.close());

t("the server URL is https and answers over TLS with the configured certificate", async (ctx) => {
  assert.match(ctx.s.url, /^https:\/\//);
  const r = await get(ctx.port, "/v1/auth/token/lookup-self", ctx.ca, ctx.s.rootToken);
  assert.is(r.status, 200);
  assert.equal(r.body.data.policies, ["root"]);
});

t("TLS 1.1 is refused", async (ctx) => {
  const outcome = await new Promise<string>((resolve) => {
    const socket = tls.connect({ host: "127.0.0.1", port: ctx.port, ca: ctx.ca, servername: "localhost", minVersion: "TLSv1", maxVersion: "TLSv1.1" }, () => {
      socket.end();
      resolve("connected");
    });
    socket.on("error", () => resolve("refused"));
  });
  assert.is(outcome, "refused");
});

t("plain HTTP on the TLS port gets no answer", async (ctx) => {
  const ok = await fetch(`http://127.0.0.1:${ctx.port}/v1/sys/health`).then(
    (r) => r.status === 200,
    () => false,
  );
  assert.is(ok, false);
});

t.run();

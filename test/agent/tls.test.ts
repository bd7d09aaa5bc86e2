// The agent over TLS both ways: it reaches warden's https listener trusting only vault { ca_cert },
// and serves its API proxy on a TLS listener of its own. Without the CA, it refuses the server.
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
import { startTestServer } from "../helpers/server.js";
import { selfSignedCert } from "../helpers/tls.js";
import { waitFor } from "../helpers/wait-for.js";
import { approleConfig, approleRole, readSink, secretsIn, startAgent, tempDir, waitForValidSink, writeConfig } from "./harness.js";

const t = suite("warden agent: TLS");

t("ca_cert: the agent trusts warden's certificate through it only; its own listener serves TLS", async () => {
  const certDir = tempDir("warden-agent-tls-");
  const { cert, key } = selfSignedCert(certDir);
  const tlsPort = await freePort();
  const s = await startTestServer({
    configure: (c) => void c.listeners.push({ ...c.listeners[0]!, address: `127.0.0.1:${tlsPort}`, tlsDisable: false, tlsCertFile: cert, tlsKeyFile: key }),
  });
  const agents: ReturnType<typeof startAgent>[] = [];
  try {
    const { roleId, secretId } = await approleRole(s, "tls", "1m", "1h");
    const run = async (withCa: boolean) => {
      const dir = tempDir();
      writeFileSync(join(dir, "role-id"), roleId);
      writeFileSync(join(dir, "secret-id"), secretId);
      const proxyPort = await freePort();
      const sink = join(dir, "token");
      const extra = `api_proxy {
  use_auto_auth_token = true
}
listener "tcp" {
  address = "127.0.0.1:${proxyPort}"
  tls_cert_file = "${cert}"
  tls_key_file = "${key}"
}
`;
      let hcl = approleConfig({ address: `https://127.0.0.1:${tlsPort}`, dir, sink, extra, removeSecretId: false });
      if (withCa) hcl = hcl.replace(`address = "https://127.0.0.1:${tlsPort}"`, `address = "https://127.0.0.1:${tlsPort}"\n  ca_cert = "${cert}"`);
      const agent = startAgent(writeConfig(dir, hcl));
      agents.push(agent);
      return { agent, sink, proxyPort };
    };
    const untrusting = await run(false);
    await waitFor("the agent without ca_cert to refuse the server's certificate", 60_000, async () =>
      /SELF_SIGNED|self[- ]signed|UNABLE_TO_VERIFY/i.test(untrusting.agent.output()),
    );
    assert.is(readSink(untrusting.sink), undefined);

    const trusting = await run(true);
    const token = await waitForValidSink(s, trusting.sink, 60_000);
    const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpsRequest({ host: "127.0.0.1", port: trusting.proxyPort, path: "/v1/auth/token/lookup-self", ca: readFileSync(cert) }, (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on("error", reject);
      req.end();
    });
    assert.is(answer.status, 200);
    assert.is(answer.body.data.id, token);
    assert.equal(secretsIn(trusting.agent.output() + untrusting.agent.output(), [token, secretId]), []);
  } finally {
    const codes = await Promise.all(agents.map((a) => a.stop()));
    await s.close();
    assert.equal(codes, codes.map(() => 0));
  }
});

t.run();

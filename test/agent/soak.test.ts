// A bounded soak (its own file, so it runs beside the other suites): the agent with 5 s TTLs and a
// 20 s max TTL for 2 minutes (AGENT_SOAK_MS to change it), a request through its API proxy every
// ~200 ms. Across dozens of renewals and several new logins, not one request may fail and the sink
// must always hold a token the server accepts.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
// The kit's server directly (SQLite), not test/helpers/server: the agent's behaviour does not depend
// on the server's storage, and a second, PostgreSQL pass would add two minutes to CI for nothing.
import { startTestServer } from "../../src/sdk/testing/server.js";
import { approleConfig, approleRole, lookup, readSink, secretsIn, startAgent, tempDir, waitForValidSink, writeConfig } from "./harness.js";

const SOAK_MS = Number(process.env.AGENT_SOAK_MS ?? 120_000);

const t = suite("warden agent: soak");

t(`${SOAK_MS / 1000} s of 5 s TTLs, a proxied request every ~200 ms, no failure`, async () => {
  const s = await startTestServer();
  const dir = tempDir();
  const sink = join(dir, "token");
  const { roleId, secretId } = await approleRole(s, "soak", "5s", "20s");
  writeFileSync(join(dir, "role-id"), roleId);
  writeFileSync(join(dir, "secret-id"), secretId);
  const port = await freePort();
  const extra = `api_proxy {
  use_auto_auth_token = true
}
listener "tcp" {
  address = "127.0.0.1:${port}"
  tls_disable = true
}
`;
  const agent = startAgent(writeConfig(dir, approleConfig({ address: s.url, dir, sink, extra })));
  const failures: string[] = [];
  const tokens = new Set<string>();
  let requests = 0;
  let sinkChecks = 0;
  try {
    await waitForValidSink(s, sink, 60_000);
    const end = Date.now() + SOAK_MS;
    let nextSinkCheck = 0;
    while (Date.now() < end) {
      const started = Date.now();
      requests++;
      try {
        const r = await fetch(`http://127.0.0.1:${port}/v1/auth/token/lookup-self`);
        const body = (await r.json()) as { data?: { id?: string } };
        if (r.status !== 200) failures.push(`request ${requests}: ${r.status} ${JSON.stringify(body).slice(0, 200)}`);
        else tokens.add(body.data!.id!);
      } catch (e) {
        failures.push(`request ${requests}: ${(e as Error).message}`);
      }
      if (started >= nextSinkCheck) {
        nextSinkCheck = started + 1000;
        sinkChecks++;
        const tok = readSink(sink);
        if (!tok || !(await lookup(s, tok))) failures.push(`sink check ${sinkChecks}: the sink holds no valid token`);
      }
      // ~200 ms between request starts (the pacing of the soak, not a wait for ordering).
      await new Promise((r) => setTimeout(r, Math.max(0, 200 - (Date.now() - started))));
    }
    assert.equal(failures, [], `${failures.length} failures of ${requests} requests`);
    assert.ok(requests >= (SOAK_MS / 200) * 0.5, `only ${requests} requests were made`);
    // 20 s max TTL: the agent logged in again several times, and the proxy used each new token.
    assert.ok(tokens.size >= Math.floor(SOAK_MS / 20_000) - 1, `${tokens.size} tokens used`);
    assert.equal(secretsIn(agent.output(), [...tokens, secretId]), []);
  } finally {
    assert.is(await agent.stop(), 0);
    await s.close();
  }
});

t.run();

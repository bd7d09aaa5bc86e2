// The server stopped for several seconds under a running agent, then restarted on the same storage
// and port: the agent keeps retrying (backoff, saying why), never exits, and the sink holds a valid
// token again once the server is back (the old one renewed, or a new login if it expired meanwhile).
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait-for.js";
import { approleConfig, approleRole, secretsIn, startAgent, tempDir, waitForValidSink, writeConfig } from "./harness.js";

const t = suite("warden agent: server restart");

t("the agent rides out a server stopped for several seconds", async () => {
  const dataDir = tempDir("warden-agent-restart-");
  const port = await freePort();
  const start = () => startTestServer({ dataDir, configure: (c) => void (c.listeners[0]!.address = `127.0.0.1:${port}`) });
  let s: TestServer = await start();
  const dir = tempDir();
  const sink = join(dir, "token");
  const { roleId, secretId } = await approleRole(s, "restart", "3s", "1h");
  writeFileSync(join(dir, "role-id"), roleId);
  writeFileSync(join(dir, "secret-id"), secretId);
  const agent = startAgent(writeConfig(dir, approleConfig({ address: s.url, dir, sink })));
  try {
    const first = await waitForValidSink(s, sink, 60_000);
    await s.close();
    // Down for several seconds: the agent notices (renewal fails) and keeps retrying with backoff.
    await waitFor("the agent to retry at least twice while the server is down", 60_000, async () => {
      const out = agent.output();
      return (out.match(/renewal failed; retrying|login failed; retrying/g) ?? []).length >= 2;
    });
    assert.is(agent.proc.exitCode, null, "the agent is still running");
    s = await start();
    // A valid token is back in the sink: the old one renewed, or a new one if it expired meanwhile.
    const token = await waitForValidSink(s, sink, 60_000);
    // And it stays alive from here on: renewed past a TTL.
    await waitFor("the token to be renewed after the restart", 60_000, async () => {
      const r = await s.request("GET", "auth/token/lookup-self", { token: readFileSync(sink, "utf8") });
      return r.status === 200 && r.body.data.last_renewal_time ? true : undefined;
    });
    assert.match(agent.output(), /ECONNREFUSED|ECONNRESET|socket hang up/, "the log says why");
    assert.equal(secretsIn(agent.output(), [first, token, secretId]), []);
  } finally {
    assert.is(await agent.stop(), 0);
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();

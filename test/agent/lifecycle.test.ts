// The agent's token lifecycle against a real server, with real short TTLs (the server's TestClock
// cannot reach another process): approle and jwt logins from files, renewal past several TTLs, a
// new login near the max TTL and after a revocation. Every wait is for a condition.
import { chownSync, existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { makeKey, sign, type TestKey } from "../../plugins/jwt/test-support.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait-for.js";
import { type AgentProcess, approleConfig, approleRole, lookup, readSink, SELF_POLICY, secretsIn, startAgent, tempDir, waitForValidSink, writeConfig } from "./harness.js";

interface Ctx {
  s: TestServer;
  agents: AgentProcess[];
  key: TestKey;
}

const t = suite<Ctx>("warden agent: token lifecycle");

t.before(async (ctx) => {
  ctx.agents = [];
  ctx.s = await startTestServer();
  ctx.key = await makeKey("RS256");
  const { s } = ctx;
  assert.is((await s.request("POST", "sys/auth/jwt", { body: { type: "jwt" } })).status, 204);
  const cfg = await s.request("PUT", "auth/jwt/config", { body: { jwt_validation_pubkeys: [ctx.key.publicPem], bound_issuer: "https://issuer.test" } });
  assert.is(cfg.status, 204, cfg.text);
  assert.is((await s.request("PUT", "sys/policies/acl/agent-self", { body: { policy: SELF_POLICY } })).status, 204);
  const role = await s.request("PUT", "auth/jwt/role/pod", {
    body: { role_type: "jwt", bound_audiences: ["warden"], user_claim: "sub", token_policies: ["agent-self"], token_ttl: "3s", token_max_ttl: "1h" },
  });
  assert.is(role.status, 204, role.text);
});
t.after.each(async (ctx) => {
  const codes = await Promise.all(ctx.agents.map((a) => a.stop()));
  ctx.agents = [];
  assert.equal(codes, codes.map(() => 0), "the agent exits 0 on SIGTERM");
});
t.after(async ({ s }) => {
  await s.close();
});

/** Starts an approle agent with fresh role/secret id files; returns the sink path and the agent. */
async function approleAgent(ctx: Ctx, role: string, ttl: string, maxTtl: string, before?: (sink: string) => void): Promise<{ dir: string; sink: string; agent: AgentProcess; secretId: string; roleId: string }> {
  const { roleId, secretId } = await approleRole(ctx.s, role, ttl, maxTtl);
  const dir = tempDir();
  writeFileSync(join(dir, "role-id"), `${roleId}\n`);
  writeFileSync(join(dir, "secret-id"), `${secretId}\n`);
  const sink = join(dir, "token");
  before?.(sink);
  const agent = startAgent(writeConfig(dir, approleConfig({ address: ctx.s.url, dir, sink }) + `pid_file = "${join(dir, "agent.pid")}"\n`));
  ctx.agents.push(agent);
  return { dir, sink, agent, secretId, roleId };
}

t("approle from files: the secret id file is read and removed, the sink is written 0600, the pid file names the agent", async (ctx) => {
  // An existing sink owned by the application's user keeps its owner (only root may give it: CI as root checks it).
  const asRoot = process.getuid?.() === 0;
  const { dir, sink, agent, secretId } = await approleAgent(ctx, "files", "1m", "1h", (path) => {
    writeFileSync(path, "stale", { mode: 0o644 });
    if (asRoot) chownSync(path, 4321, 4321);
  });
  const token = await waitForValidSink(ctx.s, sink, 60_000);
  assert.is(statSync(sink).mode & 0o777, 0o600, "the sink's mode is the configured 0600");
  if (asRoot) assert.equal([statSync(sink).uid, statSync(sink).gid], [4321, 4321], "the sink keeps its owner");
  assert.not.ok(existsSync(join(dir, "secret-id")), "the secret id file is removed after reading");
  assert.equal(readdirSync(dir).filter((f) => f.includes(".tmp-")), [], "no temporary file left beside the sink");
  assert.ok(existsSync(join(dir, "role-id")), "the role id file stays");
  await waitFor("the pid file", 5000, async () => existsSync(join(dir, "agent.pid")));
  assert.is(readSink(join(dir, "agent.pid"))!.trim(), String(agent.proc.pid));
  const data = (await lookup(ctx.s, token))!;
  assert.is(data.path, "auth/approle/login");
  assert.equal(secretsIn(agent.output(), [token, secretId]), [], "neither the token nor the secret id is logged");
  assert.is(await agent.stop(), 0);
  assert.not.ok(existsSync(join(dir, "agent.pid")), "the pid file is removed at exit");
});

t("approle: a response-wrapped secret id is unwrapped once its creation path checks out", async (ctx) => {
  const { roleId } = await approleRole(ctx.s, "wrapped", "1m", "1h");
  const wrapAt = async (method: string, path: string): Promise<string> => {
    const r = await ctx.s.request(method, path, { ...(method === "PUT" ? { body: {} } : {}), headers: { "X-Vault-Wrap-TTL": "120" } });
    assert.is(r.status, 200, r.text);
    return r.body.wrap_info.token as string;
  };
  const run = async (wrapToken: string) => {
    const dir = tempDir();
    writeFileSync(join(dir, "role-id"), roleId);
    writeFileSync(join(dir, "secret-id"), wrapToken);
    const sink = join(dir, "token");
    const hcl = approleConfig({ address: ctx.s.url, dir, sink }).replace(
      "remove_secret_id_file_after_reading = true",
      'remove_secret_id_file_after_reading = true\n      secret_id_response_wrapping_path = "auth/approle/role/wrapped/secret-id"',
    );
    const agent = startAgent(writeConfig(dir, hcl));
    ctx.agents.push(agent);
    return { sink, agent };
  };
  const good = await run(await wrapAt("PUT", "auth/approle/role/wrapped/secret-id"));
  const token = await waitForValidSink(ctx.s, good.sink, 60_000);
  assert.is((await lookup(ctx.s, token))!.path, "auth/approle/login");
  // A wrapping token minted elsewhere (here: wrapping a policy read) is refused before it is unwrapped.
  const elsewhere = await wrapAt("GET", "sys/policies/acl/agent-self");
  const bad = await run(elsewhere);
  await waitFor("the agent to refuse the wrapping token", 60_000, async () => /not at secret_id_response_wrapping_path/.test(bad.agent.output()));
  assert.is(readSink(bad.sink), undefined);
  const still = await ctx.s.request("PUT", "sys/wrapping/lookup", { body: { token: elsewhere } });
  assert.is(still.status, 200, "the foreign wrapping token was not consumed");
  assert.equal(secretsIn(good.agent.output() + bad.agent.output(), [token, elsewhere]), []);
});

t("renewal keeps one token alive past several TTLs", async (ctx) => {
  const { sink, agent } = await approleAgent(ctx, "renew", "3s", "1h");
  const token = await waitForValidSink(ctx.s, sink, 60_000);
  const issued = Date.parse((await lookup(ctx.s, token))!.issue_time);
  // Three TTLs later the same token is still in the sink and still valid: it was renewed, not replaced.
  const data = await waitFor("the first token to outlive three TTLs", 60_000, async () => {
    if (readSink(sink) !== token) throw new Error("the sink's token changed");
    const d = await lookup(ctx.s, token);
    if (!d) throw new Error("the token died");
    return Date.now() - issued > 10_000 ? d : undefined;
  }, 200);
  assert.ok(data.last_renewal_time, "the token was renewed");
  assert.equal(secretsIn(agent.output(), [token]), []);
});

t("near the max TTL a new login replaces the token, and the sink never holds a dead one", async (ctx) => {
  const { sink, agent } = await approleAgent(ctx, "short", "3s", "8s");
  const first = await waitForValidSink(ctx.s, sink, 60_000);
  // Sample the sink all along: every token it holds must be valid when read.
  const seen = new Set<string>([first]);
  const second = await waitFor("a second token after the first's max TTL", 60_000, async () => {
    const t = readSink(sink);
    if (t === undefined) throw new Error("the sink disappeared");
    if (!(await lookup(ctx.s, t))) throw new Error("the sink holds a token the server refuses");
    seen.add(t);
    return t !== first ? t : undefined;
  }, 100);
  assert.is.not(second, first);
  assert.ok(await lookup(ctx.s, second));
  // The server either caps the last renewal (the agent then replaces the token before it ends) or,
  // with less than a second left, refuses it ("past the max TTL"): a new login at once either way.
  assert.match(agent.output(), /near its max TTL; it will be replaced|past the max TTL, cannot renew/);
  // And again: the replacement happens at every max TTL, not once.
  await waitForValidSink(ctx.s, sink, 60_000, second);
});

t("a revoked token is noticed and replaced", async (ctx) => {
  const { sink, agent } = await approleAgent(ctx, "revoked", "3s", "1h");
  const first = await waitForValidSink(ctx.s, sink, 60_000);
  const r = await ctx.s.request("PUT", "auth/token/revoke", { body: { token: first } });
  assert.is(r.status, 204, r.text);
  assert.not.ok(await lookup(ctx.s, first));
  const second = await waitForValidSink(ctx.s, sink, 60_000, first);
  assert.is.not(second, first);
  assert.match(agent.output(), /can no longer be renewed; logging in again/);
});

t("jwt: the token file is re-read at every login, so a rotated JWT is the one used", async (ctx) => {
  const dir = tempDir();
  const jwtFile = join(dir, "jwt");
  const now = Math.floor(Date.now() / 1000);
  const jwtFor = (sub: string) => sign(ctx.key, { iss: "https://issuer.test", aud: "warden", sub, iat: now, nbf: now, exp: now + 600 });
  const firstJwt = await jwtFor("pod-a");
  writeFileSync(jwtFile, `${firstJwt}\n`);
  const sink = join(dir, "token");
  const hcl = `vault {
  address = "${ctx.s.url}"
}
auto_auth {
  method "jwt" {
    config = {
      path = "${jwtFile}"
      role = "pod"
    }
  }
  sink "file" {
    config = {
      path = "${sink}"
    }
  }
}
`;
  const agent = startAgent(writeConfig(dir, hcl));
  ctx.agents.push(agent);
  const first = await waitForValidSink(ctx.s, sink, 60_000);
  assert.match((await lookup(ctx.s, first))!.display_name, /pod-a/);
  // The projected token rotates; the next login (forced here by a revocation) reads the new one.
  const secondJwt = await jwtFor("pod-b");
  writeFileSync(jwtFile, secondJwt);
  assert.is((await ctx.s.request("PUT", "auth/token/revoke", { body: { token: first } })).status, 204);
  const second = await waitForValidSink(ctx.s, sink, 60_000, first);
  assert.match((await lookup(ctx.s, second))!.display_name, /pod-b/);
  assert.equal(secretsIn(agent.output(), [first, second, firstJwt, secondJwt]), []);
  // SIGINT (Ctrl-C) is a clean stop too.
  assert.is(await agent.stop("SIGINT"), 0);
  assert.match(agent.output(), /SIGINT received; shutting down/);
});

t.run();

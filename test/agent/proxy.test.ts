// The agent's API proxy against a real server: the auto-auth token given to requests without one
// (use_auto_auth_token = true) or to every request ("force"); status codes, headers and bodies pass
// through unchanged, large bodies streamed both ways.
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type AgentProcess, approleConfig, approleRole, secretsIn, startAgent, tempDir, waitForValidSink, writeConfig } from "./harness.js";

interface Ctx {
  s: TestServer;
  agents: AgentProcess[];
  /** Proxy URL and sink of the use_auto_auth_token = true agent, and of the "force" one. */
  auto: { url: string; sink: string };
  force: { url: string; sink: string };
}

const t = suite<Ctx>("warden agent: API proxy");

async function proxyAgent(ctx: Ctx, mode: string): Promise<{ url: string; sink: string }> {
  const { roleId, secretId } = await approleRole(ctx.s, "proxy", "1m", "1h");
  const dir = tempDir();
  writeFileSync(join(dir, "role-id"), roleId);
  writeFileSync(join(dir, "secret-id"), secretId);
  const port = await freePort();
  const sink = join(dir, "token");
  const extra = `api_proxy {
  use_auto_auth_token = ${mode}
}
listener "tcp" {
  address = "127.0.0.1:${port}"
  tls_disable = true
}
`;
  const agent = startAgent(writeConfig(dir, approleConfig({ address: ctx.s.url, dir, sink, extra })));
  ctx.agents.push(agent);
  await waitForValidSink(ctx.s, sink, 60_000);
  return { url: `http://127.0.0.1:${port}`, sink };
}

t.before(async (ctx) => {
  ctx.agents = [];
  ctx.s = await startTestServer();
  ctx.auto = await proxyAgent(ctx, "true");
  ctx.force = await proxyAgent(ctx, `"force"`);
});
t.after(async (ctx) => {
  const codes = await Promise.all(ctx.agents.map((a) => a.stop()));
  assert.equal(codes, codes.map(() => 0), "the agents exit 0 on SIGTERM");
  const tokens = [ctx.auto, ctx.force].map((p) => readFileSync(p.sink, "utf8"));
  assert.equal(secretsIn(ctx.agents.map((a) => a.output()).join("\n"), [...tokens, ctx.s.rootToken]), [], "no token in the agents' logs");
  await ctx.s.close();
});

const selfPath = async (base: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`${base}/v1/auth/token/lookup-self`, { headers });
  return { status: r.status, body: (await r.json()) as any };
};

t("use_auto_auth_token = true: a request without a token gets the agent's; one with a token keeps it", async (ctx) => {
  const agentToken = readFileSync(ctx.auto.sink, "utf8");
  const mine = await selfPath(ctx.auto.url);
  assert.is(mine.status, 200);
  assert.is(mine.body.data.id, agentToken);
  assert.is(mine.body.data.path, "auth/approle/login");
  const root = await selfPath(ctx.auto.url, { "X-Vault-Token": ctx.s.rootToken });
  assert.is(root.status, 200);
  assert.equal(root.body.data.policies, ["root"], "the caller's own token was used");
  const bogus = await selfPath(ctx.auto.url, { "X-Vault-Token": "hvs.not-a-token" });
  assert.is(bogus.status, 403, "a caller's bad token is forwarded as is, and refused by the server");
});

t('use_auto_auth_token = "force": every request gets the agent\'s token', async (ctx) => {
  const agentToken = readFileSync(ctx.force.sink, "utf8");
  const variants: Array<Record<string, string>> = [{}, { "X-Vault-Token": "hvs.not-a-token" }, { "X-Vault-Token": ctx.s.rootToken }];
  for (const headers of variants) {
    const r = await selfPath(ctx.force.url, headers);
    assert.is(r.status, 200);
    assert.is(r.body.data.id, agentToken);
  }
});

/** The end-to-end headers of an answer (hop-by-hop and per-connection ones left out). */
function headersOf(r: Response): Record<string, string> {
  const out: Record<string, string> = {};
  r.headers.forEach((v, k) => {
    if (!["date", "connection", "keep-alive", "transfer-encoding"].includes(k)) out[k] = v;
  });
  return out;
}

t("status codes, headers and bodies pass through unchanged", async (ctx) => {
  const token = ctx.s.rootToken;
  const cases: Array<{ method: string; path: string; body?: string; type?: string }> = [
    { method: "GET", path: "sys/health" },
    { method: "GET", path: "sys/no-such-path" },
    { method: "PUT", path: "sys/policies/acl/bad", body: "{not json", type: "application/json" },
    { method: "PUT", path: "sys/policies/acl/through-proxy", body: JSON.stringify({ policy: 'path "x" { capabilities = ["read"] }' }), type: "application/json" },
    { method: "GET", path: "sys/policies/acl/through-proxy" },
    { method: "DELETE", path: "sys/policies/acl/through-proxy" },
  ];
  for (const c of cases) {
    const init = (): RequestInit => ({ method: c.method, headers: { "X-Vault-Token": token, ...(c.type ? { "content-type": c.type } : {}) }, ...(c.body ? { body: c.body } : {}) });
    const viaProxy = await fetch(`${ctx.auto.url}/v1/${c.path}`, init());
    const proxied = { status: viaProxy.status, headers: headersOf(viaProxy), text: await viaProxy.text() };
    // The same request straight to the server (the write again: it is idempotent).
    const direct = await fetch(`${ctx.s.url}/v1/${c.path}`, init());
    const straight = { status: direct.status, headers: headersOf(direct), text: await direct.text() };
    assert.is(proxied.status, straight.status, `${c.method} ${c.path}`);
    assert.equal(Object.keys(proxied.headers).sort(), Object.keys(straight.headers).sort(), `${c.method} ${c.path}: headers`);
    assert.is(proxied.headers["content-type"], straight.headers["content-type"]);
    // Per-request and clock fields differ between two requests (sys/health's server_time_utc crosses a second on a busy machine).
    const strip = (s: string) =>
      s
        .replace(/"request_id":"[^"]*"/g, "")
        .replace(/"(issue_time|expire_time|last_renewal_time)":"[^"]*"/g, "")
        .replace(/"server_time_utc":\d+/g, "");
    assert.is(strip(proxied.text), strip(straight.text), `${c.method} ${c.path}: body`);
  }
  const outside = await fetch(`${ctx.auto.url}/not-the-api`);
  assert.is(outside.status, 404, "only /v1/ is forwarded");
});

t("a large body is streamed both ways (chunked upload, wrapped and unwrapped through the proxy)", async (ctx) => {
  const payload = { blob: "x".repeat(600_000) + "end" };
  const text = JSON.stringify(payload);
  // Sent in chunks without a content-length: the proxy must stream it, not wait for a length.
  const wrapped = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const u = new URL(`${ctx.auto.url}/v1/sys/wrapping/wrap`);
    const req = httpRequest({ hostname: u.hostname, port: u.port, path: u.pathname, method: "PUT", headers: { "content-type": "application/json", "x-vault-wrap-ttl": "60" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    for (let i = 0; i < text.length; i += 64 * 1024) req.write(text.slice(i, i + 64 * 1024));
    req.end();
  });
  assert.is(wrapped.status, 200, wrapped.body.slice(0, 300));
  const wrapToken = JSON.parse(wrapped.body).wrap_info.token as string;
  const unwrapped = await fetch(`${ctx.auto.url}/v1/sys/wrapping/unwrap`, { method: "PUT", headers: { "X-Vault-Token": wrapToken } });
  assert.is(unwrapped.status, 200);
  const data = ((await unwrapped.json()) as { data: { blob: string } }).data;
  assert.is(data.blob.length, payload.blob.length);
  assert.ok(data.blob.endsWith("end"));
});

t.run();

// Signals on a real `warden server -config=...` process (the compiled CLI, as operators run it):
// SIGHUP reloads the listener's TLS pair (new connections see the new certificate, a keep-alive
// connection opened before keeps working; a bad pair keeps the old one and says why) and log_level;
// SIGTERM lets a request in flight finish, then exits 0. Every wait is for a condition: a log line,
// a certificate fingerprint, an exit.
import { type ChildProcess, spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import * as assert from "uvu/assert";
import { suite } from "../../src/sdk/testing/suite.js";
import { CLI } from "../cli/harness.js";
import { freePort } from "../helpers/free-port.js";
import { selfSignedCert } from "../helpers/tls.js";
import { waitFor } from "../helpers/wait-for.js";

interface Ctx {
  dir: string;
  config: string;
  port: number;
  pairs: { a: Pair; b: Pair; c: Pair };
  live: Pair;
  server: ChildProcess;
  /** Every stderr line of the server, parsed (the logger writes JSON lines). */
  lines: Array<Record<string, unknown>>;
  stderr: string;
  rootToken: string;
  exit: Promise<number | null>;
}

interface Pair {
  cert: string;
  key: string;
}

const fingerprintOf = (certFile: string): string => new X509Certificate(readFileSync(certFile)).fingerprint256;

/** The certificate a new TLS connection is served (its SHA-256 fingerprint). */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.on("error", reject);
  });
}

interface Answer {
  status: number;
  body: any;
  /** The served certificate's fingerprint on the connection that answered, and whether it was reused. */
  fingerprint: string;
  reused: boolean;
}

function request(ctx: Ctx, method: string, path: string, opts: { agent?: https.Agent; token?: string; body?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = https.request(
      {
        host: "127.0.0.1",
        port: ctx.port,
        method,
        path: `/v1/${path}`,
        rejectUnauthorized: false,
        agent: opts.agent ?? false,
        headers: { ...(opts.token ? { "x-vault-token": opts.token } : {}), ...(body ? { "content-type": "application/json" } : {}) },
      },
      (res) => {
        // Read while the response is on its socket (a keep-alive socket is released at its end).
        const fingerprint = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, fingerprint, reused: req.reusedSocket }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const linesMatching = (ctx: Ctx, msg: string): Array<Record<string, unknown>> => ctx.lines.filter((l) => typeof l.msg === "string" && l.msg.includes(msg));

/** Waits until the server has logged `count` lines whose message contains `msg`. */
const waitLines = (ctx: Ctx, msg: string, count: number) =>
  waitFor(`${count} log line(s) "${msg}"`, 10_000, async () => linesMatching(ctx, msg).length >= count && linesMatching(ctx, msg));

function writeConfig(ctx: Ctx, logLevel: string): void {
  writeFileSync(
    ctx.config,
    `listener "tcp" {
  address = "127.0.0.1:${ctx.port}"
  tls_cert_file = "${ctx.live.cert}"
  tls_key_file = "${ctx.live.key}"
}
storage "sqlite" {
  path = "${join(ctx.dir, "data", "warden.db")}"
}
log_level = "${logLevel}"
`,
  );
}

function install(ctx: Ctx, cert: string, key: string): void {
  copyFileSync(cert, ctx.live.cert);
  copyFileSync(key, ctx.live.key);
}

const t = suite<Ctx>("signals: SIGHUP reloads TLS and log_level, SIGTERM drains");

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), "warden-signals-"));
  const pair = (name: string): Pair => {
    const d = join(ctx.dir, name);
    mkdirSync(d);
    return selfSignedCert(d);
  };
  ctx.pairs = { a: pair("a"), b: pair("b"), c: pair("c") };
  mkdirSync(join(ctx.dir, "live"));
  ctx.live = { cert: join(ctx.dir, "live", "cert.pem"), key: join(ctx.dir, "live", "key.pem") };
  install(ctx, ctx.pairs.a.cert, ctx.pairs.a.key);
  ctx.port = await freePort();
  ctx.config = join(ctx.dir, "warden.hcl");
  writeConfig(ctx, "info");
  ctx.lines = [];
  ctx.stderr = "";
  ctx.server = spawn(process.execPath, [CLI, "server", `-config=${ctx.config}`], { stdio: ["ignore", "ignore", "pipe"] });
  ctx.exit = new Promise((resolve) => ctx.server.once("exit", (code) => resolve(code)));
  let partial = "";
  ctx.server.stderr!.on("data", (d) => {
    ctx.stderr += d;
    partial += d;
    const parts = partial.split("\n");
    partial = parts.pop()!;
    for (const p of parts) if (p.startsWith("{")) ctx.lines.push(JSON.parse(p));
  });
  await waitFor("the TLS listener", 15_000, async () => (await request(ctx, "GET", "sys/seal-status")).status === 200);
  const init = await request(ctx, "PUT", "sys/init", { body: { secret_shares: 1, secret_threshold: 1 } });
  assert.is(init.status, 200);
  ctx.rootToken = init.body.root_token;
  assert.is((await request(ctx, "PUT", "sys/unseal", { body: { key: init.body.keys_base64[0] } })).status, 200);
});

t.after(async (ctx) => {
  if (ctx.server.exitCode === null && ctx.server.signalCode === null) {
    ctx.server.kill("SIGKILL");
    await ctx.exit;
  }
  rmSync(ctx.dir, { recursive: true, force: true });
});

t("SIGHUP after rotating the files: new connections get the new certificate; a keep-alive connection opened before still works", async (ctx) => {
  const a = fingerprintOf(ctx.pairs.a.cert);
  const b = fingerprintOf(ctx.pairs.b.cert);
  assert.is.not(a, b);
  assert.is(await servedFingerprint(ctx.port), a);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const before = await request(ctx, "GET", "auth/token/lookup-self", { agent, token: ctx.rootToken });
    assert.equal([before.status, before.fingerprint, before.reused], [200, a, false]);

    install(ctx, ctx.pairs.b.cert, ctx.pairs.b.key);
    ctx.server.kill("SIGHUP");
    await waitLines(ctx, "TLS certificate reloaded", 1);
    assert.is(await servedFingerprint(ctx.port), b, "a new connection sees the new certificate");

    const after = await request(ctx, "GET", "auth/token/lookup-self", { agent, token: ctx.rootToken });
    assert.is(after.status, 200);
    assert.ok(after.reused, "the same keep-alive connection answered");
    assert.is(after.fingerprint, a, "the connection opened before keeps its handshake");
  } finally {
    agent.destroy();
  }
});

t("a broken pair (mismatched key, then not a key): the current certificate stays, and a log line says why, naming the file and never its content", async (ctx) => {
  const b = fingerprintOf(ctx.pairs.b.cert);
  const failures = linesMatching(ctx, "TLS certificate reload failed").length;
  install(ctx, ctx.pairs.c.cert, ctx.pairs.a.key);
  ctx.server.kill("SIGHUP");
  const [mismatch] = (await waitLines(ctx, "TLS certificate reload failed", failures + 1)).slice(failures);
  assert.is(mismatch!.level, "error");
  assert.match(String(mismatch!.error), `tls_key_file ${ctx.live.key} does not match`);
  assert.is(await servedFingerprint(ctx.port), b, "still the last good certificate");

  writeFileSync(ctx.live.key, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n");
  ctx.server.kill("SIGHUP");
  const [garbage] = (await waitLines(ctx, "TLS certificate reload failed", failures + 2)).slice(failures + 1);
  assert.match(String(garbage!.error), `tls_key_file ${ctx.live.key}: not a PEM private key`);
  assert.is(await servedFingerprint(ctx.port), b);
  assert.is((await request(ctx, "GET", "auth/token/lookup-self", { token: ctx.rootToken })).status, 200, "still serving");

  // No key material in any line: the body of every key file the server read.
  for (const keyFile of [ctx.pairs.a.key, ctx.pairs.b.key, ctx.pairs.c.key]) {
    const body = readFileSync(keyFile, "utf8").split("\n").filter((l) => l && !l.startsWith("-----"));
    for (const l of body) assert.not.ok(ctx.stderr.includes(l), "a key line leaked into the log");
  }
  assert.not.ok(ctx.stderr.includes("bm90IGEga2V5IGF0IGFsbA"), "the bad key file's content leaked");
  install(ctx, ctx.pairs.b.cert, ctx.pairs.b.key);

  // A config file that no longer parses changes nothing, and says so.
  const good = readFileSync(ctx.config, "utf8");
  writeFileSync(ctx.config, `${good}log_level = "loud"\n`);
  ctx.server.kill("SIGHUP");
  const [unusable] = await waitLines(ctx, "the config file cannot be used", 1);
  assert.match(String(unusable!.error), /log_level/);
  writeFileSync(ctx.config, good);
  assert.is((await request(ctx, "GET", "auth/token/lookup-self", { token: ctx.rootToken })).status, 200, "still serving");
});

t("log_level: a debug line appears after the SIGHUP that sets debug, not before; request lines carry a request id", async (ctx) => {
  const reloads = linesMatching(ctx, "TLS certificate reloaded").length;
  ctx.server.kill("SIGHUP");
  await waitLines(ctx, "TLS certificate reloaded", reloads + 1);
  assert.is((await request(ctx, "GET", "auth/token/lookup-self", { token: ctx.rootToken })).status, 200);
  assert.equal(ctx.lines.filter((l) => l.level === "debug"), [], "no debug line at info");

  writeConfig(ctx, "debug");
  ctx.server.kill("SIGHUP");
  const [changed] = await waitLines(ctx, "log level changed", 1);
  assert.equal([changed!.from, changed!.to], ["info", "debug"]);
  await waitLines(ctx, "reload done", 1);
  assert.is((await request(ctx, "GET", "auth/token/lookup-self", { token: ctx.rootToken })).status, 200);
  const [line] = await waitFor("a debug request line", 10_000, async () => {
    const found = ctx.lines.filter((l) => l.level === "debug" && l.msg === "request" && l.route === "auth/token/lookup-self");
    return found.length > 0 && found;
  });
  assert.match(String(line!.request_id), /^[0-9a-f-]{36}$/);
  assert.not.ok(ctx.stderr.includes(ctx.rootToken), "the root token is not in the log");

  writeConfig(ctx, "info");
  ctx.server.kill("SIGHUP");
  await waitLines(ctx, "log level changed", 2);
  const debugLines = ctx.lines.filter((l) => l.level === "debug").length;
  assert.is((await request(ctx, "GET", "auth/token/lookup-self", { token: ctx.rootToken })).status, 200);
  await waitFor("lookup-self answered twice more", 10_000, async () => (await request(ctx, "GET", "auth/token/lookup-self", { token: ctx.rootToken })).status === 200);
  assert.is(ctx.lines.filter((l) => l.level === "debug").length, debugLines, "back at info: no more debug lines");
});

t("SIGTERM during a request in flight: the request is answered, then the process exits 0", async (ctx) => {
  const body = JSON.stringify({ paths: ["sys/mounts", "auth/token/lookup-self"] });
  // Expect: 100-continue makes the server's receipt of the request observable: Node answers
  // "100 Continue" once it has parsed the headers, so the request is in flight from then on.
  let parsed!: () => void;
  const inFlight = new Promise<void>((r) => (parsed = r));
  const req = https.request(
    {
      host: "127.0.0.1",
      port: ctx.port,
      method: "POST",
      path: "/v1/sys/capabilities-self",
      rejectUnauthorized: false,
      agent: false,
      headers: { "x-vault-token": ctx.rootToken, "content-type": "application/json", "content-length": String(body.length), expect: "100-continue" },
    },
  );
  const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req.on("response", (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on("error", reject);
  });
  req.on("continue", () => parsed());
  req.flushHeaders();
  await inFlight;
  ctx.server.kill("SIGTERM");
  await waitLines(ctx, "shutting down", 1);
  assert.ok(await servedFingerprint(ctx.port).then(() => false, () => true), "no new connection once draining");
  // The body only now: the handler runs after the drain began.
  req.end(body);
  const r = await answer;
  assert.is(r.status, 200);
  assert.equal(r.body.data["sys/mounts"], ["root"]);
  assert.is(await ctx.exit, 0, "exit code");
});

t.run();

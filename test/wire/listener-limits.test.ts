// Slow and hoarding clients cannot take a listener down: a client that never finishes its headers or
// its body (or its TLS handshake) is cut after the listener's timeouts while everyone else is served,
// and past max_connections new connections are refused until the hoarders are gone.
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { type Socket, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { ListenerConfig } from "../../src/config/server-config.js";
import { waitFor } from "../cluster/cluster.js";
import { rawRequest } from "../helpers/raw-http.js";
import { type TestServer, startTestServer } from "../helpers/server.js";
import { selfSignedCert } from "../helpers/tls.js";

type Kind = "silent" | "trickle-headers" | "trickle-body";

/** A raw client that connects and then misbehaves; it never closes its socket itself. */
interface SlowClient {
  kind: Kind;
  closed: boolean;
  received: string;
  socket: Socket;
}

function slowClient(port: number, kind: Kind): Promise<SlowClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const c: SlowClient = { kind, closed: false, received: "", socket };
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (c.received += d));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      c.closed = true;
      clearInterval(timer);
    });
    socket.once("connect", () => {
      if (kind === "trickle-headers") {
        socket.write("GET /v1/sys/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
        timer = setInterval(() => socket.write("a"), 200);
      } else if (kind === "trickle-body") {
        socket.write("PUT /v1/sys/policies/acl/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{");
        timer = setInterval(() => socket.write(" "), 200);
      }
      resolve(c);
    });
    socket.once("error", reject);
  });
}

const limits = (l: Partial<ListenerConfig>) => (c: { listeners: ListenerConfig[] }) => Object.assign(c.listeners[0]!, l);
const portOf = (s: TestServer) => Number(new URL(s.url).port);
const health = async (s: TestServer) => (await rawRequest(s, "GET", "/v1/sys/health")).status;
const connections = (s: TestServer) =>
  new Promise<number>((resolve, reject) => (s.server.listeners[0]!.server as Server).getConnections((e, n) => (e ? reject(e) : resolve(n))));

const t = suite("listener limits");

t("clients that trickle headers or a body, or send nothing, are cut while other clients are served", async () => {
  const s = await startTestServer({ configure: limits({ httpReadHeaderTimeout: 1, httpReadTimeout: 2, maxConnections: 50 }) });
  const slow: SlowClient[] = [];
  try {
    for (const kind of ["silent", "trickle-headers", "trickle-body"] as const) {
      for (let i = 0; i < 4; i++) slow.push(await slowClient(portOf(s), kind));
    }
    // Served meanwhile, one connection per request, several at once.
    const statuses = await Promise.all(Array.from({ length: 20 }, () => health(s)));
    assert.equal(statuses, Array(20).fill(200));
    await waitFor("the server to cut every slow client", 30_000, async () => slow.every((c) => c.closed) || undefined);
    for (const c of slow.filter((x) => x.kind !== "silent")) {
      assert.not.match(c.received, /^HTTP\/1\.1 2/, `${c.kind}: never answered as if complete`);
    }
    assert.is(await health(s), 200);
    await waitFor("no connection left open", 10_000, async () => (await connections(s)) === 0 || undefined);
  } finally {
    for (const c of slow) c.socket.destroy();
    await s.close();
  }
});

t("past max_connections a new connection is refused; once the hoarders are cut, clients are served again", async () => {
  const s = await startTestServer({ configure: limits({ httpReadHeaderTimeout: 3, httpReadTimeout: 5, maxConnections: 4 }) });
  const hoarders: SlowClient[] = [];
  try {
    for (let i = 0; i < 4; i++) hoarders.push(await slowClient(portOf(s), "silent"));
    await waitFor("the server to hold 4 connections", 10_000, async () => (await connections(s)) === 4 || undefined);
    const extra = await slowClient(portOf(s), "silent");
    await waitFor("the connection over the cap to be closed", 10_000, async () => extra.closed || undefined);
    assert.is(extra.received, "");
    assert.ok(hoarders.some((c) => !c.closed), "refused while the cap was full (not because the hoarders were already cut)");
    await waitFor("the hoarders to be cut", 30_000, async () => hoarders.every((c) => c.closed) || undefined);
    assert.is(await health(s), 200);
  } finally {
    for (const c of hoarders) c.socket.destroy();
    await s.close();
  }
});

t("a TLS client that never completes its handshake is cut after the header timeout", async () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-tls-limits-"));
  const { cert, key } = selfSignedCert(dir);
  const s = await startTestServer({ configure: limits({ tlsDisable: false, tlsCertFile: cert, tlsKeyFile: key, httpReadHeaderTimeout: 1, httpReadTimeout: 2 }) });
  const silent: SlowClient[] = [];
  try {
    for (let i = 0; i < 3; i++) silent.push(await slowClient(portOf(s), "silent"));
    await waitFor("the server to cut the silent TLS clients", 30_000, async () => silent.every((c) => c.closed) || undefined);
  } finally {
    for (const c of silent) c.socket.destroy();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

t.run();

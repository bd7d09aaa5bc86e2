// The SDK's outbound client as a unit, against a real HTTP server on 127.0.0.1: what is sent, what
// comes back, and every refusal (allow-list, scheme, credentials, redirects, size, time, concurrency).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as assert from "uvu/assert";
import { createHttpClient, type HttpClient, isWardenError } from "../../src/sdk/index.js";
import { suite } from "../../src/sdk/testing/suite.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

interface Ctx {
  origin: string;
  /** Connections the server accepted so far. */
  connections: number;
  seen: Seen[];
  held: ServerResponse[];
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

const t = suite<Ctx>("sdk http client");

t.before(async (ctx) => {
  ctx.seen = [];
  ctx.held = [];
  ctx.inFlight = 0;
  ctx.maxInFlight = 0;
  ctx.connections = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      ctx.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === "/drop") {
        req.socket.destroy();
      } else if (req.url === "/redirect") {
        res.writeHead(302, { location: `${ctx.origin}/ok` }).end();
      } else if (req.url === "/big") {
        res.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(5000));
      } else if (req.url === "/hold" || req.url === "/never") {
        ctx.inFlight++;
        ctx.maxInFlight = Math.max(ctx.maxInFlight, ctx.inFlight);
        res.on("close", () => ctx.inFlight--);
        ctx.held.push(res);
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ echo: body }));
      }
    });
  });
  server.on("connection", () => ctx.connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  ctx.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx.close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r()));
  };
});
t.before.each((ctx) => {
  ctx.seen.length = 0;
});
t.after(async (ctx) => ctx.close());

/** The 503 every outbound failure is, with its cause (kept server-side, out of the message). */
async function cause(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isWardenError(e) && e.status === 503, String(e));
    assert.is((e as Error).message, "upstream identity service unavailable");
    return String((e as { cause?: unknown }).cause);
  }
  throw new Error("the request was not refused");
}

t("GET and POST: status, content type and body back; headers and body sent exactly as given", async ({ origin, seen }) => {
  const http = createHttpClient();
  const got = await http.request({ method: "GET", url: `${origin}/x?q=1`, headers: { "x-custom": "v", authorization: "Bearer abc" } });
  assert.is(got.status, 200);
  assert.is(got.contentType, "application/json");
  assert.equal(JSON.parse(got.body.toString()), { echo: "" });
  assert.is(seen[0]!.url, "/x?q=1");
  assert.is(seen[0]!.headers["x-custom"], "v");
  assert.is(seen[0]!.headers.authorization, "Bearer abc");
  assert.is(seen[0]!.headers["accept-encoding"], "identity", "no compressed bodies to inflate past the size cap");
  assert.is(seen[0]!.headers.host, new URL(origin).host);
  const posted = await http.request({ method: "POST", url: `${origin}/p`, headers: { "content-type": "text/plain" }, body: "a=b&c" });
  assert.equal(JSON.parse(posted.body.toString()), { echo: "a=b&c" });
  assert.is(seen[1]!.method, "POST");
});

t("a Host header given is the one sent (a replayed signed request); without one, the URL's", async ({ origin, seen }) => {
  const http = createHttpClient();
  await http.request({ method: "GET", url: `${origin}/ok`, headers: { host: "identity.example.test" } });
  assert.is(seen[0]!.headers.host, "identity.example.test");
  await http.request({ method: "GET", url: `${origin}/ok` });
  assert.is(seen[1]!.headers.host, new URL(origin).host);
});

t("calls to one origin reuse a kept-alive connection", async (ctx) => {
  const http = createHttpClient();
  // The pool may open a second connection for a call made in the very tick the first one's answer
  // arrived (its socket is not marked free yet); after that, the open ones carry everything.
  const first = ctx.connections;
  for (let i = 0; i < 2; i++) await http.request({ method: "GET", url: `${ctx.origin}/ok` });
  const before = ctx.connections;
  assert.ok(before - first <= 2, `${before - first} connections for two calls`);
  for (let i = 0; i < 20; i++) assert.is((await http.request({ method: "POST", url: `${ctx.origin}/ok`, body: `n=${i}` })).status, 200);
  assert.is(ctx.connections, before, "no new connection for the calls after the first");
});

t("a connection dropped before the answer is a network failure, never resent (a signed nonce is single-use)", async ({ origin, seen }) => {
  const http = createHttpClient();
  for (const method of ["GET", "POST"] as const) {
    seen.length = 0;
    assert.match(await cause(http.request({ method, url: `${origin}/drop`, body: method === "POST" ? "a=1" : undefined })), /^network: /);
    assert.is(seen.length, 1, `${method} sent once`);
  }
});

t("a redirect is a status, never followed", async ({ origin, seen }) => {
  const r = await createHttpClient().request({ method: "GET", url: `${origin}/redirect` });
  assert.is(r.status, 302);
  assert.equal(seen.map((s) => s.url), ["/redirect"]);
});

t("the allow-list sees the origin and refuses before connecting", async ({ origin, seen }) => {
  const asked: string[] = [];
  const http = createHttpClient({ allowOrigin: (o) => (asked.push(o), o !== origin) });
  assert.match(await cause(http.request({ method: "GET", url: `${origin}/secret` })), /origin refused by the mount's allow-list: http:\/\/127\.0\.0\.1:\d+/);
  assert.equal(asked, [origin]);
  assert.equal(seen, [], "nothing reached the server");
  const async = createHttpClient({ allowOrigin: async () => true });
  assert.is((await async.request({ method: "GET", url: `${origin}/ok` })).status, 200);
});

t("bad URLs: not a URL, another scheme, credentials", async ({ origin, seen }) => {
  const http = createHttpClient();
  assert.is(await cause(http.request({ method: "GET", url: "not a url" })), "invalid outbound URL");
  assert.is(await cause(http.request({ method: "GET", url: "file:///etc/passwd" })), "scheme refused");
  assert.is(await cause(http.request({ method: "GET", url: `${origin.replace("//", "//u:p@")}/ok` })), "credentials in URL refused");
  assert.equal(seen, []);
});

t("every URL is sent as the WHATWG parser reads it, whether or not its origin was seen before (no per-call parse for plain ones)", async ({ origin, seen }) => {
  const port = new URL(origin).port;
  const tails = [
    "/ok",
    "/?AccessKeyId=STS.a&Signature=9QgH%2B%2Fs%3D&Timestamp=2026-12-06T13%3A50%3A04Z&SignatureType=&x=a+b",
    "/a/b/",
    "/a/./b",
    "/a/../ok",
    "/%2e%2e/ok",
    "/.hidden",
    "/a//b",
    "/ok?",
    "/ok?q='x'",
    "/ok?q=\"x\"",
    "/ok?q=<x>",
    "/ok?q=`x`",
    "/ok?a b",
    "/ok#frag",
    "/ok?a=1#frag",
    "/a\\b",
    "/ü?ü=1",
    "/ok?q={x}",
  ];
  const origins = [origin, `http://localhost:${port}`, `http://LOCALHOST:${port}`, `http://127.1:${port}`, `http://0x7f.0.0.1:${port}`];
  for (const base of origins) {
    const asked: string[] = [];
    const http = createHttpClient({ allowOrigin: (o) => (asked.push(o), true) });
    // Twice each: the second call of an origin takes the remembered one.
    for (const tail of [...tails, ...tails]) {
      const url = `${base}${tail}`;
      const expected = new URL(url);
      seen.length = 0;
      const res = await http.request({ method: "GET", url });
      assert.is(res.status, 200, url);
      assert.is(seen.length, 1, url);
      assert.is(seen[0]!.url, `${expected.pathname}${expected.search}`, url);
      assert.is(asked.pop(), expected.origin, url);
    }
  }
  const http = createHttpClient();
  for (const url of [`${origin.replace("//", "//u:p@")}/ok`, `${origin.replace("//", "//u@")}/ok`]) {
    for (let i = 0; i < 2; i++) assert.is(await cause(http.request({ method: "GET", url })), "credentials in URL refused", url);
  }
});

t("a response over the size cap is refused (client default, or per request)", async ({ origin }) => {
  assert.is(await cause(createHttpClient({ maxResponseBytes: 1000 }).request({ method: "GET", url: `${origin}/big` })), "response too large");
  const http = createHttpClient();
  assert.is(await cause(http.request({ method: "GET", url: `${origin}/big`, maxResponseBytes: 4999 })), "response too large");
  assert.is((await http.request({ method: "GET", url: `${origin}/big`, maxResponseBytes: 5000 })).body.length, 5000);
});

t("a server that never answers ends in the timeout", async ({ origin, held }) => {
  assert.is(await cause(createHttpClient({ timeoutMs: 200 }).request({ method: "GET", url: `${origin}/never` })), "timeout");
  assert.is(await cause(createHttpClient().request({ method: "GET", url: `${origin}/never`, timeoutMs: 100 })), "timeout");
  for (const res of held.splice(0)) res.destroy();
});

t("nothing listening: a network failure", async () => {
  const port = await freePort();
  assert.is(await cause(createHttpClient().request({ method: "GET", url: `http://127.0.0.1:${port}/` })), "network: ECONNREFUSED");
});

t("maxConcurrent bounds the requests in flight; the others wait their turn", async (ctx) => {
  ctx.maxInFlight = 0;
  const http: HttpClient = createHttpClient({ maxConcurrent: 2 });
  const all = Promise.all(Array.from({ length: 5 }, () => http.request({ method: "GET", url: `${ctx.origin}/hold` })));
  for (let answered = 0; answered < 5; answered++) {
    await waitFor("a held request", 5_000, async () => ctx.held.length > 0);
    assert.ok(ctx.inFlight <= 2, `in flight: ${ctx.inFlight}`);
    ctx.held.shift()!.writeHead(200).end("done");
  }
  const results = await all;
  assert.equal(results.map((r) => r.body.toString()), ["done", "done", "done", "done", "done"]);
  assert.is(ctx.maxInFlight, 2);
});

t.run();

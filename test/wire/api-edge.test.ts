// The API edge (src/server/api-edge.ts) takes only the /v1/ requests that hono's catch-all route would
// serve with a URL and Host the adapter passes on verbatim, and it answers them as that route does:
// (1) which requests it takes, against a real hono app with the server's kinds of routes; (2) on a real
// server, a request the edge answers and the same request sent so that only hono can take it (a
// percent-escaped letter in the path, which hono decodes to the same path; an upper-case Host) get the
// same status, headers that matter and body.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Hono } from "hono";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { apiFront } from "../../src/server/api-edge.js";
import type { ApiAnswer } from "../../src/server/api-answer.js";
import { TEST_STORAGE, type TestServer, startTestServer } from "../helpers/server.js";
import { rawRequest, type RawResponse } from "../helpers/raw-http.js";

const routing = suite("API edge: which requests it takes");

function fakeApp(): Hono {
  const app = new Hono();
  app.on(["GET", "HEAD"], "/v1/sys/health", () => new Response("h"));
  app.get("/v1/sys/seal-status", () => new Response("s"));
  app.on(["PUT", "POST"], "/v1/sys/rekey/init", () => new Response("r"));
  app.get("/v1/sys/plugins/:name/x", () => new Response("p"));
  app.all("/v1/*", () => new Response("catch-all"));
  app.get("/ui/*", () => new Response("ui"));
  return app;
}

/** Who answered: "edge" (the API handler, with the path and URL it was given) or "app". */
function who(method: string, url: string, host = "127.0.0.1:8200"): Promise<{ by: string; path?: string; url?: string }> {
  return new Promise((resolve) => {
    const front = apiFront(fakeApp(), async (_incoming, path, full): Promise<ApiAnswer> => {
      resolve({ by: "edge", path, url: full });
      return { status: 200, body: "{}", headers: {} };
    });
    const listener = front(() => resolve({ by: "app" }));
    const req = { method, url, headers: { host } } as unknown as IncomingMessage;
    const res = { writeHead() {}, end() {}, destroy() {} } as unknown as ServerResponse;
    listener(req, res);
  });
}

routing("plain API requests go to the edge with hono's path and the whole URL", async () => {
  assert.equal(await who("POST", "/v1/auth/approle/login"), { by: "edge", path: "/v1/auth/approle/login", url: "http://127.0.0.1:8200/v1/auth/approle/login" });
  assert.equal(await who("GET", "/v1/sys/mounts?list=true&x=a+b"), { by: "edge", path: "/v1/sys/mounts", url: "http://127.0.0.1:8200/v1/sys/mounts?list=true&x=a+b" });
  assert.is((await who("DELETE", "/v1/auth/token/roles/x")).by, "edge");
  assert.is((await who("PUT", "/v1/")).by, "edge");
  assert.is((await who("GET", "/v1/sys/health/")).by, "edge", "hono's routes are strict: a trailing slash is the catch-all's");
});

routing("routes of their own, other methods, other URLs and odd URLs or hosts go to the app", async () => {
  for (const [method, url] of [
    ["GET", "/v1/sys/health"],
    ["POST", "/v1/sys/health"],
    ["GET", "/v1/sys/seal-status"],
    ["PUT", "/v1/sys/rekey/init"],
    ["GET", "/v1/sys/plugins/abc/x"],
    ["HEAD", "/v1/sys/mounts"],
    ["OPTIONS", "/v1/sys/mounts"],
    ["PATCH", "/v1/sys/mounts"],
    ["GET", "/ui/"],
    ["GET", "/v1"],
    ["GET", "/v1/sys/%6Dounts"],
    ["GET", "/v1/sys/../sys/mounts"],
    ["GET", "/v1/sys/./mounts"],
    ["GET", "/v1/sys/mounts#x"],
    ["GET", "/v1/sys/mo\u00e9unts"],
    ["GET", "/v1/sys/mo unts"],
  ] as const) {
    assert.is((await who(method, url)).by, "app", `${method} ${url}`);
  }
  assert.is((await who("GET", "/v1/sys/mounts", "LOCALHOST:8200")).by, "app", "a Host the adapter rewrites");
  assert.is((await who("GET", "/v1/sys/mounts", "127.0.0.1:80")).by, "app", "a port the adapter does not take as is");
});

routing("a GET of a route the app hands over is answered by that route's function, with the whole URL; other methods stay the app's", async () => {
  const asked: string[] = [];
  const front = apiFront(fakeApp(), async () => ({ status: 200, body: "{}", headers: {} }), new Map([["/v1/sys/health", async (method: string, url: string): Promise<ApiAnswer> => {
    asked.push(`${method} ${url}`);
    return { status: 200, body: "{}", headers: {} };
  }]]));
  const by = (method: string, url: string) =>
    new Promise<string>((resolve) => {
      const listener = front(() => resolve("app"));
      const req = { method, url, headers: { host: "127.0.0.1:8200" } } as unknown as IncomingMessage;
      const res = { writeHead() {}, end: () => resolve("edge"), destroy() {} } as unknown as ServerResponse;
      listener(req, res);
    });
  assert.is(await by("GET", "/v1/sys/health"), "edge");
  assert.is(await by("GET", "/v1/sys/health?standbyok=true&activecode=204"), "edge");
  assert.equal(asked, ["GET http://127.0.0.1:8200/v1/sys/health", "GET http://127.0.0.1:8200/v1/sys/health?standbyok=true&activecode=204"]);
  for (const [method, url] of [["HEAD", "/v1/sys/health"], ["POST", "/v1/sys/health"], ["GET", "/v1/sys/h%65alth"], ["GET", "/v1/sys/seal-status"]] as const) {
    assert.is(await by(method, url), "app", `${method} ${url}`);
  }
});

routing.run();

const same = suite<{ s: TestServer }>(`API edge: answers as hono's route does (${TEST_STORAGE})`);

same.before(async (ctx) => {
  ctx.s = await startTestServer();
  const r = await ctx.s.write("sys/auth/approle", { type: "approle" });
  assert.is(r.status, 204);
  assert.is((await ctx.s.write("auth/approle/role/edge", { role_id: "edge-role", token_policies: ["default"] })).status, 204);
});
same.after(async (ctx) => ctx.s?.close());

const comparable = (r: RawResponse) => {
  const body = r.text === "" ? "" : (JSON.parse(r.text) as Record<string, unknown>);
  if (typeof body === "object") {
    delete body.request_id;
    // sys/health's clock, in seconds: two answers may straddle one.
    delete body.server_time_utc;
    const auth = body.auth as Record<string, unknown> | null | undefined;
    // Each login mints its own token.
    if (auth) for (const k of ["client_token", "accessor", "entity_id"]) if (k in auth) auth[k] = typeof auth[k];
  }
  return { status: r.status, type: r.headers["content-type"], cache: r.headers["cache-control"], length: r.headers["content-length"] === undefined ? undefined : "set", body };
};

same("reads, lists, writes, errors and logins: the edge's answer is hono's", async (ctx) => {
  const s = ctx.s;
  const host = new URL(s.url).host;
  const token = { "x-vault-token": s.rootToken };
  const json = { "content-type": "application/json" };
  const secret = JSON.parse((await rawRequest(s, "POST", "/v1/auth/approle/role/edge/secret-id", { ...token, ...json }, "{}")).text).data.secret_id as string;
  const cases: Array<[string, string, string, Record<string, string>, string?]> = [
    ["GET", "/v1/sys/mounts", "/v1/sys/%6Dounts", token],
    ["GET", "/v1/sys/policy?list=true", "/v1/sys/%70olicy?list=true", token],
    ["GET", "/v1/auth/approle/role/edge/role-id", "/v1/auth/approle/role/edge/role-i%64", token],
    ["GET", "/v1/sys/mounts", "/v1/sys/%6Dounts", {}],
    ["GET", "/v1/no/such/mount", "/v1/no/such/%6Dount", token],
    ["PUT", "/v1/auth/approle/login", "/v1/auth/approle/logi%6E", json, JSON.stringify({ role_id: "edge-role", secret_id: secret })],
    ["PUT", "/v1/auth/approle/login", "/v1/auth/approle/logi%6E", json, JSON.stringify({ role_id: "edge-role", secret_id: "wrong" })],
    ["PUT", "/v1/auth/approle/login", "/v1/auth/approle/logi%6E", json, "{not json"],
    ["POST", "/v1/sys/mounts/", "/v1/sys/%6Dounts/", { ...token, ...json }, "{}"],
    ["DELETE", "/v1/auth/token/roles/nothing", "/v1/auth/token/roles/nothin%67", token],
    // sys/health: a GET the edge answers with the route's own function; the escaped path is hono's route.
    ["GET", "/v1/sys/health", "/v1/sys/h%65alth", {}],
    ["GET", "/v1/sys/health?activecode=204", "/v1/sys/h%65alth?activecode=204", {}],
    ["GET", "/v1/sys/health?activecode=abc", "/v1/sys/h%65alth?activecode=abc", {}],
  ];
  for (const [method, plain, escaped, headers, body] of cases) {
    const viaEdge = await rawRequest(s, method, plain, { ...headers, host }, body);
    const viaHono = await rawRequest(s, method, escaped, { ...headers, host }, body);
    assert.equal(comparable(viaEdge), comparable(viaHono), `${method} ${plain}`);
    if (plain.startsWith("/v1/sys/health")) assert.is(viaEdge.status, plain.endsWith("abc") ? 400 : plain.includes("204") ? 204 : 200, plain);
    // An upper-case Host is not the adapter's plain form either: hono answers that one too.
    const upper = `LOCALHOST:${new URL(s.url).port}`;
    const upperHost = await rawRequest(s, method, plain, { ...headers, host: upper }, body);
    assert.equal(comparable(upperHost), comparable(viaEdge), `${method} ${plain} (Host ${upper})`);
  }
});

same.run();

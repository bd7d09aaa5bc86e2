/**
 * The API edge: in front of the hono app, at node:http's request listener (like lookup-self-edge.ts).
 * A request under /v1/ that only hono's catch-all route would serve is run through that route's own
 * handler (app.ts ApiHandler) and its answer written straight to node:http, without the adapter's
 * Request and Response objects or hono's router and context: that was ~5 % of an AppRole login's CPU.
 *
 * A GET of a route the app hands over (`edgeRoutes`: sys/health) is answered here by that route's
 * own function too, so a health check never waits for hono's adapter, which listen.ts loads only for
 * the first request left to the app.
 *
 * Everything else goes to the app untouched: the paths hono serves with routes of their own (seal,
 * health but for a GET, snapshots, unauthenticated metrics: read off the app's route table, any method), and any
 * request whose URL or Host the adapter would rewrite or refuse (percent-escapes, dot segments,
 * characters outside its plain set, a Host it does not take as is). For the requests taken here, the
 * path and query are exactly what the adapter would have given hono, so both ways answer alike.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Hono } from "hono";
import { type ApiAnswer, type EdgeRoute, errorAnswer, writeAnswer } from "./api-answer.js";
import type { ApiHandler } from "./app.js";

// The adapter's own tests (@hono/node-server buildUrl): a URL and Host it passes on verbatim.
const PLAIN_URL = /^\/v1\/[!$&-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;

/** Paths under /v1/ that the app serves with routes of their own; a non-literal one makes a prefix. */
function ownRoutes(app: Hono<any>): { exact: Set<string>; prefixes: string[] } {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const r of app.routes) {
    if (r.path === "/v1/*" || !r.path.startsWith("/v1/")) continue;
    const dynamic = r.path.search(/[:*{(]/);
    if (dynamic === -1) exact.add(r.path);
    else prefixes.push(r.path.slice(0, dynamic));
  }
  return { exact, prefixes };
}

/** Writes the answer once it is there; a throw out of the handler is a bug, answered as the app's onError would. */
function reply(res: ServerResponse, pending: Promise<ApiAnswer>): void {
  pending.then(
    (answer) => writeAnswer(res, answer),
    (e: unknown) => writeAnswer(res, errorAnswer(e)),
  );
}

export function apiFront(app: Hono<any>, api: ApiHandler, edgeRoutes: ReadonlyMap<string, EdgeRoute> = new Map()): (next: RequestListener) => RequestListener {
  const own = ownRoutes(app);
  const servedByApp = (path: string): boolean => own.exact.has(path) || own.prefixes.some((p) => path.startsWith(p));
  return (next) => (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method;
    if (method !== "GET" && method !== "PUT" && method !== "POST" && method !== "DELETE") return next(req, res);
    const url = req.url ?? "";
    if (!url.startsWith("/v1/") || !PLAIN_URL.test(url) || DOT_SEGMENT.test(url) || url.includes("#")) return next(req, res);
    const host = req.headers.host;
    if (host === undefined || !PLAIN_HOST.test(host)) return next(req, res);
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const own = method === "GET" ? edgeRoutes.get(path) : undefined;
    // As the app's route would, from the same function.
    if (own) return reply(res, own(method, `http://${host}${url}`));
    if (servedByApp(path)) return next(req, res);
    // The handler answers its own failures.
    reply(res, api(req, path, `http://${host}${url}`));
  };
}

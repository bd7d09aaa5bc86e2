import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { getQueryParam, getQueryParams } from "hono/utils/url";
import type { Core } from "../core/core.js";
import type { LogicalRequest, LogicalResponse } from "../core/request-pipeline.js";
import type { Metrics } from "../core/metrics/metrics.js";
import { renderMetrics } from "../core/metrics/render.js";
import { type SealManager, restoringError, sealedError } from "../core/seal/manager.js";
import { responseBody } from "../core/framework/response-envelope.js";
import { parseWrapTtlHeader } from "../core/wrapping/wrap-ttl.js";
import { WardenError } from "../sdk/errors.js";
import { type ApiAnswer, type EdgeRoute, JSON_HEADERS, errorAnswer, jsonAnswer, toResponse } from "./api-answer.js";
import { type ForwardedForOptions, requestAddresses } from "./client-address.js";
import { requestToken } from "./request-token.js";
import { parseBody, parseListFlag, queryData, readBody } from "./request-body.js";
import { addSealRoutes } from "./seal-routes.js";
import { addSnapshotRoutes } from "./snapshot-routes.js";
import { addUiRoutes } from "./ui-routes.js";

export interface ListenerOptions {
  forwardedFor: ForwardedForOptions;
  maxRequestSize: number;
  /** What sys/leader advertises. */
  advertisedAddress: string;
  /** What sys/seal-status names (config cluster_name). */
  clusterName?: string;
  /** The listener's `telemetry { unauthenticated_metrics_access = true }`: sys/metrics without a token. */
  unauthenticatedMetricsAccess?: boolean;
  /** Serve the web console at /ui/ (config `ui = true`). */
  ui?: boolean;
  /** While the server sets itself up (RunningServer.holdHealth), what settles when it is done: sys/health waits for it. */
  settingUp?: () => Promise<unknown> | undefined;
}

type Env = { Bindings: HttpBindings };

/**
 * sys/* answers whose `data` keys Vault also copies to the top level (node-vault and hvac read them
 * there: `key_status["term"]`). Vault's list; the ones warden serves.
 */
const INJECTED = /^sys\/(auth|mounts|policy|audit|capabilities|key-status$|ha-status$)/;

/** One query parameter as hono's c.req.query(key) reads it (the same function). */
const queryParam = (url: string, key: string): string | undefined => getQueryParam(url, key) as string | undefined;

function json(status: number, body: unknown, extra?: Record<string, string>): Response {
  return toResponse(jsonAnswer(status, body, extra));
}

function errorResponse(e: unknown): Response {
  return toResponse(errorAnswer(e));
}

function envelope(res: LogicalResponse, path: string, requestId: string): ApiAnswer {
  if (res.status === 204) return { status: 204, body: null, headers: res.headers ? { ...JSON_HEADERS, ...res.headers } : JSON_HEADERS };
  if (res.errors) return jsonAnswer(res.status, { errors: res.errors }, res.headers);
  if (res.raw) return jsonAnswer(res.status, res.raw, res.headers);
  if (res.text) return { status: res.status, body: res.text.body, headers: { "content-type": res.text.contentType, "cache-control": "no-store" } };
  const body = responseBody(res, requestId);
  if (res.data && INJECTED.test(path)) {
    for (const [k, v] of Object.entries(res.data)) if (!(k in body)) body[k] = v;
  }
  return jsonAnswer(res.status, body, res.headers);
}

/**
 * A request under /v1/ that the pipeline answers: what hono's catch-all route and the API edge
 * (api-edge.ts) both run. `path` is the URL's path as hono gives it, "/v1/" included; `url` carries
 * the query string (read the way hono reads it).
 */
export type ApiHandler = (incoming: IncomingMessage, path: string, url: string) => Promise<ApiAnswer>;

/** The app, and what the edge in front of it answers itself: the API handler its catch-all route runs, and GETs of its own routes by path. */
export interface WardenApp {
  app: Hono<Env>;
  api: ApiHandler;
  /** sys/health: what load balancers and orchestrators poll, and the first thing asked of a starting server. */
  edgeRoutes: ReadonlyMap<string, EdgeRoute>;
}

export function createApp(seal: SealManager, listener: ListenerOptions, metrics?: Metrics): WardenApp {
  const app = new Hono<Env>();

  const addressOf = requestAddresses(listener.forwardedFor);
  const address = (incoming: IncomingMessage): string | undefined => {
    const xff = incoming.headers["x-forwarded-for"];
    return addressOf(incoming.socket, xff === undefined ? undefined : [xff].flat());
  };

  // Sealed: nothing behind the barrier is reachable, and nothing is read to say so.
  const liveCore = (): Core => {
    const core = seal.core;
    if (!core) throw seal.restoring ? restoringError() : sealedError();
    return core;
  };

  /** The pipeline's request: the token, client address and host are read alike for every route that authorises through it. */
  const logicalRequest = (incoming: IncomingMessage, id: string, operation: LogicalRequest["operation"], path: string, data: Record<string, unknown>, method: string): LogicalRequest => {
    return { id, operation, path, data, token: requestToken(incoming.rawHeaders), clientAddress: address(incoming), remotePort: incoming.socket.remotePort, requestHost: incoming.headers.host ?? "", method };
  };

  const { health } = addSealRoutes(app, seal, { maxRequestSize: listener.maxRequestSize, advertisedAddress: listener.advertisedAddress, clusterName: listener.clusterName ?? "warden", json, errorResponse, settingUp: listener.settingUp });

  // Vault's unauthenticated_metrics_access: this listener serves sys/metrics to anyone, sealed or not,
  // without the request pipeline (no token, so nothing to authorise or audit).
  if (listener.unauthenticatedMetricsAccess && metrics) {
    app.get("/v1/sys/metrics", async (c) => {
      try {
        const doc = await renderMetrics(metrics, c.req.query("format"));
        return new Response(doc.body, { status: 200, headers: { "content-type": doc.contentType, "cache-control": "no-store" } });
      } catch (e) {
        return errorResponse(e);
      }
    });
  }

  addSnapshotRoutes(app, seal, {
    errorResponse,
    async authorise(c, operation) {
      const core = liveCore();
      const requestId = randomUUID();
      const path = "sys/storage/snapshot";
      const response = await core.pipeline.handle(logicalRequest(c.env.incoming, requestId, operation, path, Object.create(null), c.req.method));
      return response.status === 200 || response.status === 204 ? undefined : toResponse(envelope(response, path, requestId));
    },
  });

  const api: ApiHandler = async (incoming, fullPath, url) => {
    const requestId = randomUUID();
    try {
      const core = liveCore();
      const method = incoming.method ?? "";
      let operation: LogicalRequest["operation"];
      let data: Record<string, unknown>;
      let help = false;
      let rate: LogicalRequest["rate"];
      let path = fullPath.slice(4);
      if (method === "GET" || method === "DELETE") {
        // Most reads carry no query string: skip URL parsing for them.
        const hasQuery = (incoming.url ?? "").includes("?");
        const list = hasQuery && method === "GET" && parseListFlag(queryParam(url, "list"));
        operation = list ? "list" : method === "GET" ? "read" : "delete";
        if (list && !path.endsWith("/")) path += "/";
        help = hasQuery && method === "GET" && (queryParam(url, "help") ?? "") !== "";
        data = hasQuery ? queryData(getQueryParams(url) as Record<string, string[]>) : Object.create(null);
      } else if (method === "PUT" || method === "POST") {
        operation = "write";
        if (path.endsWith("/")) throw new WardenError(400, "cannot write to a path ending in '/'");
        // The rate limit before the body is read: a client over it is refused (and audited as any
        // refusal) without its body being read or parsed, whatever its size.
        const before = core.pipeline.rateBeforeBody(path, address(incoming));
        rate = before instanceof Promise ? await before : before;
        if (rate instanceof WardenError) {
          data = Object.create(null);
        } else {
          const text = await readBody(incoming, incoming.headers["content-length"], listener.maxRequestSize);
          data = parseBody(text, incoming.headers["content-type"]);
        }
      } else {
        return jsonAnswer(405, { errors: [] });
      }
      const request = logicalRequest(incoming, requestId, operation, path, data, operation === "list" ? "LIST" : method);
      request.wrapTtl = parseWrapTtlHeader(incoming.headers["x-vault-wrap-ttl"], core.tokens.systemLimits.maxTtl);
      if (help) request.help = help;
      if (rate) request.rate = rate;
      const response = await core.pipeline.handle(request);
      // sys/seal was authorised (sudo) and answered; sealing stops the core that answered it, so it happens here.
      if (path === "sys/seal" && response.status === 204) await seal.seal();
      return envelope(response, path, requestId);
    } catch (e) {
      return errorAnswer(e);
    }
  };

  app.all("/v1/*", async (c) => toResponse(await api(c.env.incoming, c.req.path, c.req.url)));

  // After /v1/*: the console's routes are never tried for an API request.
  if (listener.ui) addUiRoutes(app);

  app.all("*", () => json(404, { errors: [] }));
  app.onError((e) => errorResponse(e));
  return { app, api, edgeRoutes: new Map([["/v1/sys/health", health]]) };
}

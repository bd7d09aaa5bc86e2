/**
 * The API proxy (Vault Agent's api_proxy + listener): every /v1/* request on the listener is
 * forwarded to vault.address as it comes, body streamed both ways, status and headers unchanged
 * (only hop-by-hop headers are the connection's own). With use_auto_auth_token = true a request
 * without a token is given the agent's current one; with "force" every request is.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream";
import type { Logger } from "../sdk/plugin.js";
import type { AgentListenerConfig } from "./config.js";
import type { Upstream } from "./upstream.js";

export interface ApiProxyOptions {
  listeners: AgentListenerConfig[];
  upstream: Upstream;
  useAutoAuthToken: boolean | "force";
  currentToken(): string | undefined;
  log: Logger;
}

export interface ApiProxy {
  /** "http://127.0.0.1:8100" per listener, with the bound port. */
  urls: string[];
  close(): Promise<void>;
}

/** RFC 9110 §7.6.1: headers about this connection, not the message; never forwarded. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host"]);

function endToEnd(headers: IncomingMessage["headers"]): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ""),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && !named.has(k)) out[k] = v;
  return out;
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [message] });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export async function startApiProxy(opts: ApiProxyOptions): Promise<ApiProxy> {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? "/";
    if (!target.startsWith("/v1/")) {
      sendError(res, 404, "the warden agent forwards /v1/ paths only");
      return;
    }
    const headers = endToEnd(req.headers);
    const hasToken = typeof headers["x-vault-token"] === "string" && headers["x-vault-token"] !== "";
    if (opts.useAutoAuthToken === "force" || (opts.useAutoAuthToken === true && !hasToken)) {
      const token = opts.currentToken();
      if (token !== undefined) {
        headers["x-vault-token"] = token;
        if (opts.useAutoAuthToken === "force") delete headers.authorization;
      } else if (opts.useAutoAuthToken === "force") {
        sendError(res, 503, "the warden agent has no token yet (auto-auth has not logged in)");
        return;
      }
    }
    const upstreamReq = opts.upstream.open(req.method ?? "GET", target, headers, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, endToEnd(upstreamRes.headers));
      pipeline(upstreamRes, res, () => undefined);
    });
    upstreamReq.on("error", (e: NodeJS.ErrnoException) => {
      opts.log.warn("proxied request failed", { method: req.method, path: target.split("?")[0], error: e.code ?? e.message });
      sendError(res, 502, `the warden agent could not reach ${opts.upstream.base.origin}: ${e.code ?? e.message}`);
    });
    // A client that goes away takes its upstream request with it.
    res.on("close", () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    pipeline(req, upstreamReq, () => undefined);
  };

  const servers: Server[] = [];
  const urls: string[] = [];
  try {
    for (const l of opts.listeners) {
      const server = l.tlsDisable ? createServer(handle) : createHttpsServer({ cert: readFileSync(l.tlsCertFile!), key: readFileSync(l.tlsKeyFile!) }, handle);
      const m = /^(?:\[(.+)\]|(.*)):(\d+)$/.exec(l.address)!;
      const host = m[1] ?? m[2] ?? "";
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(Number(m[3]), host === "" ? undefined : host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      servers.push(server);
      const port = (server.address() as AddressInfo).port;
      urls.push(`${l.tlsDisable ? "http" : "https"}://${host.includes(":") ? `[${host}]` : host || "0.0.0.0"}:${port}`);
    }
  } catch (e) {
    for (const s of servers) s.close();
    throw e;
  }
  return {
    urls,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

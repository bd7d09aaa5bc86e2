import { readFileSync } from "node:fs";
import http, { type RequestListener, type Server } from "node:http";
import type { Server as TlsServer } from "node:tls";
import { loadKeyPair } from "./tls-pair.js";
import type { AddressInfo } from "node:net";
import type { Hono } from "hono";
import { errorAnswer, writeAnswer } from "./api-answer.js";

export interface ListenSpec {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string; minVersion?: "TLSv1.2" | "TLSv1.3" };
  limits: ListenerLimits;
  /** Put in front of the app's request listener (the lookup-self fast path, lookup-self-edge.ts). */
  front?: (app: RequestListener) => RequestListener;
}

/** What bounds a slow or hoarding client (the listener's max_connections and http_*_timeout keys). */
export interface ListenerLimits {
  maxConnections: number;
  /** Seconds to send a request's headers (from the connection, or the request's first byte). */
  headersTimeout: number;
  /** Seconds to send a whole request, body included. */
  requestTimeout: number;
  /** Seconds an idle keep-alive connection is kept. */
  idleTimeout: number;
}

export interface RunningListener {
  server: Server;
  address: AddressInfo;
  /**
   * Stops accepting connections. With `drainMs`, requests in flight are answered first (idle
   * keep-alive connections are closed as they become idle); whatever is still open after `drainMs`
   * is cut. Without, every connection is cut at once (tests, a failed boot).
   */
  close(drainMs?: number): Promise<void>;
  /**
   * TLS listeners: reads the pair again and serves it to new connections; connections already open
   * keep theirs. Throws (naming the file at fault, never showing key material) and changes nothing
   * when the pair is unreadable, malformed or mismatched.
   */
  reloadTls?(certFile: string, keyFile: string): void;
}

/** Splits "host:port" (and "[::1]:port"); a bad address is a boot error, not a guess. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address.trim());
  if (!m) throw new Error(`invalid listen address "${address}" (expected host:port)`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid port in listen address "${address}"`);
  return { host: (m[1] ?? m[2])!, port };
}

/**
 * Node's own timeout options that make the limits real. headersTimeout and requestTimeout are only
 * enforced by a sweep every connectionsCheckingInterval (30 s by default, which would let a slow
 * client hold its socket that much longer), so the sweep runs often enough to cut a client within a
 * quarter of its limit. A TLS client that never finishes its handshake never reaches the HTTP parser:
 * the handshake gets the header timeout too.
 */
function serverTimeouts(limits: ListenerLimits, tls: boolean): Record<string, number> {
  const headersMs = limits.headersTimeout * 1000;
  const requestMs = limits.requestTimeout * 1000;
  const options: Record<string, number> = {
    headersTimeout: headersMs,
    requestTimeout: requestMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersMs / 4))),
  };
  if (tls) options.handshakeTimeout = headersMs;
  return options;
}

/**
 * Starts one listener with the limits of its config block (connection cap, header/request/idle
 * timeouts) and TLS 1.2+ when certificates are configured. Past max_connections, Node closes a new
 * connection as it is accepted, so the clients already connected keep their service.
 */
export async function listen(app: Hono<any>, spec: ListenSpec): Promise<RunningListener> {
  // node:https (and node:tls with it) only for a TLS listener: a few ms of every plain start.
  const https = spec.tls ? (await import("node:https")).default : undefined;
  return new Promise((resolve, reject) => {
    const timeouts = serverTimeouts(spec.limits, spec.tls !== undefined);
    const minVersion = spec.tls?.minVersion ?? "TLSv1.2";
    const front = spec.front;
    const wrap = (listener: RequestListener): RequestListener => (front ? front(listener) : listener);
    const listener = wrap(adapterOnFirstUse(app, spec.host));
    const server: Server = spec.tls && https
      ? (https.createServer({ ...timeouts, cert: readFileSync(spec.tls.certFile), key: readFileSync(spec.tls.keyFile), minVersion }, listener) as unknown as Server)
      : http.createServer(timeouts, listener);
    server.listen(spec.port, spec.host, () => {
      const running: RunningListener = { server, address: server.address() as AddressInfo, close: (drainMs) => closeServer(server, drainMs) };
      if (spec.tls) {
        running.reloadTls = (certFile, keyFile) => {
          const pair = loadKeyPair(certFile, keyFile);
          // Only new handshakes use the new context: open connections are not touched.
          (server as unknown as TlsServer).setSecureContext({ ...pair, minVersion });
        };
      }
      resolve(running);
    });
    server.maxConnections = spec.limits.maxConnections;
    server.keepAliveTimeout = spec.limits.idleTimeout * 1000;
    server.maxHeadersCount = 100;
    server.once("error", reject);
  });
}

/**
 * hono's node:http adapter for the requests the fronts leave to the app, loaded when the first such
 * request comes. Loading it makes node compile its own fetch classes (the adapter's module reads the
 * global Request and Response): ~30 ms of every start-up, spent before the first health answer though
 * the fronts serve every API request and health checks without it. Until it is loaded, a request
 * waits unread (node:http does not read a body nobody listens to).
 */
function adapterOnFirstUse(app: Hono<any>, hostname: string): RequestListener {
  let adapter: RequestListener | undefined;
  let loading: Promise<RequestListener> | undefined;
  return (req, res) => {
    if (adapter) return adapter(req, res);
    loading ??= import("@hono/node-server").then((m) => (adapter = m.getRequestListener(app.fetch, { hostname }) as RequestListener));
    loading.then(
      (listener) => listener(req, res),
      // The adapter cannot load (a broken install): nothing but a 500 can be answered.
      (e: unknown) => writeAnswer(res, errorAnswer(e)),
    );
  };
}

/** How often a draining server closes the keep-alive connections that went idle since. */
const DRAIN_SWEEP_MS = 50;

function closeServer(server: Server, drainMs = 0): Promise<void> {
  return new Promise<void>((done) => {
    let sweep: NodeJS.Timeout | undefined;
    let cut: NodeJS.Timeout | undefined;
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      done();
    });
    if (drainMs <= 0) {
      server.closeAllConnections();
      return;
    }
    // close() ends the idle connections of this moment; one answering a request goes idle after it.
    server.closeIdleConnections();
    sweep = setInterval(() => server.closeIdleConnections(), DRAIN_SWEEP_MS);
    cut = setTimeout(() => server.closeAllConnections(), drainMs);
  });
}

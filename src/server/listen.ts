import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface ListenSpec {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string; minVersion?: "TLSv1.2" | "TLSv1.3" };
}

export interface RunningListener {
  server: Server;
  address: AddressInfo;
  close(): Promise<void>;
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
 * Starts one listener with tight timeouts (slow clients cannot hold sockets forever) and TLS 1.2+
 * when certificates are configured.
 */
export function listen(app: Hono<any>, spec: ListenSpec): Promise<RunningListener> {
  return new Promise((resolve, reject) => {
    const options = spec.tls
      ? {
          createServer: https.createServer,
          serverOptions: {
            cert: readFileSync(spec.tls.certFile),
            key: readFileSync(spec.tls.keyFile),
            minVersion: spec.tls.minVersion ?? "TLSv1.2",
          },
        }
      : {};
    const server = serve({ fetch: app.fetch, hostname: spec.host, port: spec.port, ...options }, (info) => {
      resolve({
        server,
        address: info,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    }) as Server;
    server.headersTimeout = 10_000;
    server.requestTimeout = 90_000;
    server.keepAliveTimeout = 65_000;
    server.maxHeadersCount = 100;
    server.once("error", reject);
  });
}

import http from "node:http";
import https from "node:https";
import { WardenError } from "./errors.js";

export interface OutboundRequest {
  method: "GET" | "POST";
  url: string;
  /** Sent exactly as given; nothing from the client is added. */
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

export interface OutboundResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface HttpClient {
  request(req: OutboundRequest): Promise<OutboundResponse>;
}

export interface HttpClientOptions {
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** At most this many requests in flight; the rest wait (bounded amplification). */
  maxConcurrent?: number;
  /** Called with the origin ("https://host:port") before connecting; return false to refuse. */
  allowOrigin?: (origin: string) => boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 64 * 1024;

/** Thrown for every outbound failure; the cause stays server-side. */
const unavailable = (cause: string): WardenError => {
  const e = new WardenError(503, "upstream identity service unavailable");
  (e as { cause?: unknown }).cause = cause;
  return e;
};

/**
 * The outbound HTTP client plugins get: node:http(s) so the Host header is ours, keep-alive, a hard
 * timeout over the whole exchange, a response size cap, no redirects (a 3xx is just a status), and
 * a concurrency cap.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: 256 }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: 256 }),
  };
  const maxConcurrent = options.maxConcurrent ?? 256;
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  const acquire = async (): Promise<void> => {
    if (inFlight < maxConcurrent) {
      inFlight++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };

  const send = (req: OutboundRequest): Promise<OutboundResponse> => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return Promise.reject(unavailable("invalid outbound URL"));
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return Promise.reject(unavailable("scheme refused"));
    if (url.username || url.password) return Promise.reject(unavailable("credentials in URL refused"));
    if (options.allowOrigin && !options.allowOrigin(url.origin)) return Promise.reject(unavailable("origin refused"));
    const timeoutMs = req.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = req.maxResponseBytes ?? options.maxResponseBytes ?? DEFAULT_MAX_BYTES;
    const lib = url.protocol === "https:" ? https : http;
    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      const finish = (err: WardenError | undefined, res?: OutboundResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(res!);
      };
      const outgoing = lib.request(
        url,
        {
          method: req.method,
          headers: { "accept-encoding": "identity", ...req.headers },
          agent: agents[url.protocol as "http:" | "https:"],
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              res.destroy();
              outgoing.destroy();
              finish(unavailable("response too large"));
              return;
            }
            chunks.push(chunk);
          });
          res.on("end", () =>
            finish(undefined, {
              status: res.statusCode ?? 0,
              contentType: String(res.headers["content-type"] ?? ""),
              body: Buffer.concat(chunks),
            }),
          );
          res.on("error", () => finish(unavailable("response error")));
        },
      );
      const timer = setTimeout(() => {
        outgoing.destroy();
        finish(unavailable("timeout"));
      }, timeoutMs);
      outgoing.on("error", (e) => finish(unavailable(`network: ${(e as NodeJS.ErrnoException).code ?? "error"}`)));
      outgoing.end(req.body);
    });
  };

  return {
    async request(req) {
      await acquire();
      try {
        return await send(req);
      } finally {
        release();
      }
    },
  };
}

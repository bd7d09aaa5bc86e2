/**
 * The agent's one way to reach warden: node:http(s) with keep-alive and the configured CA, used by
 * auto-auth (login, renew-self) and streamed through by the API proxy. Not the CLI's fetch client:
 * fetch cannot take a CA file (vault { ca_cert }) without a dependency, and the proxy must stream
 * request and response bodies as they come.
 */
import { readFileSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

export interface UpstreamOptions {
  address: string;
  caCert?: string;
}

/** A request that never got an HTTP answer (connection refused, reset, timeout). */
export class UpstreamUnreachable extends Error {}

export interface JsonAnswer {
  status: number;
  body: unknown;
}

const API_TIMEOUT_MS = 30_000;

function readCa(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`vault: ca_cert ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export class Upstream {
  readonly base: URL;
  private readonly agent: HttpAgent;
  private readonly secure: boolean;

  constructor(opts: UpstreamOptions) {
    this.base = new URL(opts.address);
    this.secure = this.base.protocol === "https:";
    this.agent = this.secure ? new HttpsAgent({ keepAlive: true, ...(opts.caCert ? { ca: readCa(opts.caCert) } : {}) }) : new HttpAgent({ keepAlive: true });
  }

  /** Starts a request to `pathAndQuery` ("/v1/..."); the caller writes the body and reads the answer. */
  open(method: string, pathAndQuery: string, headers: OutgoingHttpHeaders, onResponse: (res: IncomingMessage) => void) {
    const basePath = this.base.pathname.replace(/\/+$/, "");
    const opts = {
      protocol: this.base.protocol,
      hostname: this.base.hostname.replace(/^\[|\]$/g, ""),
      port: this.base.port || (this.secure ? 443 : 80),
      method,
      path: basePath + pathAndQuery,
      headers: { ...headers, host: this.base.host },
      agent: this.agent,
    };
    return (this.secure ? httpsRequest : httpRequest)(opts, onResponse);
  }

  /** A JSON API call (`path` without /v1/). Resolves with any HTTP answer; rejects only when none came. */
  json(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<JsonAnswer> {
    return new Promise((resolve, reject) => {
      const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const headers: OutgoingHttpHeaders = { "x-vault-request": "true", accept: "application/json" };
      if (opts.token) headers["x-vault-token"] = opts.token;
      if (payload !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(payload);
      }
      const req = this.open(method, `/v1/${path}`, headers, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (e) => reject(new UpstreamUnreachable(`${method} ${path}: ${e.message}`)));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = null;
          try {
            body = text.trim() === "" ? null : JSON.parse(text);
          } catch {
            body = null;
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.setTimeout(API_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${API_TIMEOUT_MS / 1000}s`)));
      req.on("error", (e: NodeJS.ErrnoException) => reject(new UpstreamUnreachable(`${method} ${path}: ${e.code ?? e.message}`)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The server's error strings of an answer (`{"errors": [...]}`), for logs: they never carry the token. */
export function errorsOf(answer: JsonAnswer): string {
  const errors = (answer.body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 ? errors.map(String).join("; ") : `HTTP ${answer.status}`;
}

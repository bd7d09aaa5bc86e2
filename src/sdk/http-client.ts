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
  /**
   * PEM CA certificate(s) to trust for this https request instead of the system store (a private
   * cluster's API server). Certificates are still verified; there is no way to turn that off.
   */
  ca?: string;
  /**
   * Which upstream service this call is ("sts", "oci", "jwks", "oidc_discovery", ...): the server's
   * upstream metrics are labelled with it. A short lower-case word; unnamed calls count as "other".
   */
  service?: string;
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
  /** Called with the origin ("https://host:port") before connecting; false refuses (per-mount allow-list). */
  allowOrigin?: (origin: string) => boolean | Promise<boolean>;
  /**
   * Told of every call that was sent: its service, "success" (an answer below 500) or "failure" (a 5xx,
   * timeout, network error or oversized answer), and its duration in seconds. Calls refused before
   * sending (allow-list, bad URL) are not upstream calls and are not reported.
   */
  observe?: (service: string | undefined, outcome: "success" | "failure", seconds: number) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 64 * 1024;
/** Agents kept for distinct private CAs; a mount has one or two, so this only bounds misuse. */
const MAX_CA_AGENTS = 32;

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
 *
 * One keep-alive pool per client (per scheme, and per private CA) with at most `maxConcurrent`
 * sockets per origin: once warm, a call costs no connect, TLS handshake or DNS lookup.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  // The hot path runs once per cloud login, so it is kept lean: one WHATWG parse of the URL (what the
  // allow-list is asked about is what is connected to), plain request options (no URL object for
  // node:http to convert again), and no promise hop when a concurrency slot is free.
  const maxConcurrent = options.maxConcurrent ?? 256;
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: maxConcurrent, maxFreeSockets: maxConcurrent }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: maxConcurrent, maxFreeSockets: maxConcurrent }),
  };
  const caAgents = new Map<string, https.Agent>();
  const agentFor = (protocol: string, ca: string | undefined): http.Agent => {
    if (protocol === "http:") return agents["http:"];
    if (ca === undefined) return agents["https:"];
    let agent = caAgents.get(ca);
    if (!agent) {
      if (caAgents.size >= MAX_CA_AGENTS) caAgents.delete(caAgents.keys().next().value!);
      agent = new https.Agent({ keepAlive: true, maxSockets: maxConcurrent, maxFreeSockets: maxConcurrent, ca });
      caAgents.set(ca, agent);
    }
    return agent;
  };
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  /** Undefined when a slot was free (no promise, no microtask); otherwise resolves when one frees up. */
  const acquire = (): Promise<void> | undefined => {
    if (inFlight < maxConcurrent) {
      inFlight++;
      return undefined;
    }
    return new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };

  const parse = (req: OutboundRequest): Target => {
    const known = knownTarget(req.url, origins);
    if (known) return known;
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw unavailable("invalid outbound URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw unavailable("scheme refused");
    if (url.username || url.password) throw unavailable("credentials in URL refused");
    return { origin: url.origin, protocol: url.protocol, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}` };
  };
  const origins = new Map<string, OriginParts | null>();

  const send = (req: OutboundRequest, url: Target): Promise<OutboundResponse> => {
    const timeoutMs = req.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = req.maxResponseBytes ?? options.maxResponseBytes ?? DEFAULT_MAX_BYTES;
    const lib = url.protocol === "https:" ? https : http;
    // What node:http would derive from the URL object itself (urlToHttpOptions), given directly.
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
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
        {
          protocol: url.protocol,
          hostname,
          port: url.port,
          path: url.path,
          method: req.method,
          headers: { "accept-encoding": "identity", ...req.headers },
          agent: agentFor(url.protocol, req.ca),
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
              body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
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
      const url = parse(req);
      if (options.allowOrigin) {
        const verdict = options.allowOrigin(url.origin);
        if (!(typeof verdict === "boolean" ? verdict : await verdict)) throw unavailable(`origin refused by the mount's allow-list: ${url.origin}`);
      }
      const wait = acquire();
      if (wait) await wait;
      const observe = options.observe;
      const started = observe ? performance.now() : 0;
      let ok = false;
      try {
        const res = await send(req, url);
        ok = res.status < 500;
        return res;
      } finally {
        release();
        observe?.(req.service, ok ? "success" : "failure", (performance.now() - started) / 1000);
      }
    },
  };
}

/** What a request is sent to: the parts of its URL node:http takes, and its origin for the allow-list. */
interface Target extends OriginParts {
  /** Path and query, as the WHATWG parser would serialise them. */
  path: string;
}

interface OriginParts {
  origin: string;
  protocol: string;
  hostname: string;
  port: string;
}

/** Distinct origins remembered per client (a mount calls a handful); past this the memo starts over. */
const MAX_ORIGINS = 64;
// A path of plain segments (none starting with "."), then an optional non-empty query of characters
// the WHATWG parser leaves as they are: such a tail is its own serialisation, nothing to normalise.
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?$/;
const PLAIN_QUERY = /^[A-Za-z0-9._~%&=+-]+$/;

/**
 * The target of `url` without a WHATWG parse per call, for the URLs a plugin sends on every login
 * (a configured origin, then a plain path and query): undefined for anything else, which the full
 * parse handles. The origin is parsed once and only kept when it is already canonical (the parser's
 * own serialisation of it: lower-case http(s) scheme and host, no userinfo, no default port), and the
 * tail only taken as it is when the parser would serialise it unchanged, so the result is the one
 * the full parse gives.
 */
function knownTarget(url: string, memo: Map<string, OriginParts | null>): Target | undefined {
  const afterScheme = url.startsWith("https://") ? 8 : url.startsWith("http://") ? 7 : -1;
  if (afterScheme === -1) return undefined;
  const slash = url.indexOf("/", afterScheme);
  if (slash === -1) return undefined;
  const origin = url.slice(0, slash);
  let parts = memo.get(origin);
  if (parts === undefined) {
    parts = canonicalOrigin(origin);
    if (memo.size >= MAX_ORIGINS) memo.clear();
    memo.set(origin, parts);
  }
  if (parts === null) return undefined;
  const query = url.indexOf("?", slash);
  const path = query === -1 ? url.slice(slash) : url.slice(slash, query);
  if (!PLAIN_PATH.test(path)) return undefined;
  if (query !== -1 && !PLAIN_QUERY.test(url.slice(query + 1))) return undefined;
  return { ...parts, path: url.slice(slash) };
}

function canonicalOrigin(origin: string): OriginParts | null {
  try {
    const url = new URL(`${origin}/`);
    if (url.origin !== origin || url.username !== "" || url.password !== "") return null;
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    return { origin, protocol: url.protocol, hostname: url.hostname, port: url.port };
  } catch {
    return null;
  }
}

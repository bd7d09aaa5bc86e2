import { createRequire } from "node:module";
import type { Dispatcher, Pool } from "undici";
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
/** Connection pools kept (one per origin and private CA); a mount calls a handful, so this only bounds misuse. */
const MAX_POOLS = 64;

/** Thrown for every outbound failure; the cause stays server-side. */
const unavailable = (cause: string): WardenError => {
  const e = new WardenError(503, "upstream identity service unavailable");
  (e as { cause?: unknown }).cause = cause;
  return e;
};

/**
 * The outbound HTTP client plugins get: a hard timeout over the whole exchange, a response size cap,
 * no redirects (a 3xx is just a status), no decompression, a concurrency cap, and headers sent as
 * given (a Host header among them is the one sent: OCI's get_user replays a client's signed Host).
 *
 * Transport: undici's connection pools (one per origin, and per private CA), driven through their
 * low-level dispatch (no streams, no response object): once warm, a call costs no connect, TLS
 * handshake or DNS lookup, and about half the CPU of node:http's ClientRequest (bench, issue 16).
 * Every request is marked non-idempotent, so undici never resends one on its own: a signed login's
 * nonce is single-use.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  // The hot path runs once per cloud login, so it is kept lean: one WHATWG parse of the URL (what the
  // allow-list is asked about is what is connected to), no promise hop when a concurrency slot is free.
  const maxConcurrent = options.maxConcurrent ?? 256;
  const pools = new Map<string, Pool>();
  const poolFor = (origin: string, ca: string | undefined): Pool => {
    const key = ca === undefined ? origin : `${origin}\n${ca}`;
    let pool = pools.get(key);
    if (!pool) {
      if (pools.size >= MAX_POOLS) {
        const [oldKey, old] = pools.entries().next().value!;
        pools.delete(oldKey);
        // Graceful: requests already in it finish; its idle sockets close.
        void old.close().catch(() => {});
      }
      pool = new (undiciPool())(origin, { connections: maxConcurrent, ...(ca === undefined ? {} : { connect: { ca } }) });
      pools.set(key, pool);
    }
    return pool;
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
    return { origin: url.origin, path: `${url.pathname}${url.search}` };
  };
  /** Origins seen in URLs, with whether each is already canonical (knownTarget). */
  const origins = new Map<string, boolean>();

  const send = (req: OutboundRequest, url: Target): Promise<OutboundResponse> => {
    const timeoutMs = req.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = req.maxResponseBytes ?? options.maxResponseBytes ?? DEFAULT_MAX_BYTES;
    const pool = poolFor(url.origin, req.ca);
    return new Promise<OutboundResponse>((resolve, reject) => {
      const exchange = new Exchange(maxBytes, resolve, reject);
      exchange.timer = setTimeout(() => exchange.fail(unavailable("timeout")), timeoutMs);
      try {
        pool.dispatch(
          {
            origin: url.origin,
            path: url.path,
            method: req.method,
            headers: { "accept-encoding": "identity", ...req.headers },
            body: req.body ?? null,
            idempotent: false,
          },
          exchange,
        );
      } catch (e) {
        // undici refuses some requests outright (a hop-by-hop header, a malformed value).
        exchange.fail(unavailable(`request refused: ${(e as Error).message}`));
      }
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

/** What a request is sent to: its origin (the pool, and what the allow-list is asked about) and its path. */
interface Target {
  /** The WHATWG serialisation of the URL's origin. */
  origin: string;
  /** Path and query, as the WHATWG parser would serialise them. */
  path: string;
}

let poolClass: typeof Pool | undefined;
/**
 * undici's Pool, loaded at the first outbound call: requiring it costs ~35 ms (the whole package ~90),
 * which a server start that makes no outbound call must not pay. The class alone, not the package index.
 */
function undiciPool(): typeof Pool {
  poolClass ??= (createRequire(import.meta.url)("undici/lib/dispatcher/pool.js") as typeof Pool);
  return poolClass;
}

/** One outbound exchange, as undici's dispatch handler: collects the answer, settles once. */
class Exchange implements Dispatcher.DispatchHandler {
  timer: ReturnType<typeof setTimeout> | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #settled = false;
  #status = 0;
  #contentType = "";
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly resolve: (res: OutboundResponse) => void,
    private readonly reject: (err: WardenError) => void,
  ) {}

  /** Marks the exchange settled and stops its timer; false when it already was (it settles once). */
  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.timer);
    return true;
  }

  /** Settles with `err` and stops the exchange (a request not yet on a socket is stopped when it gets one). */
  fail(err: WardenError): void {
    if (!this.#settle()) return;
    this.#controller?.abort(err);
    this.reject(err);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#settled) controller.abort(new Error("settled"));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.#status = statusCode;
    const type = headers["content-type"];
    this.#contentType = type === undefined ? "" : String(type);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#size += chunk.length;
    if (this.#size > this.maxBytes) {
      this.fail(unavailable("response too large"));
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (!this.#settle()) return;
    const chunks = this.#chunks;
    this.resolve({
      status: this.#status,
      contentType: this.#contentType,
      body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size),
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const code = (error as NodeJS.ErrnoException).code;
    this.fail(unavailable(`network: ${code && !code.startsWith("UND_ERR") ? code : (error.name || "error")}`));
  }
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
function knownTarget(url: string, memo: Map<string, boolean>): Target | undefined {
  const afterScheme = url.startsWith("https://") ? 8 : url.startsWith("http://") ? 7 : -1;
  if (afterScheme === -1) return undefined;
  const slash = url.indexOf("/", afterScheme);
  if (slash === -1) return undefined;
  const origin = url.slice(0, slash);
  let canonical = memo.get(origin);
  if (canonical === undefined) {
    canonical = isCanonicalOrigin(origin);
    if (memo.size >= MAX_ORIGINS) memo.clear();
    memo.set(origin, canonical);
  }
  if (!canonical) return undefined;
  const query = url.indexOf("?", slash);
  const path = query === -1 ? url.slice(slash) : url.slice(slash, query);
  if (!PLAIN_PATH.test(path)) return undefined;
  if (query !== -1 && !PLAIN_QUERY.test(url.slice(query + 1))) return undefined;
  return { origin, path: url.slice(slash) };
}

function isCanonicalOrigin(origin: string): boolean {
  try {
    const url = new URL(`${origin}/`);
    if (url.origin !== origin || url.username !== "" || url.password !== "") return false;
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

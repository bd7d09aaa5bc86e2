// The CLI's only way to reach the server: a small fetch wrapper that behaves like Vault's Go client
// (address and token from the environment, X-Vault-Token, X-Vault-Request: true, JSON bodies) and
// renders failures exactly as `vault` does, so scripts that grep its errors keep working.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Plain HTTP because `warden server -dev` listens without TLS (Vault's default is https). */
export const DEFAULT_ADDRESS = "http://127.0.0.1:8200";
const TIMEOUT_MS = 60_000;

export type Env = Record<string, string | undefined>;

/** -address wins, then WARDEN_ADDR, then VAULT_ADDR (warden's own names win over Vault's). */
export function resolveAddress(flag: string | undefined, env: Env): string {
  const addr = flag || env.WARDEN_ADDR || env.VAULT_ADDR || DEFAULT_ADDRESS;
  return addr.replace(/\/+$/, "");
}

export function tokenFilePath(): string {
  return join(homedir(), ".warden-token");
}

/** WARDEN_TOKEN, then VAULT_TOKEN, then the file `warden login` stored. */
export function resolveToken(env: Env): string | undefined {
  const fromEnv = env.WARDEN_TOKEN || env.VAULT_TOKEN;
  if (fromEnv) return fromEnv.trim();
  try {
    const stored = readFileSync(tokenFilePath(), "utf8").trim();
    return stored === "" ? undefined : stored;
  } catch {
    return undefined;
  }
}

/** A non-2xx answer, printed in Vault's "Error making API request." layout. */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly errors: string[],
    /** The body was not JSON `{errors: [...]}`; shown as "Raw Message" as Vault does. */
    readonly raw: boolean,
  ) {
    super(
      `Error making API request.\n\nURL: ${method} ${url}\nCode: ${status}. ${raw ? "Raw Message" : "Errors"}:\n\n` +
        (raw ? errors.join("\n") : errors.map((e) => `* ${e}`).join("\n")),
    );
  }
}

/** The server could not be reached at all. */
export class TransportError extends Error {}

/** A fetch that got no answer: "<METHOD> <url>: ECONNREFUSED" (undici hides the reason in `cause`). */
function transportError(method: string, url: string, e: unknown): TransportError {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return new TransportError(`${method} ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | string[]>;
  /** Login endpoints are sent without any token, as `vault login` clears it. */
  noToken?: boolean;
  /** Use this token instead of the configured one (login -method=token). */
  token?: string;
  /** Return 404 answers to the caller instead of throwing (read/list/policy read). */
  allow404?: boolean;
}

export interface ApiResponse {
  status: number;
  /** Parsed JSON, or null for an empty body. */
  body: unknown;
}

/** Like Go's path.Join for the logical path: no leading, trailing or doubled slashes. */
export function cleanPath(p: string): string {
  return p.split("/").filter((s) => s !== "").join("/");
}

function encodePath(p: string): string {
  return encodeURI(p).replace(/\?/g, "%3F").replace(/#/g, "%23");
}

/** Vault's client wraps sys/wrapping/wrap for 5 minutes unless told otherwise (the endpoint needs it). */
const DEFAULT_WRAP_ENDPOINT_TTL = "5m";

export class Client {
  constructor(
    readonly address: string,
    private readonly configuredToken: string | undefined,
    /** X-Vault-Wrap-TTL for every request (-wrap-ttl, WARDEN_WRAP_TTL, VAULT_WRAP_TTL). */
    private readonly wrapTtl?: string,
  ) {}

  get hasToken(): boolean {
    return this.configuredToken !== undefined;
  }

  isConfiguredToken(token: string): boolean {
    return this.configuredToken === token;
  }

  url(path: string, query?: Record<string, string | string[]>): string {
    let url = `${this.address}/v1/${encodePath(cleanPath(path))}`;
    if (query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) qs.append(k, one);
      const s = qs.toString();
      if (s) url += `?${s}`;
    }
    return url;
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse> {
    const url = this.url(path, opts.query);
    const headers: Record<string, string> = { "X-Vault-Request": "true" };
    const token = opts.noToken ? undefined : (opts.token ?? this.configuredToken);
    if (token) headers["X-Vault-Token"] = token;
    const wrapTtl = this.wrapTtl ?? ((method === "PUT" || method === "POST") && cleanPath(path) === "sys/wrapping/wrap" ? DEFAULT_WRAP_ENDPOINT_TTL : undefined);
    if (wrapTtl) headers["X-Vault-Wrap-TTL"] = wrapTtl;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["Content-Type"] = "application/json";
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (e) {
      throw transportError(method, url, e);
    }
    return this.answer(method, url, res, opts);
  }

  /**
   * A request whose body and answer are files, not JSON (sys/storage/snapshot): streamed both ways,
   * without the 60 s timeout of API calls. Returns the 2xx response unread; failures as request().
   */
  async stream(method: string, path: string, body?: ReadableStream<Uint8Array>): Promise<Response> {
    const url = this.url(path);
    const headers: Record<string, string> = { "X-Vault-Request": "true" };
    if (this.configuredToken) headers["X-Vault-Token"] = this.configuredToken;
    if (body) headers["Content-Type"] = "application/octet-stream";
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, redirect: "manual", ...(body ? { duplex: "half" } : {}) } as RequestInit);
    } catch (e) {
      throw transportError(method, url, e);
    }
    if (res.status >= 200 && res.status < 300) return res;
    await this.answer(method, url, res, {});
    throw new TransportError(`${method} ${url}: unexpected answer ${res.status}`);
  }

  private async answer(method: string, url: string, res: Response, opts: RequestOptions): Promise<ApiResponse> {
    const text = await res.text();
    let parsed: unknown = null;
    let isJson = true;
    if (text.trim() !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        isJson = false;
      }
    }
    if ((res.status >= 200 && res.status < 300) || (res.status === 404 && opts.allow404)) {
      if (!isJson) throw new TransportError(`${method} ${url}: server answered ${res.status} with a non-JSON body`);
      return { status: res.status, body: parsed };
    }
    const errors = isJson ? (parsed as { errors?: unknown } | null)?.errors : undefined;
    if (Array.isArray(errors)) throw new ApiError(method, url, res.status, errors.map(String), false);
    throw new ApiError(method, url, res.status, [text], true);
  }
}

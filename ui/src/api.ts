/**
 * The console's client of warden's JSON API: the same /v1 endpoints and X-Vault-Token header as the
 * CLI. The token lives in sessionStorage only (gone when the tab closes; never localStorage).
 */

const TOKEN_KEY = "warden.token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(errors.length > 0 ? errors.join("; ") : `request failed (HTTP ${status})`);
  }
}

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, value);
  },
};

export type Json = Record<string, any>;

export interface RequestOptions {
  body?: unknown;
  /** Send no token (sign-in checks, unseal, AppRole login). */
  anonymous?: boolean;
  /** Answer the text body instead of JSON (sys/metrics?format=prometheus). */
  text?: boolean;
  /** HTTP statuses answered as a normal result instead of an error (sys/health's 429/473/503). */
  okStatuses?: number[];
}

export async function api(method: string, path: string, opts: RequestOptions = {}): Promise<any> {
  const headers: Record<string, string> = {};
  const token = opts.anonymous ? null : session.token;
  if (token) headers["X-Vault-Token"] = token;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["Content-Type"] = "application/json";
  }
  const res = await fetch(`/v1/${path.replace(/^\/+/, "")}`, { method, headers, body, credentials: "omit", cache: "no-store" });
  const text = await res.text();
  if (opts.text && res.ok) return text;
  let parsed: any;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok && !opts.okStatuses?.includes(res.status)) {
    const errors = Array.isArray(parsed?.errors) ? parsed.errors.map(String) : [];
    throw new ApiError(res.status, errors);
  }
  return parsed;
}

export const read = (path: string, opts?: RequestOptions) => api("GET", path, opts);
export const write = (path: string, body: unknown = {}, opts?: RequestOptions) => api("POST", path, { ...opts, body });
export const del = (path: string) => api("DELETE", path);

/** LIST: the keys, or [] when the path has none (Vault answers 404 for an empty list). */
export async function list(path: string): Promise<string[]> {
  try {
    const r = await api("GET", `${path.replace(/\/?$/, "/")}?list=true`);
    return r?.data?.keys ?? [];
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
    throw e;
  }
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Answers as plain parts, for the routes hono serves and for the fronts that answer at node:http's
 * request listener without it (api-edge.ts): both build the same ApiAnswer, so both ways answer alike.
 */
import type { ServerResponse } from "node:http";
import { isWardenError } from "../sdk/errors.js";
import { STORAGE_UNAVAILABLE, isStorageUnavailable } from "../storage/errors.js";

export const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" } as const;

/**
 * An answer as plain parts. The API edge (api-edge.ts) writes it to node:http as it is; hono routes
 * wrap it in a Response (toResponse). Bodies are JSON or text, never streams.
 */
export interface ApiAnswer {
  status: number;
  body: string | null;
  headers: Record<string, string>;
}

export const jsonAnswer = (status: number, body: unknown, extra?: Record<string, string>): ApiAnswer => ({
  status,
  body: body === undefined ? null : JSON.stringify(body),
  headers: extra ? { ...JSON_HEADERS, ...extra } : JSON_HEADERS,
});

/** A route's answer to a method and the whole request URL: one function for hono's route and the API edge. */
export type EdgeRoute = (method: string, url: string) => Promise<ApiAnswer>;

/** A failure as its answer: a WardenError as it says, storage away a 503, anything else a 500. */
export function errorAnswer(e: unknown): ApiAnswer {
  if (isWardenError(e)) return jsonAnswer(e.status, { errors: e.errors }, e.headers);
  if (isStorageUnavailable(e)) return jsonAnswer(503, { errors: [STORAGE_UNAVAILABLE] });
  return jsonAnswer(500, { errors: ["internal error"] });
}

/** The answer as a fetch Response, for hono's routes (only they run where the adapter is loaded). */
export const toResponse = (a: ApiAnswer): Response => new Response(a.body, { status: a.status, headers: a.headers });

/** Writes the answer to node:http as it is (the edges in front of hono, and listen.ts's fallback). */
export function writeAnswer(res: ServerResponse, answer: ApiAnswer): void {
  try {
    // Name/value pairs in one flat array: node:http stores them without the per-key work an object takes.
    const headers: string[] = [];
    for (const name in answer.headers) headers.push(name, answer.headers[name]!);
    if (answer.body !== null) headers.push("Content-Length", String(Buffer.byteLength(answer.body)));
    res.writeHead(answer.status, headers);
    res.end(answer.body ?? undefined);
  } catch {
    // Writing the answer failed (the connection is gone): nothing more can be sent on it.
    res.destroy();
  }
}

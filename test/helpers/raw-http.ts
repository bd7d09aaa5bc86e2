import { request as httpRequest } from "node:http";
import type { TestServer } from "./server.js";

export interface RawResponse {
  status: number;
  text: string;
  headers: Record<string, unknown>;
}

/**
 * A request through node:http as sent on the wire: the path exactly as given (no URL normalisation),
 * and a header with an array value as one line per element (fetch would join them).
 */
export function rawRequest(
  s: TestServer,
  method: string,
  path: string,
  headers: Record<string, string | string[]> = {},
  body?: string,
): Promise<RawResponse> {
  const url = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers, timeout: 10_000, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

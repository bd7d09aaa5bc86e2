// Reads a request body up to a cap, for the emulators (their RPC bodies are a few hundred bytes).
import type { IncomingMessage } from "node:http";

export class BodyTooLarge extends Error {}

/** The body as UTF-8; rejects with BodyTooLarge (and stops reading) past `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

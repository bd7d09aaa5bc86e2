import { createServer } from "node:net";

/**
 * A port that was free on 127.0.0.1 a moment ago, for a process that must be told its port up front
 * (a CLI server, a cluster node). In-process servers listen on port 0 instead and read theirs back.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

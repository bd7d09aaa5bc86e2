// Shared by the emulators (peers of warden, so they use nothing of its core): start listening and
// say where, and stop at once.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on host:port (0 = any free port) and answers the bound port and the base URL. */
export async function listenOn(server: Server, host: string, port: number): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { port: bound, url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}` };
}

/**
 * Stops the server at once: no new connections, and the open ones (keep-alive sockets of SDK
 * clients, requests still hanging) are cut, so close() never waits on a client.
 */
export function closeNow(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

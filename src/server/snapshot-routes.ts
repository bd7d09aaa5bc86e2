import type { Context, Hono } from "hono";
import type { HttpBindings } from "@hono/node-server";
import { Readable } from "node:stream";
import type { SealManager } from "../core/seal/manager.js";
import { Snapshots } from "../core/snapshot/snapshots.js";

type Env = { Bindings: HttpBindings };

export interface SnapshotRouteOptions {
  /** Runs sys/storage/snapshot through the request pipeline (token, sudo, audit): undefined = allowed, else the refusal to send. */
  authorise(c: Context<Env>, operation: "read" | "write"): Promise<Response | undefined>;
  errorResponse(e: unknown): Response;
}

/**
 * GET/POST /v1/sys/storage/snapshot: authorised like any sys/ path, then served here because the
 * body is a file (streamed both ways, never parsed as JSON nor held in memory) and a restore replaces
 * the core that authorised it (as sys/seal does).
 */
export function addSnapshotRoutes(app: Hono<Env>, seal: SealManager, o: SnapshotRouteOptions): void {
  const snapshots = new Snapshots(seal);
  app.get("/v1/sys/storage/snapshot", async (c) => {
    try {
      const refused = await o.authorise(c, "read");
      if (refused) return refused;
      const { body, size } = await snapshots.save();
      return new Response(Readable.toWeb(body) as ReadableStream, {
        status: 200,
        headers: { "content-type": "application/octet-stream", "content-length": String(size), "cache-control": "no-store", "content-disposition": 'attachment; filename="warden.snap"' },
      });
    } catch (e) {
      return o.errorResponse(e);
    }
  });
  app.on(["POST", "PUT"], "/v1/sys/storage/snapshot", async (c) => {
    const incoming = c.env.incoming;
    try {
      const refused = await o.authorise(c, "write");
      if (refused) {
        incoming.resume();
        return refused;
      }
      await snapshots.restore(incoming);
      return new Response(null, { status: 204 });
    } catch (e) {
      // A refused body is drained, so the client reads the answer rather than a reset connection.
      incoming.resume();
      return o.errorResponse(e);
    }
  });
}

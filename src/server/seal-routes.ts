import type { Hono } from "hono";
import { getQueryParam } from "hono/utils/url";
import type { HttpBindings } from "@hono/node-server";
import type { SealManager } from "../core/seal/manager.js";
import { healthBody, leaderBody, sealStatusBody } from "../core/sys/status.js";
import { WardenError } from "../sdk/errors.js";
import { type EdgeRoute, errorAnswer, jsonAnswer, toResponse } from "./api-answer.js";
import { parseBody, readBody } from "./request-body.js";

type Env = { Bindings: HttpBindings };

export interface SealRouteOptions {
  maxRequestSize: number;
  advertisedAddress: string;
  clusterName: string;
  json(status: number, body: unknown): Response;
  errorResponse(e: unknown): Response;
  /** See healthAnswer. */
  settingUp?: () => Promise<unknown> | undefined;
}

const NO_STORE = { "cache-control": "no-store" } as const;

/**
 * sys/health's answer to GET and HEAD, sealed or not (Vault: raw JSON, no token; the query may choose
 * the status codes). `url` is the whole request URL, its query read as hono reads it. The hono route
 * and the API edge (api-edge.ts, which answers health checks before hono's adapter is even loaded)
 * both answer with it.
 *
 * `settingUp`: while the server is still setting itself up (a dev server's init, unseal, auth mount and
 * plugins), what settles when it is done; health answers after that, so its first 200 means ready.
 */
export function healthAnswer(seal: SealManager, settingUp: () => Promise<unknown> | undefined = () => undefined): EdgeRoute {
  return async (method, url) => {
    try {
      const pending = settingUp();
      // A set-up that fails ends the process; its outcome is not this answer's.
      if (pending) await pending.catch(() => undefined);
      const h = await healthBody(seal);
      const code = (name: string, fallback: number): number => {
        const v = getQueryParam(url, name) as string | undefined;
        if (v === undefined) return fallback;
        if (!/^\d{3}$/.test(v)) throw new WardenError(400, `invalid ${name}`);
        return Number(v);
      };
      const status = !h.storageOk ? 503 : !h.initialized ? code("uninitcode", 501) : h.sealed ? code("sealedcode", 503) : code("activecode", 200);
      return method === "HEAD" ? { status, body: null, headers: NO_STORE } : jsonAnswer(status, h.body);
    } catch (e) {
      return errorAnswer(e);
    }
  };
}

/**
 * The endpoints that answer whether or not the node is sealed (Vault's special handlers: raw JSON,
 * no envelope, no token): sys/health, sys/seal-status, sys/leader, sys/init, sys/unseal, sys/rekey/*,
 * sys/rekey-recovery-key/*.
 */
export function addSealRoutes(app: Hono<Env>, seal: SealManager, o: SealRouteOptions): { health: EdgeRoute } {
  const { json, errorResponse } = o;
  const startedAt = new Date();
  const body = async (incoming: HttpBindings["incoming"]): Promise<Record<string, unknown>> =>
    parseBody(await readBody(incoming, incoming.headers["content-length"], o.maxRequestSize), incoming.headers["content-type"]);

  const health = healthAnswer(seal, o.settingUp);
  app.on(["GET", "HEAD"], "/v1/sys/health", async (c) => toResponse(await health(c.req.method, c.req.url)));
  // Vault: any other method on sys/health is 405, not a logical request.
  app.all("/v1/sys/health", () => json(405, { errors: [] }));
  app.get("/v1/sys/seal-status", async () => {
    try {
      return json(200, await sealStatusBody(seal, o.clusterName));
    } catch (e) {
      return errorResponse(e);
    }
  });
  app.get("/v1/sys/leader", async () => json(200, await leaderBody(seal.storage.ha, o.advertisedAddress, startedAt)));
  app.get("/v1/sys/init", async (c) => {
    try {
      return json(200, { initialized: await seal.initialized() });
    } catch (e) {
      return errorResponse(e);
    }
  });
  app.on(["PUT", "POST"], "/v1/sys/init", async (c) => {
    try {
      return json(200, await seal.init(await body(c.env.incoming)));
    } catch (e) {
      return errorResponse(e);
    }
  });
  // sys/rekey/*: unauthenticated as in Vault (the current unseal shares are the credential).
  const handle = (run: (c: { env: Env["Bindings"] }) => Promise<Response>) => async (c: { env: Env["Bindings"] }) => {
    try {
      return await run(c);
    } catch (e) {
      return errorResponse(e);
    }
  };
  // sys/rekey-recovery-key/*: the same protocol for an auto seal's recovery shares (they authorise it).
  for (const [base, rekey] of [["/v1/sys/rekey", seal.rekey], ["/v1/sys/rekey-recovery-key", seal.recoveryRekey]] as const) {
    app.get(`${base}/init`, handle(async () => json(200, rekey.status())));
    app.on(["PUT", "POST"], `${base}/init`, handle(async (c) => json(200, rekey.init(await body(c.env.incoming)))));
    app.delete(`${base}/init`, handle(async () => {
      rekey.cancel();
      return new Response(null, { status: 204 });
    }));
    app.on(["PUT", "POST"], `${base}/update`, handle(async (c) => json(200, await rekey.update(await body(c.env.incoming)))));
    app.get(`${base}/verify`, handle(async () => json(200, rekey.verifyStatus())));
    app.on(["PUT", "POST"], `${base}/verify`, handle(async (c) => json(200, await rekey.verify(await body(c.env.incoming)))));
    app.delete(`${base}/verify`, handle(async () => json(200, rekey.resetVerification())));
  }
  app.on(["PUT", "POST"], "/v1/sys/unseal", async (c) => {
    try {
      await seal.unseal(await body(c.env.incoming));
      return json(200, await sealStatusBody(seal, o.clusterName));
    } catch (e) {
      return errorResponse(e);
    }
  });
  return { health };
}

/**
 * The edge of the lookup-self fast path: in front of the hono app, at node:http's request listener.
 * Exactly `GET /v1/auth/token/lookup-self` (no query string) with a token header, on an unsealed
 * node, is offered to RequestPipeline.lookupSelf (src/core/lookup-self-path.ts); it answers completely
 * or declines, and everything else, declined requests included, goes to the app untouched. What the
 * app would read from the request for this URL is read here the same way (the token header, the
 * client address); a request carrying anything else the app acts on (X-Vault-Wrap-TTL, a body, a
 * repeated token header, an X-Forwarded-For the listener refuses) is left to the app.
 */
import { randomUUID } from "node:crypto";
import type { RequestListener, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { SealManager } from "../core/seal/manager.js";
import type { LookupSelfAnswer, LookupSelfOutcome } from "../core/lookup-self-path.js";
import { requestToken } from "./request-token.js";

const URL = "/v1/auth/token/lookup-self";

/** Headers the app acts on for this URL beyond the token and the client address: their presence sends the request there. */
const APP_HEADERS = new Set(["x-vault-wrap-ttl", "content-length", "transfer-encoding"]);

/**
 * The request's token and X-Forwarded-For values (as sent: the app's one joined header splits the same)
 * when nothing else in its headers needs the app; undefined: take the app. One scan of the raw headers.
 */
function fastHeaders(rawHeaders: string[]): { token: string; forwardedFor: string[] | undefined } | undefined {
  let forwardedFor: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (APP_HEADERS.has(name)) return undefined;
    if (name === "x-forwarded-for") (forwardedFor ??= []).push(rawHeaders[i + 1]!);
  }
  let token: string | undefined;
  try {
    token = requestToken(rawHeaders);
  } catch {
    return undefined;
  }
  return token === undefined ? undefined : { token, forwardedFor };
}

function send(res: ServerResponse, answer: LookupSelfAnswer): void {
  try {
    // The app's JSON headers (app.ts JSON_HEADERS), with the length it gives a string body.
    res.writeHead(answer.status, ["content-type", "application/json", "cache-control", "no-store", "Content-Length", String(answer.length)]);
    res.end(answer.body);
  } catch {
    // Writing the answer failed (the connection is gone): nothing more can be sent on it.
    res.destroy();
  }
}

export function lookupSelfFront(seal: SealManager, addressOf: (socket: Socket, forwardedFor: string[] | undefined) => string | undefined): (app: RequestListener) => RequestListener {
  return (app) => (req, res) => {
    if (req.method !== "GET" || req.url !== URL) return app(req, res);
    const core = seal.core;
    if (!core) return app(req, res);
    const headers = fastHeaders(req.rawHeaders);
    if (headers === undefined) return app(req, res);
    let clientAddress: string | undefined;
    try {
      clientAddress = addressOf(req.socket, headers.forwardedFor);
    } catch {
      return app(req, res);
    }
    let outcome: LookupSelfOutcome;
    try {
      outcome = core.pipeline.lookupSelf({ id: randomUUID(), token: headers.token, clientAddress });
    } catch {
      return app(req, res);
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (answer) => (answer ? send(res, answer) : app(req, res)),
        () => app(req, res),
      );
    } else if (outcome) send(res, outcome);
    else app(req, res);
  };
}

// A loopback AliCloud STS emulator: a peer of warden, like the real cloud, so it depends on nothing
// but Node built-ins. It verifies RPC v1 signatures for real and answers with the documented shapes.
import { randomUUID } from "node:crypto";
import { closeNow, listenOn } from "../listen.js";
import { BodyTooLarge, readBody } from "../read-body.js";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { findAction } from "./actions.js";
import { authenticateSignedRequest } from "./authenticate.js";
import { errorFields, StsError, stsErrors } from "./errors.js";
import { applyFault, STS_FAULTS, type FaultOutcome, type StsFault } from "./faults.js";
import { validateIdentity, type StsIdentity } from "./identity.js";
import { ramRoleIdentity, validateRamRole, type RamRoleConfig } from "../ram-roles.js";
import { NonceCache } from "./nonce-cache.js";
import { validateProvider, validateRole, type OidcProviderConfig, type OidcRoleConfig } from "./oidc-config.js";
import { render, type ResponseFormat } from "./render.js";
import { groupQuery, isFormContentType, parseRpcParams } from "./rpc-params.js";

export type { StsIdentity } from "./identity.js";
export type { StsFault } from "./faults.js";
export type { OidcProviderConfig, OidcRoleConfig } from "./oidc-config.js";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface StsEmulator {
  url: string;
  port: number;
  requests: RecordedRequest[];
  setFault(f: StsFault | null): void;
  addIdentity(i: StsIdentity): void;
  /** RAM CreateOIDCProvider: an issuer AssumeRoleWithOIDC accepts tokens from. */
  addOidcProvider(p: OidcProviderConfig): void;
  /** A RAM role whose trust policy names an OIDC provider, with conditions. */
  addOidcRole(r: OidcRoleConfig): void;
  close(): Promise<void>;
}

export interface StsEmulatorOptions {
  host?: string;
  port?: number;
  identities: StsIdentity[];
  /** Accepted Timestamp skew either way; the real gateway allows 15 minutes. */
  maxSkewSeconds?: number;
  /** One line per answered request; never carries secrets or signatures. */
  log?: (line: string) => void;
  oidcProviders?: OidcProviderConfig[];
  oidcRoles?: OidcRoleConfig[];
  /**
   * RAM only registers https issuers. Tests run warden over plain http on loopback; this lets them,
   * and nothing else changes (the fetch, the checks and the answers are the same).
   */
  allowHttpIssuer?: boolean;
  /** Clock for token lifetimes and credential expiry (tests move it). */
  now?: () => number;
  /**
   * RAM roles of emulated ECS instances: the rotating credentials the ECS metadata emulator hands
   * out for them (same role descriptions, see ram-roles.ts) are accepted until their Expiration.
   */
  ramRoles?: RamRoleConfig[];
}

// Form bodies for GetCallerIdentity are a few hundred bytes; anything near this is not a client.
const MAX_BODY_BYTES = 64 * 1024;
// A nonce must outlive every Timestamp that could still pass the ±skew check, plus drift.
const NONCE_MARGIN_MS = 60_000;

/** Action and AccessKeyId come from the client: keep a forged newline from faking extra log lines. */
function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, "?");
}


/** Format is optional on the real API and defaults to XML; the SDKs send "JSON" or (V2 SDK) "json". */
function responseFormat(format: string | undefined): ResponseFormat {
  if (format === undefined) return "XML";
  const upper = format.toUpperCase();
  if (upper === "JSON" || upper === "XML") return upper;
  throw stsErrors.invalidFormat();
}

function send(res: ServerResponse, status: number, contentType: string | null, body: string, requestId: string, extra: Record<string, string> = {}): void {
  const headers: Record<string, string | number> = {
    "content-length": Buffer.byteLength(body),
    "x-acs-request-id": requestId,
    ...extra,
  };
  if (contentType) headers["content-type"] = contentType;
  res.writeHead(status, headers);
  res.end(body);
}

export async function startStsEmulator(opts: StsEmulatorOptions): Promise<StsEmulator> {
  const host = opts.host ?? "127.0.0.1";
  const maxSkewMs = (opts.maxSkewSeconds ?? 900) * 1000;
  const identities = new Map<string, StsIdentity>();
  const addIdentity = (i: StsIdentity): void => {
    validateIdentity(i);
    identities.set(i.accessKeyId, { ...i });
  };
  for (const i of opts.identities) addIdentity(i);
  const ramRoles = [...(opts.ramRoles ?? [])];
  for (const r of ramRoles) validateRamRole(r);
  const providers = new Map<string, OidcProviderConfig>();
  const oidcRoles = new Map<string, OidcRoleConfig>();
  const addOidcProvider = (p: OidcProviderConfig): void => {
    validateProvider(p, opts.allowHttpIssuer === true);
    providers.set(p.arn, { ...p, clientIds: [...p.clientIds] });
  };
  const addOidcRole = (r: OidcRoleConfig): void => {
    validateRole(r);
    oidcRoles.set(r.arn, structuredClone(r));
  };
  for (const p of opts.oidcProviders ?? []) addOidcProvider(p);
  for (const r of opts.oidcRoles ?? []) addOidcRole(r);
  const now = opts.now ?? Date.now;
  const federation = {
    provider: (arn: string) => providers.get(arn),
    role: (arn: string) => oidcRoles.get(arn),
    addIdentity: (i: StsIdentity) => identities.set(i.accessKeyId, i),
    now,
  };

  const nonces = new NonceCache(2 * maxSkewMs + NONCE_MARGIN_MS);
  const requests: RecordedRequest[] = [];
  const hanging = new Set<NodeJS.Timeout>();
  let fault: StsFault | null = null;
  const log = opts.log ?? (() => {});

  function deliver(res: ServerResponse, outcome: FaultOutcome, genuine: () => void, requestId: string): void {
    if (outcome.kind === "respond") {
      send(res, outcome.status, outcome.contentType, outcome.body, requestId, outcome.headers);
      return;
    }
    // "slow": hold the connection open, then answer normally if the client is still waiting.
    const timer = setTimeout(() => {
      hanging.delete(timer);
      if (!res.destroyed) genuine();
    }, outcome.delayMs);
    hanging.add(timer);
    res.on("close", () => {
      clearTimeout(timer);
      hanging.delete(timer);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    const method = req.method ?? "";
    const url = new URL(req.url ?? "/", "http://sts.invalid");
    let format: ResponseFormat = "JSON";
    let action = "-";
    let accessKeyId = "-";
    const finish = (status: number | "held", code: string): void =>
      log(oneLine(`${method} ${url.pathname} ${action} AccessKeyId=${accessKeyId} -> ${status}${code ? " " + code : ""}`));

    let body = "";
    let bodyError: unknown = null;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      bodyError = err;
    }
    requests.push({ method, path: url.pathname, query: groupQuery(url.search), headers: { ...req.headers }, body });

    try {
      if (bodyError instanceof BodyTooLarge) throw stsErrors.bodyTooLarge();
      if (bodyError) throw bodyError;
      if (method !== "GET" && method !== "POST") throw stsErrors.unsupportedHttpMethod(method);
      const formBody = method === "POST" && isFormContentType(req.headers["content-type"]) ? body : null;
      const { params } = parseRpcParams(url.search, formBody);
      accessKeyId = params.AccessKeyId ?? "-";
      format = responseFormat(params.Format);
      // RPC APIs live at "/" only; any other path is a different (unknown) API.
      if (url.pathname !== "/") throw stsErrors.actionNotFound();
      if (!params.Action) throw stsErrors.missingParameter("Action");
      action = params.Action;
      const definition = findAction(params.Action);
      if (!definition) throw stsErrors.actionNotFound();
      if (!params.Version) throw stsErrors.missingParameter("Version");
      if (!definition.versions.includes(params.Version)) throw stsErrors.invalidVersion();

      const identity =
        definition.authentication === "signature"
          ? authenticateSignedRequest(method, params, {
              findIdentity: (id) => identities.get(id) ?? ramRoleIdentity(ramRoles, id),
              nonces,
              maxSkewMs,
              now,
            })
          : null;
      const answer = await definition.handle({ params, requestId, identity, federation });
      const genuine = (): void => {
        const out = render(format, `${params.Action}Response`, answer);
        send(res, 200, out.contentType, out.body, requestId);
      };
      // Faults distort GetCallerIdentity answers (flat, signed calls); anonymous actions answer genuinely.
      if (fault === null || definition.authentication !== "signature") {
        genuine();
        finish(200, "");
      } else {
        const outcome = applyFault(fault, answer as Record<string, string>, requestId);
        deliver(res, outcome, genuine, requestId);
        finish(outcome.kind === "respond" ? outcome.status : "held", `fault=${fault}`);
      }
    } catch (err) {
      const stsErr = err instanceof StsError ? err : stsErrors.internalError();
      const out = render(format, "Error", errorFields(stsErr, requestId));
      // An over-long body was left unread; closing stops the client streaming the rest at us.
      const extra: Record<string, string> = bodyError ? { connection: "close" } : {};
      send(res, stsErr.status, out.contentType, out.body, requestId, extra);
      finish(stsErr.status, stsErr.code);
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  const { port, url } = await listenOn(server, host, opts.port ?? 0);
  let closing: Promise<void> | undefined;

  return {
    url,
    port,
    requests,
    setFault(f) {
      if (f !== null && !STS_FAULTS.includes(f)) throw new Error(`unknown STS fault ${JSON.stringify(f)}`);
      fault = f;
    },
    addIdentity,
    addOidcProvider,
    addOidcRole,
    close() {
      // Idempotent: a test may close early (e.g. to prove close() does not wait for a hung request).
      closing ??= (() => {
        for (const t of hanging) clearTimeout(t);
        hanging.clear();
        // Keep-alive sockets (pop-core uses an agent) and hung "slow" requests would hold close() open: cut them.
        return closeNow(server);
      })();
      return closing;
    },
  };
}

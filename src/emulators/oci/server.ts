// A loopback OCI identity emulator: a peer of warden, like the real cloud, so it depends on nothing
// but Node built-ins. It serves GetUser (identity), authenticateClient / filterGroupMembership
// (identity data plane) and instance-principal federation (POST /v1/x509) on one port, verifies signature v1 for real, and records every request so a
// test can assert that warden made no call at all.
import { randomBytes } from "node:crypto";
import { closeNow, listenOn } from "../listen.js";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { OciError, ociErrors } from "./errors.js";
import { Tenancy, type OciInstanceSpec, type OciTenancySpec, type OciUserSpec } from "./model.js";
import { authenticateClient, federateX509, filterGroupMembership, getUser, type RouteResult } from "./routes.js";
import { verifySigner } from "./signature.js";

export type { OciTenancySpec, OciUserSpec, OciInstanceSpec, OciGroupSpec } from "./model.js";
export { fingerprintOf } from "./model.js";

export interface RecordedOciRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
}

export interface OciEmulator {
  url: string;
  port: number;
  requests: RecordedOciRequest[];
  tenancy: Tenancy;
  addUser(u: OciUserSpec): void;
  addInstance(i: OciInstanceSpec): void;
  close(): Promise<void>;
}

export interface OciEmulatorOptions extends OciTenancySpec {
  host?: string;
  port?: number;
  /** OCI allows 5 minutes of clock skew. */
  maxSkewSeconds?: number;
  /** One line per answered request; never carries signatures or keys. */
  log?: (line: string) => void;
}

const MAX_BODY_BYTES = 64 * 1024;
const USER_PATH = /^\/20160918\/users\/([A-Za-z0-9._-]+)$/;

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Node joins repeated headers; the signature verifier wants name -> values, lower-cased. */
function headerMap(req: IncomingMessage): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    out.set(name, [...(out.get(name) ?? []), req.rawHeaders[i + 1]!]);
  }
  return out;
}

function send(res: ServerResponse, r: RouteResult, requestId: string, close = false): void {
  const text = JSON.stringify(r.body);
  res.writeHead(r.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "opc-request-id": requestId,
    ...(close ? { connection: "close" } : {}),
    ...r.headers,
  });
  res.end(text);
}

export async function startOciEmulator(opts: OciEmulatorOptions): Promise<OciEmulator> {
  const tenancy = new Tenancy(opts);
  const maxSkewMs = (opts.maxSkewSeconds ?? 300) * 1000;
  const requests: RecordedOciRequest[] = [];
  const log = opts.log ?? (() => {});

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(16).toString("hex").toUpperCase();
    const method = req.method ?? "";
    const target = req.url ?? "/";
    const path = target.split("?")[0]!;
    const body = await readBody(req);
    const record: RecordedOciRequest = { method, path, headers: { ...req.headers }, body: body?.toString("utf8") ?? "", status: 0 };
    requests.push(record);
    let result: RouteResult;
    try {
      if (body === null) throw ociErrors.tooLarge();
      const route = USER_PATH.exec(path);
      const known = route !== null || path === "/v1/authentication/authenticateClient" || path === "/v1/filterGroupMembership" || path === "/v1/x509";
      if (!known) throw ociErrors.notFound();
      if (method !== (route ? "GET" : "POST")) throw ociErrors.methodNotAllowed();
      const now = Date.now();
      const { principal: caller, session } = verifySigner({ method, target, headers: headerMap(req), body }, tenancy, now, maxSkewMs);
      if (route) {
        result = getUser(tenancy, caller, route[1]!);
      } else {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString("utf8"));
        } catch {
          throw ociErrors.cannotParse();
        }
        result = path === "/v1/filterGroupMembership"
          ? filterGroupMembership(tenancy, caller, parsed)
          : path === "/v1/x509"
            ? federateX509(tenancy, caller, session, parsed, now)
            : authenticateClient(tenancy, caller, parsed, now, maxSkewMs);
      }
    } catch (err) {
      const e = err instanceof OciError ? err : ociErrors.internal();
      result = { status: e.status, body: { code: e.code, message: e.message } };
    }
    record.status = result.status;
    send(res, result, requestId, body === null);
    const code = result.status >= 400 ? ` ${(result.body as { code: string }).code}` : "";
    log(`${method} ${path} -> ${result.status}${code} opc-request-id=${requestId}`);
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  const host = opts.host ?? "127.0.0.1";
  const { port, url } = await listenOn(server, host, opts.port ?? 0);
  return {
    url,
    port,
    requests,
    tenancy,
    addUser: (u) => tenancy.addUser(u),
    addInstance: (i) => tenancy.addInstance(i),
    close: () => closeNow(server),
  };
}

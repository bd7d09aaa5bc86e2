// A loopback ECS instance metadata service, hardened mode only (Alibaba's IMDSv2): a session token
// from PUT /latest/api/token (X-aliyun-ecs-metadata-token-ttl-seconds, 1..21600), then the RAM role
// and its STS credentials with X-aliyun-ecs-metadata-token. A request without a valid session token
// is refused (401), as on an instance where IMDSv1 is disabled. The credentials rotate (see
// ../ram-roles.ts), each set with its Expiration, and the STS emulator given the same roles accepts
// them. Node built-ins only, like the other emulators.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeNow, listenOn } from "../listen.js";
import { ramRoleCredentials, validateRamRole, type RamRoleConfig } from "../ram-roles.js";

export interface EcsMetadataEmulatorOptions {
  host?: string;
  port?: number;
  /** The RAM role attached to the instance (the one its credentials are for). */
  role: RamRoleConfig;
  now?: () => number;
  /** One line per answered request; never carries a session token or credentials. */
  log?: (line: string) => void;
}

export type EcsMetadataFault = "unavailable";

export interface EcsMetadataEmulator {
  url: string;
  port: number;
  /** Counts of answered credential requests and of session tokens issued. */
  stats: { credentials: number; tokens: number; refused: number };
  /** "unavailable": every request answers 503 until cleared with null. */
  setFault(f: EcsMetadataFault | null): void;
  close(): Promise<void>;
}

const MAX_TOKEN_TTL_SECONDS = 21600;
const CREDENTIALS_PATH = "/latest/meta-data/ram/security-credentials/";

/** "2006-01-02T15:04:05Z", the metadata service's time format. */
const isoSeconds = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export async function startEcsMetadataEmulator(opts: EcsMetadataEmulatorOptions): Promise<EcsMetadataEmulator> {
  validateRamRole(opts.role);
  const role = { ...opts.role };
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => {});
  const sessions = new Map<string, number>();
  const stats = { credentials: 0, tokens: 0, refused: 0 };
  let fault: EcsMetadataFault | null = null;

  const validSession = (req: IncomingMessage): boolean => {
    const token = req.headers["x-aliyun-ecs-metadata-token"];
    if (typeof token !== "string") return false;
    const until = sessions.get(token);
    if (until === undefined) return false;
    if (now() >= until) {
      sessions.delete(token);
      return false;
    }
    return true;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? "/", "http://metadata.invalid").pathname;
    const answer = (status: number, body: string, contentType = "text/plain"): void => {
      send(res, status, contentType, body);
      log(`${req.method} ${path.replace(/[\x00-\x1f\x7f]/g, "?")} -> ${status}`);
    };
    // The body of these requests is never used; drain it so keep-alive works.
    req.resume();
    if (fault === "unavailable") return answer(503, "Service Unavailable");
    if (path === "/latest/api/token") {
      if (req.method !== "PUT") return answer(405, "Method Not Allowed");
      const ttl = Number(req.headers["x-aliyun-ecs-metadata-token-ttl-seconds"]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) return answer(400, "X-aliyun-ecs-metadata-token-ttl-seconds must be 1..21600");
      const token = randomBytes(24).toString("base64url");
      sessions.set(token, now() + ttl * 1000);
      stats.tokens++;
      return answer(200, token);
    }
    if (req.method !== "GET") return answer(405, "Method Not Allowed");
    if (!validSession(req)) {
      stats.refused++;
      return answer(401, "Unauthorized");
    }
    if (path === CREDENTIALS_PATH || path === CREDENTIALS_PATH.slice(0, -1)) return answer(200, role.roleName);
    if (path.startsWith(CREDENTIALS_PATH)) {
      let name: string;
      try {
        name = decodeURIComponent(path.slice(CREDENTIALS_PATH.length));
      } catch {
        // A malformed %-escape names no role; thrown here it would end the emulator's process.
        return answer(404, "Not Found");
      }
      if (name !== role.roleName) return answer(404, "Not Found");
      const c = ramRoleCredentials(role, now());
      stats.credentials++;
      const body = {
        AccessKeyId: c.accessKeyId,
        AccessKeySecret: c.accessKeySecret,
        Expiration: isoSeconds(c.expiresAt),
        SecurityToken: c.securityToken,
        LastUpdated: isoSeconds(c.issuedAt),
        Code: "Success",
      };
      return answer(200, JSON.stringify(body, null, 2), "application/json");
    }
    return answer(404, "Not Found");
  };

  const server = createServer(handle);
  const { port, url } = await listenOn(server, opts.host ?? "127.0.0.1", opts.port ?? 0);
  return {
    url,
    port,
    stats,
    setFault(f) {
      if (f !== null && f !== "unavailable") throw new Error(`unknown ECS metadata fault ${JSON.stringify(f)}`);
      fault = f;
    },
    close: () => closeNow(server),
  };
}

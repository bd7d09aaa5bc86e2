import { WardenError, badRequest, isWardenError, notFound, permissionDenied, unsupportedOperation } from "../sdk/errors.js";
import { parseFields } from "../sdk/fields.js";
import type { Logger, Operation } from "../sdk/plugin.js";
import { STORAGE_UNAVAILABLE, isStorageUnavailable } from "../storage/errors.js";
import type { AuditAuthInfo, AuditBroker, AuditRequestFacts } from "./audit/types.js";
import type { CoreRequest, CoreResult } from "./framework/core-path.js";
import type { EntitySnapshot, IdentityService } from "./identity/identity-service.js";
import type { LockoutService } from "./lockout.js";
import type { MountEntry, MountTable } from "./mounts/mount-table.js";
import type { PolicyService } from "./policy/policy-service.js";
import type { Acl, AclOperation } from "./policy/types.js";
import type { Caller, TokenService } from "./tokens/token-service.js";
import { authBlock } from "./tokens/token-views.js";
import type { CorePathDefinition } from "./framework/core-path.js";
import type { WrapInfo } from "./response-envelope.js";
import type { ResponseWrapping } from "./wrapping/response-wrapping.js";

/** A request as the core sees it: no HTTP types. */
export interface LogicalRequest {
  id: string;
  /** "write" becomes create or update through the path's existence check. */
  operation: "read" | "list" | "write" | "delete";
  /** Without "/v1/" and without a leading "/"; list paths end in "/". */
  path: string;
  data: Record<string, unknown>;
  token: string | undefined;
  clientAddress: string | undefined;
  remotePort?: number;
  requestHost: string;
  /** X-Vault-Wrap-TTL in seconds: wrap the answer (see wrapping/). */
  wrapTtl?: number;
}

export interface LogicalResponse {
  status: number;
  data?: Record<string, unknown> | null;
  warnings?: string[] | null;
  auth?: Record<string, unknown> | null;
  errors?: string[];
  headers?: Record<string, string>;
  /** A body to send without the envelope (see CoreResult.raw). */
  raw?: Record<string, unknown>;
  /** A wrapped answer: nothing else is sent. */
  wrapInfo?: WrapInfo;
}

export interface PipelineDeps {
  mounts: MountTable;
  tokens: TokenService;
  policies: PolicyService;
  audit: AuditBroker;
  identity: IdentityService;
  lockout: LockoutService;
  wrapping: ResponseWrapping;
  log: Logger;
}

const SAFE_PATH = /^[A-Za-z0-9_.@+*=:,~-]+(?:\/[A-Za-z0-9_.@+*=:,~-]+)*\/?$/;

/**
 * The one way a request travels: resolve the mount and path, authenticate (unless it is a login
 * path), take a use, ask the ACL, audit, run the handler, mint if it logged someone in, audit the
 * answer. Every failure is a WardenError; anything else becomes a logged 500.
 */
export class RequestPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(req: LogicalRequest): Promise<LogicalResponse> {
    let facts: AuditRequestFacts | undefined;
    try {
      return await this.run(req, (f) => (facts = f));
    } catch (e) {
      const error = this.toError(e, req);
      if (facts && this.deps.audit.active) {
        try {
          await this.deps.audit.logResponse(facts, { data: null, warnings: null, auth: null, error: error.errors.join("; "), status: error.status });
        } catch {
          return { status: 500, errors: ["internal error"] };
        }
      }
      return { status: error.status, errors: error.errors, headers: error.headers };
    }
  }

  private toError(e: unknown, req: LogicalRequest): WardenError {
    if (isWardenError(e)) {
      if (e.status >= 500 && e.status !== 503) this.deps.log.error("request failed", { path: req.path, status: e.status, error: e.message });
      return e;
    }
    // The database is away: say so (503, the client may retry) instead of a 500 or a hang.
    if (isStorageUnavailable(e)) return new WardenError(503, STORAGE_UNAVAILABLE);
    this.deps.log.error("unexpected error", { path: req.path, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    return new WardenError(500, "internal error");
  }

  private async run(req: LogicalRequest, onFacts: (f: AuditRequestFacts) => void): Promise<LogicalResponse> {
    if (!SAFE_PATH.test(req.path) || req.path.length > 1024) throw badRequest("invalid request path");
    const resolved = this.deps.mounts.resolve(req.path);
    const match = resolved?.entry.matcher.match(resolved.remainder);
    const def = match?.path.def;
    if (resolved && this.deps.wrapping.checksOperand(req.path)) req = await this.admitWrappingOperand(req, resolved.entry, onFacts);

    let caller: Caller | undefined;
    let lastUse = false;
    let identity: EntitySnapshot | undefined;
    if (!def?.unauthenticated) {
      caller = await this.deps.tokens.authenticate(req.token, req.clientAddress);
      identity = await this.entityOf(caller);
      lastUse = await this.deps.tokens.consumeUse(caller);
    }
    try {
      const acl = caller ? this.deps.policies.aclFor(caller.record.policies, identity) : undefined;
      if (!resolved || !match || !def) {
        if (grantsNothing(acl, req.path)) throw permissionDenied();
        if (!resolved) throw notFound(`no handler for route "${req.path}". route entry not found.`);
        throw new WardenError(404, "unsupported path");
      }
      const { entry } = resolved;
      const input: Record<string, unknown> = { ...req.data, ...match.captures };
      const parsed = (() => {
        try {
          return parseFields(def.fields, input);
        } catch (e) {
          // An unauthorised caller learns nothing about a path's fields.
          if (grantsNothing(acl, req.path)) throw permissionDenied();
          throw e;
        }
      })();
      const coreReq: CoreRequest = {
        operation: req.operation === "write" ? "update" : req.operation,
        path: resolved.remainder,
        data: parsed.values,
        has: (f) => parsed.supplied.has(f),
        storage: entry.storage,
        mount: entry.info,
        clientAddress: req.clientAddress,
        requestHost: req.requestHost,
        http: entry.http,
        log: entry.log,
        caller,
        identity,
        acl,
        sudo: acl?.root ?? false,
        wrapTtl: req.wrapTtl,
        input: req.data,
      };
      if (req.operation === "write" && def.existenceCheck) {
        const check = def.existenceCheck as (r: CoreRequest) => Promise<boolean>;
        coreReq.operation = (await this.deps.mounts.guard(entry, "existence check", () => check(coreReq))) ? "update" : "create";
      }
      const operation: Operation = coreReq.operation;
      if (acl && !acl.root) {
        const decision = acl.check(req.path, operation as AclOperation, req.data, req.wrapTtl);
        if (!decision.allowed) throw permissionDenied();
        if (def.sudo && !decision.sudo) throw permissionDenied();
        coreReq.sudo = decision.sudo;
      }
      let handler = def.operations[operation] as ((r: CoreRequest) => Promise<CoreResult | void>) | undefined;
      // Paths without a separate create handler treat a create as an update (Vault does the same).
      if (!handler && operation === "create") handler = def.operations.update as typeof handler;
      if (!handler) throw unsupportedOperation();

      // Audit entries are only built when a device listens: the hot path pays nothing otherwise.
      const facts = this.deps.audit.active ? this.requestFacts(req, entry, operation, caller) : undefined;
      if (facts) {
        onFacts(facts);
        await this.deps.audit.logRequest(facts);
      }

      // Plugin code runs under the mount's deadline: a hung handler costs this request only.
      const call = async (): Promise<CoreResult> => (await this.deps.mounts.guard(entry, `${operation} ${resolved.remainder}`, () => handler(coreReq))) ?? {};
      const result = def.lockout
        ? await this.deps.lockout.guard(entry, String(parsed.values[def.lockout.aliasField] ?? "").trim(), req.clientAddress, call)
        : await call();
      const unknown = (def as CorePathDefinition<never>).takesArbitraryInput ? [] : parsed.unknown;
      const answer = await this.respond(req, def.unauthenticated === true, entry, result, unknown, identity);
      // Wrapped before the audit, as in Vault: the log shows the wrapping token's HMAC, never the answer.
      const response = req.wrapTtl || result.rewrap ? await this.deps.wrapping.wrap(req, entry, result, answer, caller) : answer;
      if (facts) {
        await this.deps.audit.logResponse(facts, {
          data: response.data ?? null,
          warnings: response.warnings ?? null,
          auth: response.auth ? authFacts(response.auth) : null,
          error: null,
          status: response.status,
          wrapInfo: response.wrapInfo,
        });
      }
      return response;
    } finally {
      if (lastUse && caller) await this.deps.tokens.revokeTree(caller.record);
    }
  }

  /**
   * sys/wrapping/{unwrap,lookup,rewrap} check their token operand before authentication (Vault's
   * validateWrappingToken): a refusal is answered and audited without using any token.
   */
  private async admitWrappingOperand(req: LogicalRequest, entry: MountEntry, onFacts: (f: AuditRequestFacts) => void): Promise<LogicalRequest> {
    try {
      return await this.deps.wrapping.admit(req);
    } catch (e) {
      if (this.deps.audit.active) {
        const facts = this.requestFacts(req, entry, req.operation === "write" ? "update" : req.operation, undefined);
        onFacts(facts);
        await this.deps.audit.logRequest(facts);
      }
      throw e;
    }
  }

  /** The entity behind a token: gone or disabled means the token no longer works. */
  private async entityOf(caller: Caller): Promise<EntitySnapshot | undefined> {
    if (!caller.record.entityId) return undefined;
    // Read with the token itself: exact on every node, whatever the snapshot cache holds.
    if (caller.record.entityDisabled) throw permissionDenied();
    const snap = await this.deps.identity.snapshot(caller.record.entityId);
    if (!snap || snap.entity.disabled) throw permissionDenied();
    return snap;
  }

  private async respond(
    req: LogicalRequest,
    isLogin: boolean,
    entry: MountEntry,
    result: CoreResult,
    unknown: string[],
    callerIdentity: EntitySnapshot | undefined,
  ): Promise<LogicalResponse> {
    if (result.raw) return { status: 200, data: result.raw.body, raw: result.raw.body, headers: result.raw.headers };
    const warnings = [...(result.warnings ?? [])];
    let auth: Record<string, unknown> | undefined;
    if (result.auth) {
      if (!isLogin) throw new WardenError(500, "internal error");
      const entity = await this.deps.identity.resolveLogin(entry.record.accessor, result.auth.alias.name, result.auth.alias.metadata ?? {}, entry.record.type);
      const minted = await this.deps.tokens.mintForLogin(result.auth, entry, req.path, req.clientAddress, entity.id);
      warnings.push(...minted.warnings);
      const snap = await this.deps.identity.snapshot(entity.id);
      auth = authBlock(minted.record, minted.token, snap?.identityPolicies);
    } else if (result.issued) {
      const snap = result.issued.record.entityId ? await this.deps.identity.snapshot(result.issued.record.entityId) : callerIdentity;
      auth = authBlock(result.issued.record, result.hideClientToken ? "" : result.issued.token, snap?.identityPolicies);
    }
    const data = result.data;
    const empty = !data && !auth && warnings.length === 0;
    if (req.operation === "list") {
      const keys = data?.keys;
      if (!Array.isArray(keys) || keys.length === 0) {
        if (warnings.length === 0) return { status: 404, errors: [] };
      }
    } else if (empty) {
      return req.operation === "read" ? { status: 404, errors: [] } : { status: 204 };
    }
    if (unknown.length > 0) warnings.push(`Endpoint ignored these unrecognized parameters: [${unknown.join(" ")}]`);
    return { status: 200, data: data ?? null, warnings: warnings.length ? warnings : null, auth: auth ?? null };
  }

  private requestFacts(req: LogicalRequest, entry: MountEntry, operation: Operation, caller: Caller | undefined): AuditRequestFacts {
    return {
      id: req.id,
      operation,
      path: req.path,
      mountPoint: entry.record.path,
      mountType: entry.record.type,
      mountAccessor: entry.record.accessor,
      remoteAddress: req.clientAddress ?? "",
      remotePort: req.remotePort,
      data: req.data,
      auth: caller ? callerFacts(caller) : null,
      clientToken: req.token ?? "",
      clientTokenAccessor: caller?.record.accessor ?? "",
      wrapTtl: req.wrapTtl,
    };
  }
}

/**
 * A non-root caller with no capability at all on the path: it gets the 403 before any 404 or field
 * error (Vault checks the ACL before routing). ACL.capabilities answers ["deny"], never [], then.
 */
function grantsNothing(acl: Acl | undefined, path: string): boolean {
  return acl !== undefined && !acl.root && acl.capabilities(path).every((c) => c === "deny");
}

function callerFacts(caller: Caller): AuditAuthInfo {
  const r = caller.record;
  return {
    clientToken: caller.token,
    accessor: r.accessor,
    displayName: r.displayName,
    policies: r.policies,
    tokenPolicies: r.policies,
    metadata: Object.keys(r.meta).length ? r.meta : null,
    entityId: r.entityId,
    remainingUses: Math.max(r.numUses, 0),
    tokenType: "service",
    tokenTtl: r.ttl,
    tokenIssueTime: new Date(r.createdAt).toISOString(),
  };
}

function authFacts(auth: Record<string, unknown>): AuditAuthInfo {
  return {
    clientToken: String(auth.client_token ?? ""),
    accessor: String(auth.accessor ?? ""),
    displayName: "",
    policies: (auth.policies as string[]) ?? [],
    tokenPolicies: (auth.token_policies as string[]) ?? [],
    metadata: (auth.metadata as Record<string, string> | null) ?? null,
    entityId: String(auth.entity_id ?? ""),
    remainingUses: Number(auth.num_uses ?? 0),
    tokenType: "service",
    tokenTtl: Number(auth.lease_duration ?? 0),
    tokenIssueTime: new Date().toISOString(),
  };
}

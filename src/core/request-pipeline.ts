import { WardenError, badRequest, isWardenError, notFound, permissionDenied, unsupportedOperation } from "../sdk/errors.js";
import { parseFields } from "../sdk/fields.js";
import type { Operation } from "../sdk/plugin.js";
import type { ServerLogger } from "./logging/logger.js";
import { STORAGE_UNAVAILABLE, isStorageUnavailable } from "../storage/errors.js";
import { AuditTrail } from "./audit/request-trail.js";
import type { AuditBroker } from "./audit/types.js";
import { type BoundPath, type CallContext, type Routed, route } from "./framework/bound-path.js";
import { pathHelp } from "./framework/path-docs.js";
import type { CoreResult } from "./framework/core-path.js";
import type { EntitySnapshot, IdentityService } from "./identity/identity-service.js";
import type { LockoutService } from "./login/lockout.js";
import type { Metrics, RouteMetrics } from "./metrics/metrics.js";
import { routeMetrics, unmatchedRoute } from "./metrics/route-label.js";
import { type MountEntry, type MountTable, failedMountError } from "./mounts/mount-table.js";
import type { PolicyService } from "./policy/policy-service.js";
import type { Acl, AclOperation } from "./policy/types.js";
import { type Caller, LeaseCapReached, type TokenService } from "./tokens/token-service.js";
import type { QuotaService, RateOutcome } from "./quotas/quota-service.js";
import { MAX_QUOTA_ROLE, type QuotaTarget } from "./quotas/quota-rules.js";
import type { TokenAuth } from "./tokens/token-views.js";
import type { WrapInfo } from "./framework/response-envelope.js";
import type { ResponseWrapping } from "./wrapping/response-wrapping.js";
import { LookupSelfPath, type LookupSelfOutcome, type LookupSelfRequest } from "./lookup-self-path.js";

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
  /** `?help=1`: answer the path's help instead of running it. */
  help?: boolean;
  /** The HTTP method (the duration metric's label); the operation's word when absent. */
  method?: string;
  /** The rate limit as decided at the edge before the body was read (rateBeforeBody): not checked again. */
  rate?: RateOutcome | WardenError;
}

export interface LogicalResponse {
  status: number;
  data?: Record<string, unknown> | null;
  warnings?: string[] | null;
  /** A token this answer hands out, typed: the edge renders Vault's `auth` block from it (authBlock). */
  auth?: TokenAuth | null;
  errors?: string[];
  headers?: Record<string, string>;
  /** A body to send without the envelope (see CoreResult.raw). */
  raw?: Record<string, unknown>;
  /** A wrapped answer: nothing else is sent. */
  wrapInfo?: WrapInfo;
  /** A text body sent as is (see CoreResult.text). */
  text?: { body: string; contentType: string };
}

export interface PipelineDeps {
  mounts: MountTable;
  tokens: TokenService;
  policies: PolicyService;
  audit: AuditBroker;
  identity: IdentityService;
  lockout: LockoutService;
  wrapping: ResponseWrapping;
  quotas: QuotaService;
  log: ServerLogger;
  metrics: Metrics;
}

/** What a request's metrics need from its run: its route, and whether a login handed out a token. */
interface RequestMark {
  route: RouteMetrics;
  loggedIn: boolean;
}

/** No rate limit applies, and no headers to add (shared: never changed by anyone). */
const NO_RATE_LIMIT: RateOutcome = Object.freeze({});

const SAFE_PATH = /^[A-Za-z0-9_.@+*=:,~-]+(?:\/[A-Za-z0-9_.@+*=:,~-]+)*\/?$/;

/**
 * The one way a request travels: resolve the mount and path, authenticate (unless it is a login
 * path), take a use, ask the ACL, audit, run the handler, mint if it logged someone in, audit the
 * answer. Every failure is a WardenError; anything else becomes a logged 500. Every request that
 * gets here is audited (when a device is enabled), whatever its outcome.
 */
export class RequestPipeline {
  private readonly lookupSelfPath: LookupSelfPath;

  constructor(private readonly deps: PipelineDeps) {
    this.lookupSelfPath = new LookupSelfPath(deps, (route, method, started, id) => this.recordRequest(route, method, started, id));
  }

  /**
   * `GET auth/token/lookup-self` answered completely by hand (lookup-self-path.ts), or undefined:
   * something applies that only handle() does, and the request must take it. Given in the same call
   * when it can be (SQLite), else as a promise.
   */
  lookupSelf(req: LookupSelfRequest): LookupSelfOutcome {
    return this.lookupSelfPath.answer(req);
  }

  /**
   * The rate limit of a request whose body is not read yet (see QuotaService.checkRateBeforeBody),
   * matched on the same canonical path run() uses; undefined: run() decides once the body is read.
   * Given in the same call when no rate-limit quota exists and the definitions are cached (the common
   * case: nothing to wait for), else as a promise.
   */
  rateBeforeBody(path: string, clientAddress: string | undefined): RateOutcome | Promise<RateOutcome | WardenError | undefined> {
    const has = this.deps.quotas.hasRateRules();
    if (has === false) return NO_RATE_LIMIT;
    return (async () => ((await has) ? this.rateOf(path, clientAddress) : NO_RATE_LIMIT))();
  }

  private async rateOf(path: string, clientAddress: string | undefined): Promise<RateOutcome | WardenError | undefined> {
    if (!SAFE_PATH.test(path) || path.length > 1024) return undefined;
    const resolved = this.deps.mounts.resolve(path);
    if (!resolved) return undefined;
    const match = route(resolved.entry, resolved.remainder);
    const canonical = match ? resolved.entry.record.path + match.remainder : path;
    return this.deps.quotas.checkRateBeforeBody({ path: canonical, mountPath: resolved.entry.record.path }, clientAddress);
  }

  async handle(req: LogicalRequest): Promise<LogicalResponse> {
    // Entries are only built when a device listens: the hot path pays nothing otherwise.
    const trail = AuditTrail.open(this.deps.audit, req);
    const started = performance.now();
    const mark: RequestMark = { route: unmatchedRoute(this.deps.metrics), loggedIn: false };
    try {
      return await this.run(req, trail, mark);
    } catch (e) {
      const error = this.toError(e, req);
      // Vault leaves rate-limit refusals out of the audit log unless sys/quotas/config asks for them.
      if (this.deps.quotas.unaudited(error)) return { status: error.status, errors: error.errors, headers: error.headers };
      // Fail closed: a refusal the log could not take is not answered as if it had been audited.
      if (trail && !(await trail.failure(error))) return { status: 500, errors: ["internal error"] };
      return { status: error.status, errors: error.errors, headers: error.headers };
    } finally {
      const login = mark.route.login;
      if (login) (mark.loggedIn ? login.success : login.failure).inc();
      this.recordRequest(mark.route, req.method ?? req.operation, started, req.id);
    }
  }

  /** A request's duration metric and its debug line, however it was answered. */
  private recordRequest(route: RouteMetrics, method: string, started: number, requestId: string): void {
    const seconds = (performance.now() - started) / 1000;
    this.deps.metrics.observeRequest(route, method, seconds);
    // One line per request at debug only (the bounded route, never the raw path); info logs none.
    if (this.deps.log.enabled("debug")) this.deps.log.debug("request", { request_id: requestId, method, route: route.route, duration_ms: Math.round(seconds * 1e4) / 10 });
  }

  private toError(e: unknown, req: LogicalRequest): WardenError {
    if (isWardenError(e)) {
      if (e.status >= 500 && e.status !== 503) this.deps.log.error("request failed", { path: req.path, status: e.status, error: e.message, request_id: req.id });
      return e;
    }
    // The database is away: say so (503, the client may retry) instead of a 500 or a hang.
    if (isStorageUnavailable(e)) return new WardenError(503, STORAGE_UNAVAILABLE);
    this.deps.log.error("unexpected error", { path: req.path, request_id: req.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    return new WardenError(500, "internal error");
  }

  private async run(req: LogicalRequest, trail: AuditTrail | undefined, mark: RequestMark): Promise<LogicalResponse> {
    if (!SAFE_PATH.test(req.path) || req.path.length > 1024) throw badRequest("invalid request path");
    const resolved = this.deps.mounts.resolve(req.path);
    const match = resolved && route(resolved.entry, resolved.remainder);
    // The one name of the request: the ACL decides on it, the handler acts on it, the log records it.
    const path = match ? resolved.entry.record.path + match.remainder : req.path;
    if (resolved) trail?.routed(resolved.entry, path);
    if (match) mark.route = routeMetrics(this.deps.metrics, resolved.entry, match.bound);
    const def = match?.bound.rules;
    // Quotas before authentication: a flood of bad logins is refused before any token, credential or
    // wrapping-token check (Vault's quota check wraps every handler). The login role for role quotas
    // is resolved here only while a rate-limit role quota exists on the mount (the plugin's
    // resolveRole: no credential checked); without one the edge decided before reading the body.
    const target: QuotaTarget | undefined = resolved ? { path, mountPath: resolved.entry.record.path, role: undefined } : undefined;
    if (req.rate instanceof WardenError) throw req.rate;
    // The login role once resolved before the handler (a role rate-limit quota asked), even if it is none.
    let loginRole: { role: string | undefined } | undefined;
    if (resolved && target && match && match.bound.rules.unauthenticated) {
      const roleRules = this.deps.quotas.hasRoleRateRules(target.mountPath);
      if (roleRules !== false && (await roleRules)) {
        target.role = await this.loginRole(req, resolved.entry, match);
        loginRole = { role: target.role };
      }
    }
    const rate = req.rate ?? (target ? await this.deps.quotas.checkRate(target, req.clientAddress) : {});
    // sys/wrapping/{unwrap,lookup,rewrap} check their token operand before authentication (Vault's
    // validateWrappingToken): a refusal is answered, and audited by the trail, without using any token.
    if (resolved && this.deps.wrapping.checksOperand(req.path)) req = await this.deps.wrapping.admit(req);
    // A mount whose plugin failed to load answers every request, login included, with a 503:
    // it cannot tell which of its paths would be unauthenticated, and the client may retry later.
    if (resolved && !resolved.entry.builtin && resolved.entry.failed !== undefined) throw failedMountError(resolved.entry);

    let caller: Caller | undefined;
    let lastUse = false;
    let identity: EntitySnapshot | undefined;
    if (!def?.unauthenticated || (def.optionalToken && req.token !== undefined)) {
      caller = await this.deps.tokens.authenticate(req.token, req.clientAddress);
      trail?.caller(callerAuth(caller, undefined));
      identity = await this.entityOf(caller);
      lastUse = await this.deps.tokens.consumeUse(caller);
      trail?.caller(callerAuth(caller, identity));
    }
    try {
      const acl = caller ? this.deps.policies.aclFor(caller.record.policies, identity) : undefined;
      if (!resolved || !match || !def) {
        if (grantsNothing(acl, path)) throw permissionDenied();
        if (!resolved) throw notFound(`no handler for route "${req.path}". route entry not found.`);
        throw new WardenError(404, "unsupported path");
      }
      const { entry } = resolved;
      if (req.help) return await this.help(path, entry, match.bound, acl, trail);
      const input: Record<string, unknown> = { ...req.data, ...match.captures };
      const parsed = (() => {
        try {
          return parseFields(def.fields, input);
        } catch (e) {
          // An unauthorised caller learns nothing about a path's fields.
          if (grantsNothing(acl, path)) throw permissionDenied();
          throw e;
        }
      })();
      const ctx = callContext(req, entry, match, parsed, { caller, identity, acl, sudo: acl?.root ?? false });
      const check = match.bound.existenceCheck;
      if (req.operation === "write" && check) {
        ctx.operation = (await this.deps.mounts.guard(entry, "existence check", () => check(ctx))) ? "update" : "create";
        trail?.operation(ctx.operation);
      }
      const operation: Operation = ctx.operation;
      if (acl && !acl.root && !def.unauthenticated) {
        const decision = acl.check(path, operation as AclOperation, req.data, req.wrapTtl);
        if (!decision.allowed) throw permissionDenied();
        if (def.sudo && !decision.sudo) throw permissionDenied();
        ctx.sudo = decision.sudo;
      }
      const handler = match.bound.handler(operation);
      if (!handler) throw unsupportedOperation();

      // Logged before the handler runs: a request the log cannot take is never executed.
      if (trail) await trail.request();
      // Plugin code runs under the mount's deadline: a hung handler costs this request only.
      const call = (): Promise<CoreResult | void> => this.deps.mounts.guard(entry, `${operation} ${match.remainder}`, () => handler(ctx));
      const result: CoreResult =
        (def.lockout
          ? await this.deps.lockout.guard(entry, String(parsed.values[def.lockout.aliasField] ?? "").trim(), req.clientAddress, call)
          : await call()) ?? {};
      const unknown = def.takesArbitraryInput ? [] : parsed.unknown;
      // The token of a login records the role it named (lease-count role quotas count it): the one a
      // role quota resolved before the handler, else the one the login says it used, else resolved now.
      const roleOfLogin = (): string | undefined | Promise<string | undefined> =>
        loginRole ? loginRole.role : result.auth?.role !== undefined ? roleName(result.auth.role) : this.loginRole(req, entry, match);
      const answer = await this.respond(req, path, def.unauthenticated === true, entry, result, unknown, identity, target, roleOfLogin);
      if (rate.headers) answer.headers = { ...answer.headers, ...rate.headers };
      if (answer.auth) mark.loggedIn = true;
      // Wrapped before the audit, as in Vault: the log shows the wrapping token's HMAC, never the answer.
      const response = req.wrapTtl || result.rewrap ? await this.deps.wrapping.wrap(req, entry, result, answer, caller) : answer;
      if (trail) await trail.response(response);
      return response;
    } finally {
      if (lastUse && caller) await this.deps.tokens.revokeTree(caller.record);
    }
  }

  /**
   * The role a login request names (Vault's ResolveRoleOperation): the path's resolveRole, called
   * with the request's fields under the mount's deadline; a plugin that resolves roles on none of
   * the paths it could be asked on names none here; an older plugin: the request's `role` field.
   * Input its parser refuses, or a 4xx from resolveRole, names no role (the handler answers the 400).
   * Without a promise when no resolver is asked.
   */
  private loginRole(req: LogicalRequest, entry: MountEntry, match: Routed): string | undefined | Promise<string | undefined> {
    const resolve = match.bound.resolveRole;
    if (!resolve) return resolvesRoles(entry) ? undefined : roleName(req.data.role);
    return this.resolvedLoginRole(req, entry, match, resolve);
  }

  private async resolvedLoginRole(req: LogicalRequest, entry: MountEntry, match: Routed, resolve: NonNullable<Routed["bound"]["resolveRole"]>): Promise<string | undefined> {
    let parsed: ReturnType<typeof parseFields>;
    try {
      parsed = parseFields(match.bound.rules.fields, { ...req.data, ...match.captures });
    } catch {
      return undefined;
    }
    // Before authentication: the resolver sees no caller, identity or ACL.
    const ctx = callContext(req, entry, match, parsed, { caller: undefined, identity: undefined, acl: undefined, sudo: false });
    try {
      return roleName(await this.deps.mounts.guard(entry, "resolve role", () => resolve(ctx)));
    } catch (e) {
      if (isWardenError(e) && e.status < 500) return undefined;
      throw e;
    }
  }

  /**
   * A path's help, its handler never run. Stricter than Vault (whose help needs only a valid token):
   * a caller with no capability on the path learns nothing of it, as for its field errors.
   */
  private async help(path: string, entry: MountEntry, bound: BoundPath, acl: Acl | undefined, trail: AuditTrail | undefined): Promise<LogicalResponse> {
    if (grantsNothing(acl, path)) throw permissionDenied();
    await trail?.request();
    const body = pathHelp(path, { path: entry.record.path, type: entry.record.type, description: entry.record.description, paths: entry.backend.paths }, bound.docs);
    const response: LogicalResponse = { status: 200, data: body, raw: body };
    await trail?.response(response);
    return response;
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
    path: string,
    isLogin: boolean,
    entry: MountEntry,
    result: CoreResult,
    unknown: string[],
    callerIdentity: EntitySnapshot | undefined,
    target: QuotaTarget | undefined,
    roleOfLogin: () => string | undefined | Promise<string | undefined>,
  ): Promise<LogicalResponse> {
    if (result.raw) return { status: 200, data: result.raw.body, raw: result.raw.body, headers: result.raw.headers };
    if (result.text) return { status: 200, text: result.text };
    const warnings = [...(result.warnings ?? [])];
    let auth: TokenAuth | undefined;
    if (result.auth) {
      if (!isLogin) throw new WardenError(500, "internal error");
      const entity = await this.deps.identity.resolveLogin(entry.record.accessor, result.auth.alias.name, result.auth.alias.metadata ?? {}, entry.record.type);
      // The role, the quota and the identity policies are waited for only when they are not known at
      // once: each `await` of a plain value would still cost a promise and a turn of the queue.
      const named = roleOfLogin();
      const role = named instanceof Promise ? await named : named;
      // The lease-count quota is checked in the same atomic insert as the token (exact across nodes).
      const capped = target ? this.deps.quotas.leaseCap({ ...target, role }) : undefined;
      const cap = capped instanceof Promise ? await capped : capped;
      let minted: Awaited<ReturnType<TokenService["mintForLogin"]>>;
      try {
        minted = await this.deps.tokens.mintForLogin(result.auth, entry, path, req.clientAddress, entity.id, role, cap);
      } catch (e) {
        throw e instanceof LeaseCapReached ? this.deps.quotas.leaseCountExceeded(path) : e;
      }
      warnings.push(...minted.warnings);
      const policies = this.identityPoliciesOf(entity.id, undefined);
      auth = { clientToken: minted.token, record: minted.record, identityPolicies: policies instanceof Promise ? await policies : policies };
    } else if (result.issued) {
      const record = result.issued.record;
      const policies = this.identityPoliciesOf(record.entityId, callerIdentity);
      auth = { clientToken: result.hideClientToken ? "" : result.issued.token, record, identityPolicies: policies instanceof Promise ? await policies : policies };
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

  /**
   * An issued token's identity policies, as its lookup shows them (the caller's snapshot when it is the
   * same entity); without a promise when the entity's snapshot is cached (a login's: resolveLogin read it).
   */
  private identityPoliciesOf(entityId: string, known: EntitySnapshot | undefined): string[] | Promise<string[]> {
    if (!entityId) return [];
    if (known?.entity.id === entityId) return known.identityPolicies;
    const cached = this.deps.identity.cached(entityId);
    if (cached) return cached.identityPolicies;
    return this.deps.identity.snapshot(entityId).then((snap) => snap?.identityPolicies ?? []);
  }
}

/**
 * A login role as the quotas match it and the token records it (in clear: docs/security.md): a
 * non-empty string of at most MAX_QUOTA_ROLE characters (a quota's role is bounded the same way).
 */
function roleName(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value.length <= MAX_QUOTA_ROLE ? value : undefined;
}

/** Backends any of whose paths resolves login roles (they name roles only through it), memoised. */
const resolvingBackends = new WeakMap<object, boolean>();
function resolvesRoles(entry: MountEntry): boolean {
  let known = resolvingBackends.get(entry.backend);
  if (known === undefined) {
    known = (entry.backend.paths as readonly { resolveRole?: unknown }[]).some((p) => p.resolveRole !== undefined);
    resolvingBackends.set(entry.backend, known);
  }
  return known;
}

/**
 * A non-root caller with no capability at all on the path: it gets the 403 before any 404 or field
 * error (Vault checks the ACL before routing). ACL.capabilities answers ["deny"], never [], then.
 */
function grantsNothing(acl: Acl | undefined, path: string): boolean {
  return acl !== undefined && !acl.root && acl.capabilities(path).every((c) => c === "deny");
}

/** The caller's token as the audit log shows it. */
const callerAuth = (caller: Caller, identity: EntitySnapshot | undefined): TokenAuth => ({
  clientToken: caller.token,
  record: caller.record,
  identityPolicies: identity?.identityPolicies ?? [],
});

/** The one way a path's handler, existence check or role resolver is given a request. */
function callContext(
  req: LogicalRequest,
  entry: MountEntry,
  match: Routed,
  parsed: { values: CallContext["data"]; supplied: Set<string> },
  who: Pick<CallContext, "caller" | "identity" | "acl" | "sudo">,
): CallContext {
  return {
    operation: req.operation === "write" ? "update" : req.operation,
    path: match.remainder,
    data: parsed.values,
    has: (f) => parsed.supplied.has(f),
    clientAddress: req.clientAddress,
    requestHost: req.requestHost,
    log: entry.log.forRequest(req.id),
    ...who,
    wrapTtl: req.wrapTtl,
    input: req.data,
  };
}

/**
 * `GET auth/token/lookup-self`, the hottest request, answered without the generic pipeline's layers
 * (hono's router, the field parser, the call context, the envelope objects, the audit trail's
 * bookkeeping) but with what they would decide for it done here by hand, the same way: the token's one
 * prepared read and authenticate's checks (TokenService.peek, usable), its entity (disabled: refused),
 * the compiled ACL of its policies, Vault's lookup data (token-views.ts) in the response envelope
 * (response-envelope.ts, both through tokens/lookup-body.ts), and the request's metrics and debug line
 * (recordRequest). The row is read on every request; what is derived from it (the ACL decision and the
 * serialised answer) is kept while the row, the entity's snapshot and the policies are unchanged.
 *
 * Whenever something applies that this path does not do by hand, it answers nothing and the caller
 * takes the generic path (RequestPipeline.handle), which then does everything from the start: an
 * enabled audit device, a rate-limit quota that matches the path (or quotas not loaded yet), a token
 * with a use count, anything that throws (storage away, a keyring to reload). Refusals it does give
 * (403 "permission denied") are the generic path's refusals for the same reasons, with no side effect
 * the generic path would have had (no quota, use or audit entry is involved by then).
 */
import type { Acl } from "./policy/types.js";
import type { MountEntry } from "./mounts/mount-table.js";
import type { PipelineDeps } from "./request-pipeline.js";
import { route } from "./framework/bound-path.js";
import { routeMetrics } from "./metrics/route-label.js";
import type { RouteMetrics } from "./metrics/metrics.js";
import type { QuotaTarget } from "./quotas/quota-rules.js";
import { remainingTtl } from "./tokens/token-views.js";
import { LookupBody } from "./tokens/lookup-body.js";
import type { EntitySnapshot } from "./identity/identity-service.js";
import type { TokenRecord } from "../storage/types.js";

/** What the edge knows of the request: no HTTP types. */
export interface LookupSelfRequest {
  id: string;
  token: string;
  clientAddress: string | undefined;
}

/** A complete answer: the status, the JSON body and its length in bytes, sent with the generic path's JSON headers. */
export interface LookupSelfAnswer {
  status: number;
  body: string;
  length: number;
}

/** An answer now, none (take the generic path), or either later (a read or an entity to wait for). */
export type LookupSelfOutcome = LookupSelfAnswer | undefined | Promise<LookupSelfAnswer | undefined>;

const PATH = "auth/token/lookup-self";
const DENIED_BODY = JSON.stringify({ errors: ["permission denied"] });
const DENIED: LookupSelfAnswer = { status: 403, body: DENIED_BODY, length: Buffer.byteLength(DENIED_BODY) };
/** Anything that throws (storage away, a keyring to reload...): the generic path answers it, from the start. */
const declined = (): undefined => undefined;

/** Where the path is served now (mounts can change): the token store's own lookup-self, or nothing. */
interface Served {
  route: RouteMetrics;
  quota: QuotaTarget;
}

/**
 * What a token's answer was derived from besides its record: its entity's snapshot and the policies'
 * generation (the ACL decision). The body is undefined when that ACL refuses the read.
 */
interface Derived {
  entity: EntitySnapshot | undefined;
  generation: number;
  body: LookupBody | undefined;
}

export type RecordRequest = (route: RouteMetrics, method: string, started: number, requestId: string) => void;

export class LookupSelfPath {
  /** Whether each compiled ACL lets `read` on the path: ACLs are immutable and recompiled on change. */
  private readonly reads = new WeakMap<Acl, boolean>();
  /**
   * The serialised answer per shared token record (TokenService.peek: one object per unchanged row),
   * so a token looked up again costs its read, its checks and a splice. Kept by the record, never by
   * the token: the token's row is still read on every request, and a revoked, renewed or changed
   * row is a missing or another record at once.
   */
  private readonly derived = new WeakMap<TokenRecord, Derived>();
  private served: { entry: MountEntry; remainder: string; value: Served } | undefined;

  constructor(
    private readonly deps: PipelineDeps,
    private readonly recordRequest: RecordRequest,
  ) {}

  /**
   * The answer, or undefined: take the generic path. With a storage that reads synchronously (SQLite)
   * and the entity's snapshot cached, the answer is given in the same call: no promise, no microtask.
   */
  answer(req: LookupSelfRequest): LookupSelfOutcome {
    const started = performance.now();
    const { audit, quotas, tokens } = this.deps;
    if (audit.active) return undefined;
    const served = this.where();
    if (!served || !quotas.rateFree(served.quota)) return undefined;
    if (!tokens.wellFormed(req.token)) return this.done(served, started, req, DENIED);
    const now = tokens.clock.now();
    let read: TokenRecord | undefined | Promise<TokenRecord | undefined>;
    try {
      read = tokens.peek(req.token);
      if (!(read instanceof Promise)) return this.checked(req, served, started, now, read);
    } catch {
      return undefined;
    }
    return read.then((record) => this.checked(req, served, started, now, record), declined);
  }

  /** authenticate's checks of the read, then the answer (a use count: the generic path's). */
  private checked(req: LookupSelfRequest, served: Served, started: number, now: number, record: TokenRecord | undefined): LookupSelfOutcome {
    if (!record || !this.deps.tokens.usable(record, req.clientAddress, now)) return this.done(served, started, req, DENIED);
    // A use is taken, and the last one revokes, on the generic path only.
    if (record.numUses !== 0) return undefined;
    if (!record.entityId) return this.done(served, started, req, this.view(req, record, undefined, now));
    if (record.entityDisabled) return this.done(served, started, req, DENIED);
    const known = this.deps.identity.cached(record.entityId);
    if (known) return this.done(served, started, req, this.view(req, record, known, now));
    return this.deps.identity.snapshot(record.entityId).then((entity) => this.done(served, started, req, this.view(req, record, entity, now)), declined);
  }

  private done(served: Served, started: number, req: LookupSelfRequest, answer: LookupSelfAnswer): LookupSelfAnswer {
    this.recordRequest(served.route, "GET", started, req.id);
    return answer;
  }

  /** The answer for a usable token and its entity (undefined or disabled: gone or disabled, refused). */
  private view(req: LookupSelfRequest, record: TokenRecord, entity: EntitySnapshot | undefined, now: number): LookupSelfAnswer {
    if (record.entityId && (!entity || entity.entity.disabled)) return DENIED;
    const body = this.bodyOf(record, entity);
    if (!body) return DENIED;
    const { body: text, length } = body.answer(req.id, req.token, remainingTtl(record, now));
    return { status: 200, body: text, length };
  }

  /** The token's serialised answer, when its ACL lets it read the path: kept while record, entity and policies are the same. */
  private bodyOf(record: TokenRecord, entity: EntitySnapshot | undefined): LookupBody | undefined {
    const generation = this.deps.policies.generation;
    const known = this.derived.get(record);
    if (known !== undefined && known.entity === entity && known.generation === generation) return known.body;
    const acl = this.deps.policies.aclFor(record.policies, entity);
    const body = acl.root || this.allowsRead(acl) ? LookupBody.of(record, entity?.identityPolicies ?? []) : undefined;
    // A record read afresh per request (PostgreSQL) would only fill the map.
    if (this.deps.tokens.peeksShared) this.derived.set(record, { entity, generation, body });
    return body;
  }

  private allowsRead(acl: Acl): boolean {
    let allowed = this.reads.get(acl);
    if (allowed === undefined) {
      // What the generic path asks for a GET without a query: no data, no wrapping TTL.
      allowed = acl.check(PATH, "read", {}, undefined).allowed;
      this.reads.set(acl, allowed);
    }
    return allowed;
  }

  /** The mount and path the generic path would route to, when it is the token store's lookup-self. */
  private where(): Served | undefined {
    const resolved = this.deps.mounts.resolve(PATH);
    if (!resolved) return undefined;
    const known = this.served;
    if (known && known.entry === resolved.entry && known.remainder === resolved.remainder) return known.value;
    this.served = undefined;
    const { entry, remainder } = resolved;
    if (!entry.builtin || entry.record.type !== "token") return undefined;
    const match = route(entry, remainder);
    if (!match || entry.record.path + match.remainder !== PATH || match.bound.rules.pattern !== "lookup-self") return undefined;
    // What this path does by hand is a token-authenticated read with no sudo, lockout or fields.
    const rules = match.bound.rules;
    if (rules.unauthenticated || rules.sudo || rules.lockout || Object.keys(rules.fields).length > 0) return undefined;
    const value: Served = {
      route: routeMetrics(this.deps.metrics, entry, match.bound),
      quota: { path: PATH, mountPath: entry.record.path, role: undefined },
    };
    this.served = { entry, remainder, value };
    return value;
  }
}

/**
 * `GET auth/token/lookup-self`, the hottest request, answered without the generic pipeline's layers
 * (hono's router, the field parser, the call context, the envelope objects, the audit trail's
 * bookkeeping) but with what they would decide for it done here by hand, the same way: the token's one
 * prepared read (TokenService.authenticate), its entity (disabled: refused), the compiled ACL of its
 * policies, Vault's lookup data (token-views.ts) in the response envelope (response-envelope.ts), and
 * the request's metrics and debug line (recordRequest).
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
import { dataOnlyBodyJson } from "./framework/response-envelope.js";
import type { PipelineDeps } from "./request-pipeline.js";
import { route } from "./framework/bound-path.js";
import { routeMetrics } from "./metrics/route-label.js";
import type { RouteMetrics } from "./metrics/metrics.js";
import type { QuotaTarget } from "./quotas/quota-rules.js";
import { lookupData } from "./tokens/token-views.js";
import type { EntitySnapshot } from "./identity/identity-service.js";
import type { TokenRecord } from "../storage/types.js";

/** What the edge knows of the request: no HTTP types. */
export interface LookupSelfRequest {
  id: string;
  token: string;
  clientAddress: string | undefined;
}

/** A complete answer: the status and the JSON body, sent with the generic path's JSON headers. */
export interface LookupSelfAnswer {
  status: number;
  body: string;
}

const PATH = "auth/token/lookup-self";
const DENIED: LookupSelfAnswer = { status: 403, body: JSON.stringify({ errors: ["permission denied"] }) };
const GENERIC: Promise<undefined> = Promise.resolve(undefined);
/** Anything that throws (storage away, a keyring to reload...): the generic path answers it, from the start. */
const declined = (): undefined => undefined;

/** Where the path is served now (mounts can change): the token store's own lookup-self, or nothing. */
interface Served {
  route: RouteMetrics;
  quota: QuotaTarget;
}

export type RecordRequest = (route: RouteMetrics, method: string, started: number, requestId: string) => void;

export class LookupSelfPath {
  /** Whether each compiled ACL lets `read` on the path: ACLs are immutable and recompiled on change. */
  private readonly reads = new WeakMap<Acl, boolean>();
  private served: { entry: MountEntry; remainder: string; value: Served } | undefined;

  constructor(
    private readonly deps: PipelineDeps,
    private readonly recordRequest: RecordRequest,
  ) {}

  /**
   * The answer, or undefined: take the generic path. One promise chain from the token's read to the
   * answer (no async layers: each costs a promise and a microtask on the hottest request).
   */
  answer(req: LookupSelfRequest): Promise<LookupSelfAnswer | undefined> {
    const started = performance.now();
    const { audit, quotas, tokens } = this.deps;
    if (audit.active) return GENERIC;
    const served = this.where();
    if (!served || !quotas.rateFree(served.quota)) return GENERIC;
    const done = (answer: LookupSelfAnswer | undefined): LookupSelfAnswer | undefined => {
      if (answer) this.recordRequest(served.route, "GET", started, req.id);
      return answer;
    };
    if (!tokens.wellFormed(req.token)) return Promise.resolve(done(DENIED));
    const now = tokens.clock.now();
    return tokens.read(req.token).then(
      (record) => {
        if (!record || !tokens.usable(record, req.clientAddress, now)) return done(DENIED);
        // A use is taken, and the last one revokes, on the generic path only.
        if (record.numUses !== 0) return undefined;
        if (!record.entityId) return done(this.view(req, record, undefined));
        if (record.entityDisabled) return done(DENIED);
        const known = this.deps.identity.cached(record.entityId);
        if (known) return done(this.view(req, record, known));
        return this.deps.identity.snapshot(record.entityId).then((entity) => done(this.view(req, record, entity)), declined);
      },
      declined,
    );
  }

  /** The answer for a usable token and its entity (undefined or disabled: gone or disabled, refused). */
  private view(req: LookupSelfRequest, record: TokenRecord, entity: EntitySnapshot | undefined): LookupSelfAnswer {
    if (record.entityId && (!entity || entity.entity.disabled)) return DENIED;
    const acl = this.deps.policies.aclFor(record.policies, entity);
    if (!acl.root && !this.allowsRead(acl)) return DENIED;
    const data = lookupData(record, req.token, this.deps.tokens.clock.now(), entity?.identityPolicies ?? []);
    return { status: 200, body: dataOnlyBodyJson(req.id, data) };
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

/**
 * One request's way into the audit log, whatever its outcome (Vault audits denied and
 * unauthenticated requests too). The pipeline tells the trail what it learns as it goes (the mount
 * and canonical path, the caller, the operation), logs the request entry before a handler runs, and
 * the response entry after; a request refused or failed on the way gets both entries, carrying
 * the error ("permission denied", "unsupported path"...). Secrets are HMAC'd by the broker as for
 * any entry: a bad token is only ever written as its hash.
 *
 * A trail exists only while a device is enabled, so a server without audit builds no entries.
 * Fail closed: when no device can write an entry, the request fails with a 500.
 */
import type { WardenError } from "../../sdk/errors.js";
import type { MountEntry } from "../mounts/mount-table.js";
import type { WrapInfo } from "../framework/response-envelope.js";
import type { TokenAuth } from "../tokens/token-views.js";
import { type AuditedRequest, requestFacts, tokenAuthFacts } from "./auth-facts.js";
import { isNotAudited } from "./paths.js";
import type { AuditBroker, AuditRequestFacts, AuditResponseFacts } from "./types.js";

/** What the trail needs of an answer: the pipeline's LogicalResponse fits it. */
export interface AuditedResponse {
  status: number;
  data?: Record<string, unknown> | null;
  warnings?: string[] | null;
  auth?: TokenAuth | null;
  wrapInfo?: WrapInfo;
}

export class AuditTrail {
  private readonly facts: AuditRequestFacts;
  private requestLogged = false;
  /** A write failed: the request is answered 500 and nothing more is attempted. */
  private failed = false;

  private constructor(
    private readonly broker: AuditBroker,
    req: AuditedRequest,
  ) {
    this.facts = requestFacts(req);
    // A write is an update until the path's existence check says create (Vault's order too).
    if (req.operation === "write") this.facts.operation = "update";
  }

  /** A trail for this request, or undefined when no device listens or the path is never audited. */
  static open(broker: AuditBroker, req: AuditedRequest): AuditTrail | undefined {
    return broker.active && !isNotAudited(req.path) ? new AuditTrail(broker, req) : undefined;
  }

  /** The mount the request resolved to and the path as the ACL checks it (canonical). */
  routed(entry: MountEntry, path: string): void {
    this.facts.path = path;
    this.facts.mountPoint = entry.record.path;
    this.facts.mountType = entry.record.type;
    this.facts.mountAccessor = entry.record.accessor;
  }

  /** The token that authenticated the request (called again once its entity is known). */
  caller(auth: TokenAuth): void {
    this.facts.auth = tokenAuthFacts(auth);
    this.facts.clientTokenAccessor = auth.record.accessor;
  }

  /** The operation once the existence check decided create or update. */
  operation(op: string): void {
    this.facts.operation = op;
  }

  /** The request entry, before the handler runs: if it cannot be written, the handler never runs. */
  async request(): Promise<void> {
    await this.write(() => this.broker.logRequest(this.facts));
    this.requestLogged = true;
  }

  async response(res: AuditedResponse): Promise<void> {
    await this.write(() => this.broker.logResponse(this.facts, responseFacts(res)));
  }

  /**
   * A request that ended in an error: its request entry (if the refusal came before it) and its
   * response entry, both with the error. False when the log could not take them (answer 500 then).
   */
  async failure(error: WardenError): Promise<boolean> {
    if (this.failed) return false;
    const text = error.errors.join("; ") || `status ${error.status}`;
    try {
      if (!this.requestLogged) await this.write(() => this.broker.logRequest({ ...this.facts, error: text }));
      this.requestLogged = true;
      await this.write(() => this.broker.logResponse(this.facts, { data: null, warnings: null, auth: null, error: text, status: error.status }));
      return true;
    } catch {
      return false;
    }
  }

  private async write(log: () => Promise<void>): Promise<void> {
    try {
      await log();
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }
}

function responseFacts(res: AuditedResponse): AuditResponseFacts {
  return {
    data: res.data ?? null,
    warnings: res.warnings ?? null,
    auth: res.auth ? tokenAuthFacts(res.auth) : null,
    error: null,
    status: res.status,
    ...(res.wrapInfo ? { wrapInfo: res.wrapInfo } : {}),
  };
}

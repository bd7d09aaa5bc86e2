/**
 * Builds Vault-shaped audit entries (internal/audit/types.go, JSON format) from the pipeline's raw
 * facts, with one device's key and switches, and serialises them to one line.
 *
 * Hashed: auth.client_token, auth.accessor (hmac_accessor), request.client_token,
 * request.client_token_accessor (hmac_accessor), every string leaf of request and response data, and the
 * response auth's token/accessor, and a wrapped answer's wrapping token (and accessors). Not hashed (as in Vault): paths, policies, metadata, display names,
 * warnings, the error text. Optional parts are omitted when absent, like Go's `omitempty`.
 */
import type { AuditAuthInfo, AuditRequestFacts, AuditResponseFacts } from "./types.js";
import { auditCopy, hmacValue } from "./hash.js";
import type { WrapInfo } from "../framework/response-envelope.js";

export interface EntryKeying {
  /** null when log_raw: nothing is hashed. */
  key: Uint8Array | null;
  hmacAccessor: boolean;
}

/** Vault leaves an empty token empty (nothing to hide, and "" is recognisable as "none"). */
function hashField(k: EntryKeying, value: string, applies = true): string {
  if (k.key === null || !applies || value === "") return value;
  return hmacValue(k.key, value);
}

const copy = (value: unknown): unknown => auditCopy(value, { key: null });
const hashedCopy = (k: EntryKeying, value: unknown): unknown => auditCopy(value, { key: k.key });

function authBlock(k: EntryKeying, a: AuditAuthInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    client_token: hashField(k, a.clientToken),
    accessor: hashField(k, a.accessor, k.hmacAccessor),
    display_name: a.displayName,
    policies: copy(a.policies),
    token_policies: copy(a.tokenPolicies),
  };
  if (a.identityPolicies !== undefined) out.identity_policies = copy(a.identityPolicies);
  out.metadata = copy(a.metadata);
  out.entity_id = a.entityId;
  out.remaining_uses = a.remainingUses;
  out.token_type = a.tokenType;
  out.token_ttl = a.tokenTtl;
  out.token_issue_time = a.tokenIssueTime;
  return out;
}

function requestBlock(k: EntryKeying, r: AuditRequestFacts): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: r.id,
    operation: r.operation,
    mount_point: r.mountPoint,
    mount_type: r.mountType,
    mount_accessor: r.mountAccessor,
    client_token: hashField(k, r.clientToken),
    client_token_accessor: hashField(k, r.clientTokenAccessor, k.hmacAccessor),
    path: r.path,
  };
  if (r.data !== null && r.data !== undefined) out.data = hashedCopy(k, r.data);
  out.remote_address = r.remoteAddress;
  if (r.remotePort !== undefined) out.remote_port = r.remotePort;
  if (r.wrapTtl) out.wrap_ttl = r.wrapTtl;
  return out;
}

export function requestEntry(k: EntryKeying, time: string, r: AuditRequestFacts): Record<string, unknown> {
  const out: Record<string, unknown> = { time, type: "request" };
  if (r.auth) out.auth = authBlock(k, r.auth);
  out.request = requestBlock(k, r);
  if (r.error) out.error = r.error;
  return out;
}

export function responseEntry(k: EntryKeying, time: string, r: AuditRequestFacts, s: AuditResponseFacts): Record<string, unknown> {
  const out: Record<string, unknown> = { time, type: "response" };
  if (r.auth) out.auth = authBlock(k, r.auth);
  out.request = requestBlock(k, r);
  const response: Record<string, unknown> = {
    mount_point: r.mountPoint,
    mount_type: r.mountType,
    mount_accessor: r.mountAccessor,
  };
  if (s.auth) response.auth = authBlock(k, s.auth);
  if (s.data !== null && s.data !== undefined) response.data = hashedCopy(k, s.data);
  if (s.warnings && s.warnings.length > 0) response.warnings = copy(s.warnings);
  if (s.wrapInfo) response.wrap_info = wrapInfoBlock(k, s.wrapInfo);
  out.response = response;
  if (s.error) out.error = s.error;
  return out;
}

/** Vault's HashWrapInfo: the token always, the accessors under hmac_accessor. */
function wrapInfoBlock(k: EntryKeying, w: WrapInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ttl: w.ttl,
    token: hashField(k, w.token),
    accessor: hashField(k, w.accessor, k.hmacAccessor),
    creation_time: w.creation_time,
    creation_path: w.creation_path,
  };
  if (w.wrapped_accessor) out.wrapped_accessor = hashField(k, w.wrapped_accessor, k.hmacAccessor);
  return out;
}

/**
 * The raw secrets of one request/response, for the last-line check in serialise(): if a plugin echoed
 * a token into a warning, the error text or a path segment, it is still not written in clear.
 * Short values are skipped: replacing every "a" in a line would corrupt it and protect nothing.
 */
export function knownSecrets(k: EntryKeying, r: AuditRequestFacts, s?: AuditResponseFacts): string[] {
  if (k.key === null) return [];
  const out = [r.clientToken, r.auth?.clientToken, s?.auth?.clientToken, s?.wrapInfo?.token];
  if (k.hmacAccessor) out.push(r.clientTokenAccessor, r.auth?.accessor, s?.auth?.accessor, s?.wrapInfo?.accessor, s?.wrapInfo?.wrapped_accessor);
  return [...new Set(out.filter((v): v is string => typeof v === "string" && v.length >= 8))];
}

/** One JSON line. Leftover raw occurrences of known secrets are replaced by their HMAC. */
export function serialise(k: EntryKeying, entry: Record<string, unknown>, secrets: string[]): string {
  let line = JSON.stringify(entry);
  if (k.key !== null) {
    for (const secret of secrets) {
      // Look for the secret as it appears inside a JSON string (escaped), which is how it would be written.
      const needle = JSON.stringify(secret).slice(1, -1);
      if (line.includes(needle)) line = line.split(needle).join(hmacValue(k.key, secret));
    }
  }
  return line;
}

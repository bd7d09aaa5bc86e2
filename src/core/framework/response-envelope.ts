import type { LogicalResponse } from "../request-pipeline.js";
import { authBlock } from "../tokens/token-views.js";

/** Vault's `wrap_info` block, as sent on the wire. */
export interface WrapInfo {
  token: string;
  accessor: string;
  /** Seconds. */
  ttl: number;
  /** RFC3339. */
  creation_time: string;
  creation_path: string;
  /** The accessor of what the wrapped answer carries (a token, an AppRole secret id); omitted when none. */
  wrapped_accessor?: string;
}

/**
 * The JSON body of a successful answer: the raw body when the handler gave one, else Vault's
 * envelope. A wrapped answer carries only `wrap_info` and, as in Vault, an empty request_id.
 * The same body is what a wrapping token stores, so an unwrap gives back exactly what the caller
 * would have received.
 */
export function responseBody(res: LogicalResponse, requestId: string): Record<string, unknown> {
  if (res.raw) return res.raw;
  return {
    request_id: res.wrapInfo ? "" : requestId,
    lease_id: "",
    renewable: false,
    lease_duration: 0,
    data: res.data ?? null,
    wrap_info: res.wrapInfo ?? null,
    warnings: res.warnings ?? null,
    auth: res.auth ? authBlock(res.auth) : null,
  };
}

const DATA_ONLY_HEAD = '{"request_id":"';
const DATA_ONLY_MID = '","lease_id":"","renewable":false,"lease_duration":0,"data":';
const DATA_ONLY_TAIL = ',"wrap_info":null,"warnings":null,"auth":null}';

/**
 * JSON.stringify(responseBody({ status: 200, data }, requestId)) for an answer of data alone (no
 * wrapping, warnings or auth), without building the envelope object: only `data` is serialised, the
 * rest is the envelope's fixed text (the lookup-self fast path; its test holds both paths' bodies equal).
 * `requestId` is a UUID (nothing to escape).
 */
export function dataOnlyBodyJson(requestId: string, data: Record<string, unknown>): string {
  return DATA_ONLY_HEAD + requestId + DATA_ONLY_MID + JSON.stringify(data) + DATA_ONLY_TAIL;
}

/**
 * The lookup-self answer of one token, serialised ahead: everything of the body but the request id,
 * the token itself and `ttl`, which change per request (the token is never kept: it is spliced in from
 * the request). The text comes from the same functions the generic path uses (lookupData inside
 * dataOnlyBodyJson), with unguessable marks where those three go, then cut at the marks; so the body
 * is byte for byte the generic path's for the same record, token, request id and second.
 */
import { randomUUID } from "node:crypto";
import type { TokenRecord } from "../../storage/types.js";
import { dataOnlyBodyJson } from "../framework/response-envelope.js";
import { lookupData } from "./token-views.js";

/** Random per process (never sent, never stored), in the token alphabet: JSON.stringify leaves them as they are. */
const REQUEST_ID_MARK = `request-id-${randomUUID()}`;
const ID_MARK = `token-id-${randomUUID()}`;
/** `ttl` is a number: its mark is cut out with the quotes JSON puts around it. */
const TTL_MARK = `ttl-${randomUUID()}`;

export class LookupBody {
  private constructor(
    private readonly parts: readonly [string, string, string, string],
    /** UTF-8 bytes of the four parts. */
    private readonly fixedBytes: number,
  ) {}

  static of(record: TokenRecord, identityPolicies: string[]): LookupBody {
    const data = lookupData(record, ID_MARK, 0, identityPolicies);
    data.ttl = TTL_MARK;
    const text = dataOnlyBodyJson(REQUEST_ID_MARK, data);
    const parts = cut(text, [REQUEST_ID_MARK, ID_MARK, `"${TTL_MARK}"`]);
    return new LookupBody(parts, Buffer.byteLength(parts.join("")));
  }

  /**
   * The body for one request, and its length in bytes. The request id (a UUID), a well-formed token
   * and the ttl's digits are ASCII: one byte per character.
   */
  answer(requestId: string, token: string, ttl: number): { body: string; length: number } {
    const p = this.parts;
    const seconds = String(ttl);
    return { body: p[0] + requestId + p[1] + token + p[2] + seconds + p[3], length: this.fixedBytes + requestId.length + token.length + seconds.length };
  }
}

/** `text` cut at each mark in turn; each must be there exactly once (a mark is never in stored data). */
function cut(text: string, marks: readonly [string, string, string]): [string, string, string, string] {
  const out: string[] = [];
  let from = 0;
  for (const mark of marks) {
    const at = text.indexOf(mark, from);
    if (at < 0 || text.indexOf(mark, at + mark.length) >= 0) throw new Error("lookup body: a mark is missing or repeated");
    out.push(text.slice(from, at));
    from = at + mark.length;
  }
  out.push(text.slice(from));
  return out as [string, string, string, string];
}

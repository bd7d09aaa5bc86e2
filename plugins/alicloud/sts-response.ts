/**
 * STS's answer to GetCallerIdentity, read strictly.
 *
 * A forged or reflected answer is how the AWS method fell (CVE-2020-16250: a lenient decoder found an
 * identity inside unrelated output). So: status 200, a JSON media type, one flat JSON object with no
 * duplicate keys and nothing after it, exactly the documented keys, all strings, and an identity that
 * agrees with itself. Error answers are reduced to Code and RequestId for the log: STS's Message
 * echoes the string-to-sign (access key id, nonce), so it is never read into a log or a reply.
 */
import { permissionDenied, upstreamUnavailable, type Logger, type OutboundResponse, type WardenError } from "warden/sdk";
import { parseArn, type ParsedArn } from "./arn.js";

export interface CallerIdentity {
  arn: ParsedArn;
  accountId: string;
  identityType: string;
  principalId: string;
  requestId: string;
  userId: string;
  roleId: string;
}

const REQUIRED_KEYS = ["Arn", "AccountId", "IdentityType", "PrincipalId", "RequestId"] as const;
const OPTIONAL_KEYS = ["UserId", "RoleId"] as const;
const KNOWN_KEYS = new Set<string>([...REQUIRED_KEYS, ...OPTIONAL_KEYS]);

/** IdentityType as STS spells it, for each ARN shape. */
const TYPE_FOR_ARN: Record<ParsedArn["type"], string | undefined> = {
  "assumed-role": "AssumedRoleUser",
  user: "RAMUser",
  root: "Account",
  role: undefined, // a role itself never calls; only its sessions do
};

// Gateway codes that mean "this signed request is not acceptable": the caller's fault, so a 403.
const DENIAL_CODES = /^(?:SignatureDoesNotMatch|IncompleteSignature|SignatureNonceUsed|InvalidSignatureMethod|UnsupportedHTTPMethod|MissingParameter|Missing[A-Za-z]+|InvalidAccessKeyId(?:\.[A-Za-z]+)?|InvalidTimeStamp(?:\.[A-Za-z]+)?|InvalidSecurityToken(?:\.[A-Za-z]+)?|InvalidParameter(?:\.[A-Za-z]+)?|Forbidden(?:\.[A-Za-z]+)*|NoPermission|InvalidAction(?:\.[A-Za-z]+)?)$/;
const LOGGABLE = /^[A-Za-z0-9._:/-]{1,128}$/;

/** Turns the outbound response into an identity, or throws the 403/503 the caller should see. */
export function readCallerIdentity(res: OutboundResponse, log: Logger): CallerIdentity {
  if (res.status !== 200) throw errorFor(res, log);
  if (mediaType(res.contentType) !== "application/json") {
    log.warn("alicloud: STS answered 200 without a JSON content type", { status: res.status });
    throw upstreamUnavailable();
  }
  const fields = parseFlatStringObject(res.body.toString("utf8"));
  if (!fields) {
    log.warn("alicloud: STS answered 200 with a body that is not the GetCallerIdentity shape");
    throw upstreamUnavailable();
  }
  const identity = toIdentity(fields);
  if (!identity) {
    log.warn("alicloud: STS answered an identity that does not agree with itself");
    throw upstreamUnavailable();
  }
  return identity;
}

function mediaType(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

function toIdentity(f: Record<string, string>): CallerIdentity | undefined {
  for (const k of Object.keys(f)) if (!KNOWN_KEYS.has(k)) return undefined;
  for (const k of REQUIRED_KEYS) if (!f[k]) return undefined;
  const arn = parseArn(f.Arn!);
  if (!arn || arn.account !== f.AccountId || TYPE_FOR_ARN[arn.type] !== f.IdentityType) return undefined;
  return {
    arn,
    accountId: f.AccountId!,
    identityType: f.IdentityType!,
    principalId: f.PrincipalId!,
    requestId: f.RequestId!,
    userId: f.UserId ?? "",
    roleId: f.RoleId ?? "",
  };
}

/** A non-200: a known gateway denial is 403; anything else (5xx, unknown, unreadable) is a 503. */
function errorFor(res: OutboundResponse, log: Logger): WardenError {
  let code: string | undefined;
  let requestId: string | undefined;
  try {
    const body: unknown = JSON.parse(res.body.toString("utf8"));
    if (body !== null && typeof body === "object" && !Array.isArray(body)) {
      const b = body as Record<string, unknown>;
      if (typeof b.Code === "string" && LOGGABLE.test(b.Code)) code = b.Code;
      if (typeof b.RequestId === "string" && LOGGABLE.test(b.RequestId)) requestId = b.RequestId;
    }
  } catch {
    // unreadable error bodies are simply "no code"
  }
  log.warn("alicloud: STS refused GetCallerIdentity", { status: res.status, code, sts_request_id: requestId });
  if (res.status >= 400 && res.status < 500 && code !== undefined && DENIAL_CODES.test(code)) {
    return permissionDenied();
  }
  return upstreamUnavailable();
}

/**
 * Parses exactly one JSON object whose values are all strings, refusing duplicate keys, nesting,
 * non-string values and anything but whitespace after it. JSON.parse keeps the last duplicate and
 * cannot tell us about it, so this is a small dedicated parser for the one shape we accept.
 */
export function parseFlatStringObject(text: string): Record<string, string> | undefined {
  const n = text.length;
  let i = 0;
  const ws = (): void => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
    }
  };
  const str = (): string | undefined => {
    if (text.charCodeAt(i) !== 0x22) return undefined;
    const start = i;
    // Without an escape or a control character the string is its own text (STS's answers are such
    // strings); anything else is left to JSON.parse's rules.
    let plain = true;
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        plain = false;
        i++;
      } else if (c < 0x20) plain = false;
    }
    if (i >= n) return undefined;
    i++;
    if (plain) return text.slice(start + 1, i - 1);
    try {
      const v: unknown = JSON.parse(text.slice(start, i));
      return typeof v === "string" ? v : undefined;
    } catch {
      return undefined;
    }
  };
  const out: Record<string, string> = Object.create(null);
  ws();
  if (text.charCodeAt(i) !== 0x7b) return undefined;
  i++;
  ws();
  if (text.charCodeAt(i) === 0x7d) {
    i++;
  } else {
    for (;;) {
      ws();
      const key = str();
      if (key === undefined || key in out) return undefined;
      ws();
      if (text.charCodeAt(i) !== 0x3a) return undefined;
      i++;
      ws();
      const value = str();
      if (value === undefined) return undefined;
      out[key] = value;
      ws();
      const c = text.charCodeAt(i);
      if (c === 0x2c) {
        i++;
        continue;
      }
      if (c === 0x7d) {
        i++;
        break;
      }
      return undefined;
    }
  }
  ws();
  return i === n ? out : undefined;
}

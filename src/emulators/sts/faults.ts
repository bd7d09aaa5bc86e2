// Deliberate misbehaviour for warden's response-confusion tests. A fault replaces the answer only after
// the request authenticated, so signature tests stay meaningful while a fault is set.
import { errorFields, stsErrors } from "./errors.js";
import { JSON_CONTENT_TYPE, renderXml } from "./render.js";

export type StsFault =
  | "xml"
  | "html-content-type"
  | "redirect"
  | "oversized"
  | "slow"
  | "server-error"
  | "wrong-account"
  | "missing-fields"
  | "trailing-garbage"
  | "duplicate-keys";

export const STS_FAULTS: readonly StsFault[] = [
  "xml",
  "html-content-type",
  "redirect",
  "oversized",
  "slow",
  "server-error",
  "wrong-account",
  "missing-fields",
  "trailing-garbage",
  "duplicate-keys",
];

export const SLOW_FAULT_DELAY_MS = 30_000;
export const OVERSIZED_FAULT_MIN_BYTES = 1024 * 1024 + 1;
/** Where the redirect fault points: a loopback port nothing listens on, so following it fails fast. */
export const REDIRECT_FAULT_LOCATION = "http://127.0.0.1:1/";

export type FaultOutcome =
  | { kind: "respond"; status: number; contentType: string | null; headers?: Record<string, string>; body: string }
  | { kind: "hang"; delayMs: number };

function otherAccount(accountId: string): string {
  return accountId === "9999999999999999" ? "1111111111111111" : "9999999999999999";
}

/** The same principal type in the same account, but named "admin": what a confused parser would trust. */
function forgedArn(arn: string): string {
  return arn.replace(/:(assumed-role\/)[^/]+\//, ":$1admin/").replace(/:user\/.+$/, ":user/admin");
}

const json = (status: number, body: string): FaultOutcome => ({ kind: "respond", status, contentType: JSON_CONTENT_TYPE, body });

/** `answer` is the genuine GetCallerIdentity answer the fault distorts. */
export function applyFault(fault: StsFault, answer: Readonly<Record<string, string>>, requestId: string): FaultOutcome {
  switch (fault) {
    case "xml":
      return { kind: "respond", status: 200, contentType: "text/xml;charset=utf-8", body: renderXml("GetCallerIdentityResponse", answer) };
    case "html-content-type":
      return { kind: "respond", status: 200, contentType: "text/html;charset=utf-8", body: JSON.stringify(answer) };
    case "redirect":
      return { kind: "respond", status: 302, contentType: null, headers: { location: REDIRECT_FAULT_LOCATION }, body: "" };
    case "oversized": {
      // Still one valid JSON document, so only a response-size limit can stop it.
      const padding = "x".repeat(OVERSIZED_FAULT_MIN_BYTES);
      return json(200, JSON.stringify({ ...answer, Padding: padding }));
    }
    case "slow":
      return { kind: "hang", delayMs: SLOW_FAULT_DELAY_MS };
    case "server-error":
      return json(500, JSON.stringify(errorFields(stsErrors.internalError(), requestId)));
    case "wrong-account":
      return json(200, JSON.stringify({ ...answer, AccountId: otherAccount(answer.AccountId ?? "") }));
    case "missing-fields": {
      const { AccountId: _dropped, ...rest } = answer;
      return json(200, JSON.stringify(rest));
    }
    case "trailing-garbage":
      return json(200, `${JSON.stringify(answer)} trailing garbage`);
    case "duplicate-keys": {
      // JSON.parse keeps the last duplicate, so a parser that does not reject duplicates sees the forged ARN.
      const body = JSON.stringify(answer);
      return json(200, `${body.slice(0, -1)},"Arn":${JSON.stringify(forgedArn(answer.Arn ?? ""))}}`);
    }
  }
}

import { WardenError, isWardenError } from "../../sdk/errors.js";
import { parseDurationSeconds } from "../../sdk/fields.js";

export const WRAP_TTL_HEADER = "X-Vault-Wrap-TTL";

const refuse = (why: string): WardenError => new WardenError(400, `error parsing ${WRAP_TTL_HEADER} header: ${why}`);

/**
 * The wrap TTL a request asks for, in seconds: seconds or a duration ("90", "5m", "1m0s"). Absent or
 * zero means "do not wrap", as in Vault, and a negative value is Vault's 400. warden also refuses a
 * non-zero TTL under one second (the caller believes the answer is wrapped, but the token would be
 * dead on arrival) and one above the server's max lease TTL (no token outlives that bound).
 */
export function parseWrapTtlHeader(value: string | string[] | undefined, maxTtlSeconds: number): number | undefined {
  if (value === undefined) return undefined;
  // Node joins a repeated header with ", ": which copy counts must never be ambiguous.
  if (Array.isArray(value)) throw refuse("header given more than once");
  const text = value.trim();
  if (text === "") return undefined;
  if (text.startsWith("-")) throw refuse("requested wrap ttl cannot be negative");
  let seconds: number;
  try {
    seconds = parseDurationSeconds(text, "wrap ttl");
  } catch (e) {
    throw isWardenError(e) ? refuse(e.errors.join("; ")) : e;
  }
  if (seconds === 0) {
    if (/[1-9]/.test(text)) throw refuse("requested wrap ttl must be at least one second");
    return undefined;
  }
  if (seconds > maxTtlSeconds) throw refuse(`requested wrap ttl exceeds the max lease TTL of ${maxTtlSeconds}s`);
  return seconds;
}

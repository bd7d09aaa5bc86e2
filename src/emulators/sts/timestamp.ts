// The RPC Timestamp parameter: ISO 8601 UTC "YYYY-MM-DDThh:mm:ssZ". Milliseconds are tolerated because
// hand-written clients (Infisical's documented example) send Date.prototype.toISOString() output.

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;

/** Epoch milliseconds, or null when the string is not a well-formed, real calendar instant. */
export function parseRpcTimestamp(value: string): number | null {
  const m = TIMESTAMP.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const millis = m[7] ? Number(m[7].padEnd(3, "0")) : 0;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC silently rolls "02-30" over into March; a round trip catches impossible dates and times.
  const d = new Date(ms);
  const exact =
    d.getUTCFullYear() === year &&
    d.getUTCMonth() === month - 1 &&
    d.getUTCDate() === day &&
    d.getUTCHours() === hour &&
    d.getUTCMinutes() === minute &&
    d.getUTCSeconds() === second;
  return exact ? ms : null;
}

/** Formats like the SDKs do (no milliseconds), for building signed requests in tests and demos. */
export function formatRpcTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

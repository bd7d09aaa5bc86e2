/** The few figures the overview shows, from sys/metrics' Prometheus text (names fixed by interface.md). */
export interface OverviewMetrics {
  tokensLive?: number;
  loginSuccess: number;
  loginFailure: number;
  /** process_start_time_seconds (prom-client's default metrics): the server process's start, in seconds. */
  startedAt?: number;
}

export function parseMetrics(text: string): OverviewMetrics {
  const out: OverviewMetrics = { loginSuccess: 0, loginFailure: 0 };
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (m[1] === "warden_tokens_live") out.tokensLive = (out.tokensLive ?? 0) + value;
    else if (m[1] === "process_start_time_seconds") out.startedAt = value;
    else if (m[1] === "warden_login_requests_total") {
      if (/outcome="success"/.test(m[2] ?? "")) out.loginSuccess += value;
      else if (/outcome="failure"/.test(m[2] ?? "")) out.loginFailure += value;
    }
  }
  return out;
}

/**
 * Logins per minute between two readings; before a second reading, the average since the process
 * started (all times in milliseconds). Undefined when neither is known.
 */
export function loginRate(prev: { at: number; total: number } | undefined, now: { at: number; total: number }, startedAtMs?: number): { perMinute: number; since: "start" | "last" } | undefined {
  if (prev && now.at > prev.at) return { perMinute: ((now.total - prev.total) / (now.at - prev.at)) * 60_000, since: "last" };
  if (startedAtMs !== undefined && now.at > startedAtMs) return { perMinute: (now.total / (now.at - startedAtMs)) * 60_000, since: "start" };
  return undefined;
}

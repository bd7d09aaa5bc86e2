/** The few figures the overview shows, from sys/metrics' Prometheus text (names fixed by interface.md). */
export interface OverviewMetrics {
  tokensLive?: number;
  loginSuccess: number;
  loginFailure: number;
}

export function parseMetrics(text: string): OverviewMetrics {
  const out: OverviewMetrics = { loginSuccess: 0, loginFailure: 0 };
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (m[1] === "warden_tokens_live") out.tokensLive = (out.tokensLive ?? 0) + value;
    else if (m[1] === "warden_login_requests_total") {
      if (/outcome="success"/.test(m[2] ?? "")) out.loginSuccess += value;
      else if (/outcome="failure"/.test(m[2] ?? "")) out.loginFailure += value;
    }
  }
  return out;
}

/** Logins per minute between two readings (undefined until there are two). */
export function loginRate(prev: { at: number; total: number } | undefined, now: { at: number; total: number }): number | undefined {
  if (!prev || now.at <= prev.at) return undefined;
  return ((now.total - prev.total) / (now.at - prev.at)) * 60_000;
}

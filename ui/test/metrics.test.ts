import { describe, expect, it } from "vitest";
import { loginRate, parseMetrics } from "../src/metrics";

describe("parseMetrics", () => {
  it("reads live tokens and login outcomes from the Prometheus text", () => {
    const text = [
      "# HELP warden_tokens_live Live tokens",
      "# TYPE warden_tokens_live gauge",
      "warden_tokens_live 7",
      'warden_login_requests_total{mount="auth/approle/",outcome="success"} 4',
      'warden_login_requests_total{mount="auth/jwt/",outcome="success"} 2',
      'warden_login_requests_total{mount="auth/approle/",outcome="failure"} 1',
      "process_cpu_seconds_total 1.5",
      "process_start_time_seconds 1700000000",
    ].join("\n");
    expect(parseMetrics(text)).toEqual({ tokensLive: 7, loginSuccess: 6, loginFailure: 1, startedAt: 1700000000 });
  });
  it("a login rate: between two readings, else since the process started", () => {
    expect(loginRate(undefined, { at: 1000, total: 5 })).toBeUndefined();
    expect(loginRate({ at: 0, total: 5 }, { at: 30_000, total: 20 })).toEqual({ perMinute: 30, since: "last" });
    expect(loginRate(undefined, { at: 120_000, total: 10 }, 0)).toEqual({ perMinute: 5, since: "start" });
  });
});

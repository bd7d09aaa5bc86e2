import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type Json, errorText, read } from "../api";
import { ErrorList, Section } from "../components";
import { loginRate, parseMetrics } from "../metrics";

interface Overview {
  seal: Json;
  health: Json;
  leader: Json;
  mounts: Json;
  metrics?: ReturnType<typeof parseMetrics>;
  rate?: ReturnType<typeof loginRate>;
}

export function OverviewPage({ onUnauthorized }: { onUnauthorized: () => void }) {
  const [data, setData] = useState<Overview | undefined>();
  const [errors, setErrors] = useState<string[]>([]);
  const last = useRef<{ at: number; total: number } | undefined>(undefined);

  const load = async () => {
    try {
      await read("auth/token/lookup-self");
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) return onUnauthorized();
    }
    try {
      const [seal, health, leader, mounts] = await Promise.all([
        read("sys/seal-status"),
        read("sys/health", { okStatuses: [429, 472, 473, 501, 503] }),
        read("sys/leader"),
        read("sys/auth"),
      ]);
      let metrics: Overview["metrics"];
      let rate: Overview["rate"];
      try {
        metrics = parseMetrics(await read("sys/metrics?format=prometheus", { text: true }));
        const now = { at: Date.now(), total: metrics.loginSuccess + metrics.loginFailure };
        rate = loginRate(last.current, now, metrics.startedAt === undefined ? undefined : metrics.startedAt * 1000);
        last.current = now;
      } catch {
        metrics = undefined; // a token without sys/metrics still sees the rest
      }
      setData({ seal, health, leader, mounts: mounts.data ?? {}, metrics, rate });
      setErrors([]);
    } catch (e) {
      setErrors([errorText(e)]);
    }
  };
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, []);

  return (
    <>
      <h1>Overview</h1>
      <ErrorList errors={errors} />
      {data ? (
        <>
          <Section title="Server">
            <dl class="facts">
              <dt>Seal</dt>
              <dd>{data.seal.sealed ? "sealed" : "unsealed"} ({data.seal.type}, {data.seal.t} of {data.seal.n})</dd>
              <dt>Version</dt>
              <dd>{data.seal.version}</dd>
              <dt>Storage</dt>
              <dd>{data.seal.storage_type}</dd>
              <dt>Cluster</dt>
              <dd>{data.seal.cluster_name}</dd>
              <dt>Leader</dt>
              <dd>{data.leader.ha_enabled ? `${data.leader.is_self ? "this node" : "another node"} (${data.leader.leader_address || "none right now"})` : "this node (no election)"}</dd>
              <dt>Health</dt>
              <dd>{data.health.standby ? "standby" : data.health.sealed ? "sealed" : "active"}</dd>
            </dl>
          </Section>
          <Section title="Activity">
            <dl class="facts">
              <dt>Live tokens</dt>
              <dd>{data.metrics?.tokensLive ?? "n/a"}</dd>
              <dt>Logins since start</dt>
              <dd>{data.metrics ? `${data.metrics.loginSuccess} succeeded, ${data.metrics.loginFailure} failed` : "n/a"}</dd>
              <dt>Login rate</dt>
              <dd>{data.rate === undefined ? "n/a" : `${data.rate.perMinute.toFixed(1)} per minute (${data.rate.since === "start" ? "since start" : "last 10 s"})`}</dd>
            </dl>
          </Section>
          <Section title="Mounts">
            <table>
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col">Type</th>
                  <th scope="col">Description</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(data.mounts).map(([path, m]) => (
                  <tr>
                    <td class="mono">auth/{path}</td>
                    <td>{m.type}</td>
                    <td>{m.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </>
      ) : errors.length === 0 ? (
        <p>Loading…</p>
      ) : null}
    </>
  );
}

/**
 * Leader election for periodic work: a session-level advisory lock held on one dedicated connection
 * per node (outside the pool, so the lock's session is never handed to a request).
 *
 * Why an advisory lock rather than Vault's lock row with a TTL: the lock lives exactly as long as the
 * leader's session. A leader killed with -9 (or crashing) closes its socket, the server ends the
 * session and the lock is free at once; candidates retry every second, so a new leader is in place
 * within about a second, where a TTL row would wait out its TTL (15 s in Vault). The failure a TTL
 * guards against, a session the server still believes alive after its client is gone (no FIN: a
 * network cut), is bounded here by `idle_session_timeout` plus server-side TCP keepalives on that
 * session: the leader probes every second, so only a dead client is idle for 10 s and loses it.
 * The leader, in turn, steps down as soon as one probe fails or takes over 2 s, well before the server
 * would let anyone else in. The periodic jobs are atomic statements and claim-guarded, so even an
 * overlap would do no harm; the lock keeps them from running N times over.
 *
 * Who leads is not stored in the lock; each node advertises itself in the system table (key
 * ha/node/<id>) with the pid and start time of its lock session, and `nodes()` joins those rows with
 * pg_stat_activity (live sessions only: a dead node's row is invisible at once) and pg_locks.
 */
import { hostname } from "node:os";
import pg from "pg";
import type { Logger } from "../../sdk/plugin.js";
import type { HaNode, LeaderElection } from "../types.js";

export interface PgLeaderOptions {
  connectionUrl: string;
  tablePrefix: string;
  pool: pg.Pool;
  connectTimeoutMs: number;
  nodeId: string;
  log?: Pick<Logger, "info" | "warn">;
}

const TRY_EVERY_MS = 1_000;
const PROBE_TIMEOUT_MS = 2_000;
/** Server side: a lock session idle this long belongs to a client that is gone. */
const IDLE_SESSION_TIMEOUT = "10s";

export function pgLeaderElection(opts: PgLeaderOptions): LeaderElection {
  const lockName = `warden:leader:${opts.tablePrefix}`;
  const system = `${opts.tablePrefix}_system`;
  const nodeKey = `ha/node/${opts.nodeId}`;
  let self: Pick<HaNode, "apiAddress" | "hostname" | "version"> | undefined;
  let onChange: ((leader: boolean) => void) | undefined;
  let client: pg.Client | undefined;
  let leader = false;
  let since = 0;
  let stopped = false;
  /** Set while campaigning: from start() to stop(). */
  let timer: NodeJS.Timeout | undefined;
  /** The step in flight: stop() waits for it, so a lock taken during a stop is released by it. */
  let running: Promise<void> | undefined;

  const setLeader = (value: boolean): void => {
    if (leader === value) return;
    leader = value;
    opts.log?.info(value ? "this node is now the leader (periodic work runs here)" : "this node is no longer the leader", {});
    onChange?.(value);
  };

  const drop = (why: string): void => {
    const c = client;
    client = undefined;
    if (leader) opts.log?.warn("leader lock connection lost", { error: why });
    setLeader(false);
    if (c) {
      c.on("error", () => undefined);
      (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      void c.end().catch(() => undefined);
    }
  };

  const q = (c: pg.Client, text: string, values?: unknown[]) => c.query({ text, values, query_timeout: PROBE_TIMEOUT_MS } as pg.QueryConfig);

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: opts.connectionUrl, connectionTimeoutMillis: opts.connectTimeoutMs, keepAlive: true, application_name: "warden-leader" });
    c.on("error", (e) => {
      if (client === c) drop(e.message);
    });
    c.on("end", () => {
      if (client === c) drop("connection ended");
    });
    try {
      await c.connect();
      for (const setting of [`idle_session_timeout = '${IDLE_SESSION_TIMEOUT}'`, "tcp_keepalives_idle = 5", "tcp_keepalives_interval = 2", "tcp_keepalives_count = 3"]) {
        // Older servers lack idle_session_timeout (PostgreSQL < 14): the keepalives still apply.
        await q(c, `SET ${setting}`).catch(() => undefined);
      }
      await advertise(c, 0);
      // Rows of nodes whose sessions are gone: housekeeping, so the table does not grow with restarts.
      await q(
        c,
        `DELETE FROM ${system} s WHERE s.key LIKE 'ha/node/%' AND NOT EXISTS (
           SELECT 1 FROM pg_stat_activity a WHERE a.pid = (s.value::json->>'pid')::int AND a.backend_start::text = s.value::json->>'backendStart')`,
      );
      return c;
    } catch (e) {
      c.on("error", () => undefined);
      void c.end().catch(() => undefined);
      throw e;
    }
  };

  /** Writes this node's row, naming the session that holds (or tries for) the lock. */
  const advertise = async (c: pg.Client, leaderSince: number): Promise<void> => {
    await q(
      c,
      `INSERT INTO ${system} (key, value)
       SELECT $1, json_build_object('nodeId', $2::text, 'apiAddress', $3::text, 'hostname', $4::text, 'version', $5::text,
                                    'leaderSince', $6::bigint, 'pid', pg_backend_pid(), 'backendStart', a.backend_start::text)::text
       FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [nodeKey, opts.nodeId, self?.apiAddress ?? "", self?.hostname ?? hostname(), self?.version ?? "", leaderSince],
    );
  };

  const step = (): Promise<void> => {
    if (running || stopped) return running ?? Promise.resolve();
    running = attempt().finally(() => (running = undefined));
    return running;
  };

  const attempt = async (): Promise<void> => {
    try {
      if (!client) client = await connect();
      const c = client;
      if (stopped) return;
      if (leader) {
        await q(c, "SELECT 1");
      } else {
        const r = await q(c, "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", [lockName]);
        if (r.rows[0]?.ok === true && client === c) {
          since = Date.now();
          await advertise(c, since);
          setLeader(true);
        }
      }
    } catch (e) {
      drop(e instanceof Error ? e.message : String(e));
    }
  };

  return {
    enabled: true,
    start(node, listener) {
      if (timer) return;
      self = node;
      onChange = listener;
      stopped = false;
      void step();
      timer = setInterval(() => void step(), TRY_EVERY_MS);
      timer.unref();
    },
    isLeader: () => leader,
    async nodes() {
      try {
        const { rows } = await opts.pool.query<{ value: string; leader: boolean }>(
          `WITH k AS (SELECT hashtextextended($1, 0) AS h)
           SELECT s.value, EXISTS (
             SELECT 1 FROM pg_locks l, k
             WHERE l.locktype = 'advisory' AND l.granted AND l.pid = a.pid AND l.objsubid = 1
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.classid::bigint = ((k.h >> 32) & 4294967295) AND l.objid::bigint = (k.h & 4294967295)
           ) AS leader
           FROM ${system} s
           JOIN pg_stat_activity a ON a.pid = (s.value::json->>'pid')::int AND a.backend_start::text = s.value::json->>'backendStart'
           WHERE s.key LIKE 'ha/node/%'`,
          [lockName],
        );
        const nodes = rows.map((r) => {
          const v = JSON.parse(r.value) as { nodeId: string; apiAddress: string; hostname: string; version: string; leaderSince: number };
          const n: HaNode = { nodeId: v.nodeId, apiAddress: v.apiAddress, hostname: v.hostname, version: v.version, isLeader: r.leader };
          if (r.leader && v.leaderSince > 0) n.leaderSince = Number(v.leaderSince);
          return n;
        });
        return nodes.sort((a, b) => Number(b.isLeader) - Number(a.isLeader) || a.apiAddress.localeCompare(b.apiAddress));
      } catch {
        return [];
      }
    },
    async stop() {
      // Not final: a sealed node stops campaigning and start() campaigns again after the unseal.
      stopped = true;
      clearInterval(timer);
      timer = undefined;
      await running;
      const c = client;
      client = undefined;
      setLeader(false);
      if (c) {
        c.on("error", () => undefined);
        // Ending the session releases the lock; the row stays but no longer matches a live session.
        await c.end().catch(() => undefined);
      }
    },
  };
}

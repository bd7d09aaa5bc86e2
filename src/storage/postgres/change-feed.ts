/**
 * The change feed across nodes: PostgreSQL LISTEN/NOTIFY. Notices are published through the pool
 * (`pg_notify` after the write's own statement committed) and heard on one dedicated connection per
 * node, outside the pool (a LISTEN belongs to a session, and a pooled session is handed around).
 *
 * NOTIFY is not durable: a notice sent while the listening connection is down is lost. So whenever
 * that connection is lost, and every second until it is back, and once more when it is back,
 * listeners hear "*" (drop every cache). A connection that dies without a FIN is found by a probe
 * every second that must answer within two. Hence the staleness bound: milliseconds while
 * connected; at most about three seconds after a silent loss.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Logger } from "../../sdk/plugin.js";
import type { Change, ChangeFeed } from "../types.js";

export interface PgFeedOptions {
  connectionUrl: string;
  tablePrefix: string;
  pool: pg.Pool;
  connectTimeoutMs: number;
  log?: Pick<Logger, "info" | "warn">;
}

export interface PgChangeFeed extends ChangeFeed {
  /** Resolves once listening (open waits for it, so nothing written after boot is missed). */
  ready(): Promise<void>;
  readonly connected: boolean;
  close(): Promise<void>;
}

const PROBE_EVERY_MS = 1_000;
const PROBE_TIMEOUT_MS = 2_000;
const RESET_EVERY_MS = 1_000;
/** pg_notify refuses payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7_900;

export function pgChangeFeed(opts: PgFeedOptions): PgChangeFeed {
  const channel = `${opts.tablePrefix}_changes`;
  // Tells this node's notices from its peers' (a session hears its own database's NOTIFYs too).
  const nodeId = randomUUID();
  const listeners = new Set<(c: Change) => void>();
  // Notices that arrive before anybody subscribed (between open and the core's caches being
  // loaded) are not dropped silently: the first subscriber hears "*" instead.
  let missedBeforeSubscribe = false;
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let everConnected = false;
  let timer: NodeJS.Timeout | undefined;
  let resetTimer: NodeJS.Timeout | undefined;
  let firstReady: { resolve(): void; reject(e: unknown): void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (firstReady = { resolve, reject }));

  const emit = (c: Change): void => {
    if (listeners.size === 0) missedBeforeSubscribe = true;
    for (const l of listeners) {
      try {
        l(c);
      } catch (e) {
        opts.log?.warn("change listener failed", { error: e instanceof Error ? e.message : String(e) });
      }
    }
  };

  const lost = (why: string): void => {
    const c = client;
    client = undefined;
    if (c) {
      c.removeAllListeners("notification");
      // A socket that is gone without a FIN would keep end() waiting: destroy it.
      c.on("error", () => undefined);
      (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      void c.end().catch(() => undefined);
    }
    if (closed) return;
    if (connected) opts.log?.warn("change feed connection lost; caches are dropped until it is back", { error: why });
    connected = false;
    emit({ topic: "*", key: "" });
    if (!resetTimer) {
      resetTimer = setInterval(() => emit({ topic: "*", key: "" }), RESET_EVERY_MS);
      resetTimer.unref();
    }
    schedule(250);
  };

  const schedule = (ms: number): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void (connected ? probe() : connect()), ms);
    timer.unref();
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: opts.connectionUrl,
      connectionTimeoutMillis: opts.connectTimeoutMs,
      keepAlive: true,
      application_name: "warden-changes",
    });
    c.on("error", (e) => {
      if (client === c) lost(e.message);
    });
    c.on("end", () => {
      if (client === c) lost("connection ended");
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (e) {
      c.on("error", () => undefined);
      void c.end().catch(() => undefined);
      if (!everConnected) {
        firstReady?.reject(e);
        return;
      }
      schedule(1_000);
      return;
    }
    if (closed) {
      void c.end().catch(() => undefined);
      return;
    }
    client = c;
    connected = true;
    c.on("notification", (msg) => {
      if (msg.channel !== channel || !msg.payload) return;
      let parsed: { n?: unknown; t?: unknown; k?: unknown };
      try {
        parsed = JSON.parse(msg.payload) as typeof parsed;
      } catch {
        return;
      }
      if (parsed.n === nodeId || typeof parsed.t !== "string" || typeof parsed.k !== "string") return;
      emit({ topic: parsed.t as Change["topic"], key: parsed.k });
    });
    if (resetTimer) {
      clearInterval(resetTimer);
      resetTimer = undefined;
    }
    if (everConnected) {
      opts.log?.info("change feed reconnected; every cache dropped", {});
      // Whatever was announced while we were not listening is unknown: forget everything.
      emit({ topic: "*", key: "" });
    }
    everConnected = true;
    firstReady?.resolve();
    schedule(PROBE_EVERY_MS);
  };

  const probe = async (): Promise<void> => {
    const c = client;
    if (!c) return schedule(250);
    try {
      await c.query({ text: "SELECT 1", query_timeout: PROBE_TIMEOUT_MS } as pg.QueryConfig);
      if (client === c) schedule(PROBE_EVERY_MS);
    } catch (e) {
      if (client === c) lost(e instanceof Error ? e.message : String(e));
    }
  };

  void connect();

  return {
    ready: () => ready,
    get connected() {
      return connected;
    },
    async publish(topic, key) {
      let payload = JSON.stringify({ n: nodeId, t: topic, k: key });
      // Too long to send: announce the whole namespace / topic instead (listeners drop more).
      if (Buffer.byteLength(payload) > MAX_PAYLOAD) payload = JSON.stringify({ n: nodeId, t: topic, k: topic === "kv" ? `${key.split("\n")[0]}\n` : "" });
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await opts.pool.query("SELECT pg_notify($1, $2)", [channel, payload]);
          return;
        } catch (e) {
          if (closed) return;
          if (attempt === 2) {
            // The write committed; peers that miss this keep a stale copy until their next "*".
            opts.log?.warn("change notice could not be sent", { topic, error: e instanceof Error ? e.message : String(e) });
            return;
          }
          await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      if (missedBeforeSubscribe) {
        missedBeforeSubscribe = false;
        queueMicrotask(() => listener({ topic: "*", key: "" }));
      }
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(resetTimer);
      const c = client;
      client = undefined;
      connected = false;
      listeners.clear();
      if (c) {
        c.on("error", () => undefined);
        await c.end().catch(() => undefined);
      }
    },
  };
}

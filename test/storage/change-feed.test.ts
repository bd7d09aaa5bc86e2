// The change feed part of the storage contract, on both adapters: two Storage instances on one
// database (two nodes) hear each other's writes of cacheable records, never their own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "../../src/sdk/testing/suite.js";
import * as assert from "uvu/assert";
import { openPostgresStorage } from "../../src/storage/postgres/index.js";
import { openSqliteStorage } from "../../src/storage/sqlite/index.js";
import type { Change, Storage } from "../../src/storage/types.js";
import { createThrowawayDatabase } from "../helpers/pg.js";
import { waitFor } from "../helpers/wait-for.js";

const dir = mkdtempSync(join(tmpdir(), "warden-feed-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const db = await createThrowawayDatabase();

const pairs: Record<string, () => Promise<[Storage, Storage]>> = {
  sqlite: async () => {
    const path = join(dir, "feed.db");
    return [await openSqliteStorage({ path }), await openSqliteStorage({ path })];
  },
  postgresql: async () => {
    const o = { connectionUrl: db.url, tablePrefix: "feed", maxConnections: 2 };
    const a = await openPostgresStorage(o);
    return [a, await openPostgresStorage(o)];
  },
};

/**
 * Everything `s` hears until the change with key `fence` arrives. The other node publishes the fence
 * after the writes under test; the feed is ordered (commit order on PostgreSQL, publish order in
 * process), so whatever those writes announced to `s`, rightly or wrongly, is heard before it. No
 * fixed wait for "nothing more came".
 */
function heardUntil(s: Storage, fence: string, ms = 5_000): Promise<Change[]> {
  return new Promise((resolve, reject) => {
    const got: Change[] = [];
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no fence "${fence}" within ${ms} ms; heard ${JSON.stringify(got)}`));
    }, ms);
    const off = s.changes.subscribe((c) => {
      if (c.key !== fence) return void got.push(c);
      clearTimeout(timer);
      off();
      resolve(got);
    });
  });
}

for (const [name, open] of Object.entries(pairs)) {
  const t = suite(`change feed: ${name}`);
  t("writes on one node are announced to the other, after commit, not to the writer", async () => {
    const [a, b] = await open();
    try {
      const onB = heardUntil(b, "fence/a");
      const onA = heardUntil(a, "fence/b");
      await a.policies.put({ name: "p", text: "x", updatedAt: 1, managedBy: "" });
      await a.kv.put("ns1", "role/x", { a: 1 });
      await a.kv.claimOnce("ns1", "nonce", Date.now() + 1000, Date.now()); // exact state: not announced
      await a.system.put("audit/devices", "[]");
      await a.changes.publish("mount", "auth/x/");
      await a.changes.publish("mount", "fence/a");
      await b.changes.publish("mount", "fence/b");
      assert.equal(await onB, [
        { topic: "policy", key: "p" },
        { topic: "kv", key: "ns1\nrole/x" },
        { topic: "system", key: "audit/devices" },
        { topic: "mount", key: "auth/x/" },
      ]);
      assert.equal(await onA, []);
      // What the notice announced is readable by the listener.
      assert.is((await b.policies.get("p"))?.text, "x");
      assert.is(a.ha.enabled, false);
      assert.ok(a.ha.isLeader());
    } finally {
      await a.close();
      await b.close();
    }
  });
  t.run();
}

const h = suite("leader election: postgresql");
h("ha_enabled: exactly one of two instances leads; closing it hands over", async () => {
  const o = { connectionUrl: db.url, tablePrefix: "ha", maxConnections: 2, haEnabled: true };
  const a = await openPostgresStorage(o);
  const b = await openPostgresStorage(o);
  try {
    a.ha.start({ apiAddress: "http://a", hostname: "h", version: "v" });
    b.ha.start({ apiAddress: "http://b", hostname: "h", version: "v" });
    await waitFor("a leader", 5_000, async () => a.ha.isLeader() || b.ha.isLeader(), 20);
    const [leader, other] = a.ha.isLeader() ? [a, b] : [b, a];
    // Instead of waiting a fixed time for a wrong second leader: wait until the other node has tried
    // the lock while it was held (its lock session is idle after the attempt), then count leaders.
    const since = new Date();
    await waitFor("the other node to try for the lock", 5_000, async () => {
      const { rows } = await leader.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'warden-leader' AND state = 'idle'
            AND query LIKE '%pg_try_advisory_lock%' AND query_start > $1`,
        [since],
      );
      return rows[0]!.n > 0;
    });
    assert.is(Number(a.ha.isLeader()) + Number(b.ha.isLeader()), 1);
    const nodes = await other.ha.nodes();
    assert.is(nodes.length, 2);
    assert.is(nodes[0]!.isLeader, true);
    await leader.close();
    await waitFor("the other node to take over", 5_000, async () => other.ha.isLeader(), 20);
    assert.is((await other.ha.nodes()).length, 1);
  } finally {
    await a.close();
    await b.close();
  }
});

h("stop gives leadership up with the storage still open (sys/seal); start campaigns again (unseal)", async () => {
  const o = { connectionUrl: db.url, tablePrefix: "ha2", maxConnections: 2, haEnabled: true };
  const a = await openPostgresStorage(o);
  const b = await openPostgresStorage(o);
  const self = (name: string) => ({ apiAddress: `http://${name}`, hostname: "h", version: "v" });
  try {
    a.ha.start(self("a"));
    await waitFor("a to lead", 5_000, async () => a.ha.isLeader(), 20);
    b.ha.start(self("b"));
    await a.ha.stop();
    assert.is(a.ha.isLeader(), false);
    await waitFor("b to take over", 5_000, async () => b.ha.isLeader(), 20);
    // The stopped node is no candidate any more: only b's session is listed, and b leads.
    assert.equal((await a.ha.nodes()).map((n) => [n.apiAddress, n.isLeader]), [["http://b", true]]);
    a.ha.start(self("a"));
    await waitFor("a to campaign again", 5_000, async () => (await b.ha.nodes()).length === 2, 20);
    await b.ha.stop();
    await waitFor("a to lead again", 5_000, async () => a.ha.isLeader(), 20);
    assert.equal((await b.ha.nodes()).map((n) => [n.apiAddress, n.isLeader]), [["http://a", true]]);
  } finally {
    await a.close();
    await b.close();
    await db.drop();
  }
});
h.run();

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

async function heard(s: Storage, n: number, ms = 2_000): Promise<Change[]> {
  const got: Change[] = [];
  const off = s.changes.subscribe((c) => got.push(c));
  const end = Date.now() + ms;
  while (got.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  off();
  return got;
}

for (const [name, open] of Object.entries(pairs)) {
  const t = suite(`change feed: ${name}`);
  t("writes on one node are announced to the other, after commit, not to the writer", async () => {
    const [a, b] = await open();
    try {
      const onB = heard(b, 5);
      const onA = heard(a, 1, 300);
      await a.policies.put({ name: "p", text: "x", updatedAt: 1 });
      await a.kv.put("ns1", "role/x", { a: 1 });
      await a.kv.claimOnce("ns1", "nonce", Date.now() + 1000); // exact state: not announced
      await a.system.put("audit/devices", "[]");
      await a.changes.publish("mount", "auth/x/");
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
    const end = Date.now() + 5_000;
    while (!a.ha.isLeader() && !b.ha.isLeader() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 1_500));
    assert.is(Number(a.ha.isLeader()) + Number(b.ha.isLeader()), 1);
    const [leader, other] = a.ha.isLeader() ? [a, b] : [b, a];
    const nodes = await other.ha.nodes();
    assert.is(nodes.length, 2);
    assert.is(nodes[0]!.isLeader, true);
    await leader.close();
    const end2 = Date.now() + 5_000;
    while (!other.ha.isLeader() && Date.now() < end2) await new Promise((r) => setTimeout(r, 20));
    assert.ok(other.ha.isLeader());
    assert.is((await other.ha.nodes()).length, 1);
  } finally {
    await a.close();
    await b.close();
    await db.drop();
  }
});
h.run();

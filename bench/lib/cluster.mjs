// N warden nodes on one throw-away PostgreSQL database for the multi-node bench (the test helper
// creates and drops the database; WARDEN_TEST_PG_URL picks the server). Loopback only.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createThrowawayDatabase } from "../../dist/test/helpers/pg.js";
import { WARDEN_MAIN, freePort, sleep, spawnPinned, stop } from "./procs.mjs";

export async function startPgNodes(count, { core, tmp }) {
  const db = await createThrowawayDatabase();
  const nodes = [];
  // Every node unseals itself with one static seal key (sys/init on one node initialises them all).
  const sealKey = join(tmp, `pg-seal-${count}.key`);
  writeFileSync(sealKey, randomBytes(32).toString("hex"), { mode: 0o600 });
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const config = join(tmp, `pg-node-${count}-${i}.hcl`);
      writeFileSync(
        config,
        `api_addr = "http://127.0.0.1:${port}"\nlog_level = "warn"\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\n` +
          `storage "postgresql" {\n  connection_url = "${db.url}"\n  max_connections = 10\n  ha_enabled = true\n}\n` +
          `seal "static" {\n  current_key_id = "bench-key-1"\n  current_key = "file://${sealKey}"\n}\n`,
      );
      nodes.push({ url: `http://127.0.0.1:${port}`, child: spawnPinned(core, process.execPath, [WARDEN_MAIN, "server", `-config=${config}`]) });
    }
    for (const n of nodes) {
      const end = Date.now() + 30_000;
      for (;;) {
        try {
          await fetch(`${n.url}/v1/sys/health`);
          break;
        } catch {
          if (Date.now() > end) throw new Error(`node ${n.url} did not come up`);
          await sleep(100);
        }
      }
    }
    const init = await (await fetch(`${nodes[0].url}/v1/sys/init`, { method: "POST", body: "{}" })).json();
    if (!init.root_token) throw new Error(`sys/init: ${JSON.stringify(init)}`);
    for (const n of nodes) {
      const end = Date.now() + 30_000;
      const sealed = async () => (await (await fetch(`${n.url}/v1/sys/seal-status`)).json()).sealed !== false;
      while (await sealed()) {
        if (Date.now() > end) throw new Error(`node ${n.url} did not unseal`);
        await sleep(50);
      }
    }
    return {
      urls: nodes.map((n) => n.url),
      pids: nodes.map((n) => n.child.pid),
      root: init.root_token,
      async close() {
        for (const n of nodes) await stop(n.child);
        await db.drop();
      },
    };
  } catch (e) {
    for (const n of nodes) await stop(n.child);
    await db.drop();
    throw e;
  }
}

// startup-1m: a data dir holding N token rows (inserted straight into SQLite in one transaction),
// then the time from spawning `warden server` to its first 200 on sys/health.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ROOT, freePort, rssMiB, spawnPinned, stop, waitHealthy } from "./procs.mjs";
import { ROOT_TOKEN, startWarden } from "./warden.mjs";

const hex = (alg, s) => createHash(alg).update(s).digest("hex");

/** Inserts `rows` login-style tokens (no parent, live for 1 h .. 32 d, 5 % expired) into dataDir/warden.db. */
export function fillTokens(dataDir, rows) {
  const db = new Database(join(dataDir, "warden.db"));
  db.pragma("journal_mode = WAL");
  const mount = db.prepare("SELECT accessor FROM mounts WHERE path = 'auth/alicloud/'").get();
  const mountAccessor = mount?.accessor ?? "auth_alicloud_bench";
  const insert = db.prepare(`INSERT INTO tokens (id_hash, accessor, parent_hash, policies, path, mount_accessor, meta,
    display_name, num_uses, created_at, ttl, expires_at, explicit_max_ttl, max_ttl, period, renewable,
    last_renewal_at, entity_id, bound_cidrs, role, auth) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, 0, ?, ?, ?, 0, 0, 0, 1, 0, '', '[]', ?, ?)`);
  const now = Date.now();
  const policies = JSON.stringify(["default"]);
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const idHash = hex("sha256", `bench-token-${i}`);
      const accessor = hex("sha1", `bench-accessor-${i}`).slice(0, 24);
      const session = `session-${i % 5000}`;
      const meta = {
        account_id: "1234567890123456",
        arn: `acs:ram::1234567890123456:assumed-role/dev-role/${session}`,
        identity_type: "AssumedRoleUser",
        principal_id: `300012345678901234:${session}`,
        role_id: "300012345678901234",
        role_name: "bench-role",
      };
      // 1 h .. 32 d; one token in 20 expired already, so the sweeper works while the store is measured
      // (a store that size always has tokens expiring).
      const expired = i % 20 === 0;
      const ttl = expired ? 60 : 3600 + (i % 2761200);
      const created = expired ? now - 7200_000 - (i % 3600) * 1000 : now - (i % 3600) * 1000;
      const auth = { alias: meta.principal_id, metadata: meta, internal: { role_name: "bench-role", arn: meta.arn } };
      insert.run(idHash, accessor, policies, "auth/alicloud/login", mountAccessor, JSON.stringify(meta), `alicloud-${meta.principal_id}`, created, ttl, created + ttl * 1000, "bench-role", JSON.stringify(auth));
    }
  })();
  const insertMs = performance.now() - t0;
  db.pragma("wal_checkpoint(TRUNCATE)");
  const count = db.prepare("SELECT count(*) AS n FROM tokens").get().n;
  db.close();
  return { insertMs: Math.round(insertMs), count };
}

export function dbSizeMiB(dataDir) {
  let bytes = 0;
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      bytes += statSync(join(dataDir, `warden.db${suffix}`)).size;
    } catch {}
  }
  return Math.round((bytes / 1048576) * 10) / 10;
}

/** Spawns a pinned warden on an existing data dir and times spawn -> first 200 on sys/health. */
export async function timeWardenStart(dataDir, core, nodeArgs = []) {
  const port = await freePort();
  const since = performance.now();
  const child = spawnPinned(core, process.execPath, [
    ...nodeArgs,
    join(ROOT, "dist", "src", "cli", "main.js"),
    "server",
    "-dev",
    `-dev-listen-address=127.0.0.1:${port}`,
    `-dev-root-token-id=${ROOT_TOKEN}`,
    `-dev-data-dir=${dataDir}`,
  ]);
  const ms = await waitHealthy(`http://127.0.0.1:${port}/v1/sys/health`, child, { since });
  const rss = rssMiB(child.pid);
  await stop(child);
  return { ms: Math.round(ms), rssMiB: rss };
}

export async function timeBareStart(core) {
  const port = await freePort();
  const since = performance.now();
  const child = spawnPinned(core, process.execPath, [join(ROOT, "bench", "bare-server.mjs"), String(port)]);
  const ms = await waitHealthy(`http://127.0.0.1:${port}/v1/sys/health`, child, { since });
  await stop(child);
  return { ms: Math.round(ms) };
}

/** Creates the data dir with a dev server (schema, root token, alicloud mount), then stops it. */
export async function initDataDir(dataDir) {
  const w = await startWarden({ core: null, dataDir });
  await stop(w.child);
}

/**
 * Applies pending migrations at open, safely when several nodes start at once: everything runs in one
 * transaction that first takes a transaction-scoped advisory lock derived from the table prefix. The
 * second node waits on the lock, then sees the versions the first recorded and applies nothing. A
 * failing migration rolls back whole (PostgreSQL DDL is transactional), leaving the previous version.
 * Cost on an up-to-date database: one lock, one tiny read.
 */
import type pg from "pg";
import type { PgMigration } from "../migrations/postgres/index.js";

export interface MigrateResult {
  from: number;
  to: number;
}

export async function migrate(pool: pg.Pool, prefix: string, migrations: readonly PgMigration[]): Promise<MigrateResult> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`postgresql migrations: version ${m.version} at position ${i + 1}`);
  });
  const latest = migrations.length;
  const table = `${prefix}_schema_migrations`;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    try {
      // Keyed by prefix: wardens with different prefixes in one database do not wait on each other.
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`warden:migrate:${prefix}`]);
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
        version    INTEGER NOT NULL PRIMARY KEY,
        name       TEXT    NOT NULL,
        applied_at BIGINT  NOT NULL
      )`);
      const { rows } = await client.query<{ v: number }>(`SELECT coalesce(max(version), 0)::int AS v FROM ${table}`);
      const from = rows[0]?.v ?? 0;
      // A newer build wrote this schema; running old code against it could corrupt data.
      if (from > latest) throw new Error(`postgresql schema version ${from} is newer than this build (${latest})`);
      for (const m of migrations.slice(from)) {
        await client.query(m.sql(prefix));
        await client.query(`INSERT INTO ${table} (version, name, applied_at) VALUES ($1, $2, $3)`, [m.version, m.name, Date.now()]);
      }
      await client.query("COMMIT");
      return { from, to: latest };
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
  } finally {
    client.release();
  }
}

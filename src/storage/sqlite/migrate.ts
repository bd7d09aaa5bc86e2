/**
 * Applies pending migrations at open. All pending versions go in ONE immediate transaction, so a crash
 * or a failing statement leaves the file at the previous version rather than half-migrated, and two
 * processes opening the same file cannot both apply version N (the second waits on the write lock,
 * then sees N recorded). Cost on an up-to-date database: one tiny read, no table scans.
 */
import type Database from "better-sqlite3";
import type { Migration } from "../migrations/sqlite/index.js";

export interface MigrateResult {
  from: number;
  to: number;
}

export function migrate(db: Database.Database, migrations: readonly Migration[]): MigrateResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`sqlite migrations: version ${m.version} at position ${i + 1}`);
  });
  const latest = migrations.length;
  const apply = db.transaction((): MigrateResult => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER NOT NULL PRIMARY KEY,
      name       TEXT    NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const row = db.prepare("SELECT coalesce(max(version), 0) AS v FROM schema_migrations").get() as { v: number };
    const from = row.v;
    // A newer binary wrote this file; running old code against it could corrupt data.
    if (from > latest) throw new Error(`sqlite schema version ${from} is newer than this build (${latest})`);
    const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    for (const m of migrations.slice(from)) {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }
    return { from, to: latest };
  });
  return apply.immediate();
}

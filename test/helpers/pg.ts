/**
 * Throw-away PostgreSQL databases for tests. The server comes from WARDEN_TEST_PG_URL (default: the
 * local trust-auth cluster, database `postgres`); each caller gets its own `warden_test_<random>`
 * database, dropped again when done. Unreachable PostgreSQL is an error, never a silent skip.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const PG_ADMIN_URL = process.env.WARDEN_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** The admin URL with another database name. */
export function databaseUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(`PostgreSQL for tests is unreachable at ${PG_ADMIN_URL} (start it: pg_ctlcluster --skip-systemctl-redirect <version> main start): ${String(err)}`);
  }
  try {
    return await run(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface ThrowawayDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates `name` if it does not exist (a restart test reopens the same one). */
export async function ensureDatabase(name: string): Promise<ThrowawayDatabase> {
  if (!/^warden_test_[a-z0-9_]+$/.test(name)) throw new Error(`refusing test database name ${name}`);
  await admin(async (c) => {
    const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) {
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } catch (err) {
        // A concurrent creator of the same name won (duplicate_database / unique_violation).
        const code = (err as { code?: string }).code;
        if (code !== "42P04" && code !== "23505") throw err;
      }
    }
  });
  return { name, url: databaseUrl(name), drop: () => dropDatabase(name) };
}

export function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  return ensureDatabase(`warden_test_${randomBytes(6).toString("hex")}`);
}

export async function dropDatabase(name: string): Promise<void> {
  // FORCE: a test that failed half-way may still hold connections.
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

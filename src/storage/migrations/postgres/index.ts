/**
 * Every PostgreSQL migration, oldest first. Append only; versions are dense and start at 1. A migration
 * is a function of the table prefix, because one database may hold several wardens' tables (the prefix
 * is validated as a plain identifier by the config parser before it gets here).
 */
import * as m0001 from "./0001_init.js";
import * as m0002 from "./0002_token_parent_fk.js";
import * as m0003 from "./0003_policy_managed_by.js";
import * as m0004 from "./0004_counted_used_up.js";
import * as m0005 from "./0005_token_login_role.js";
import * as m0006 from "./0006_token_blob_compact.js";
import * as m0007 from "./0007_token_sealed_column.js";
import * as m0008 from "./0008_token_parent_partial.js";

export interface PgMigration {
  readonly version: number;
  readonly name: string;
  sql(prefix: string): string;
}

export const postgresMigrations: readonly PgMigration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008];

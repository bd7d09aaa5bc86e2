/** Every SQLite migration, oldest first. Append only; versions are dense and start at 1. */
import * as m0001 from "./0001_init.js";
import * as m0002 from "./0002_identity_counted.js";
import * as m0003 from "./0003_policy_managed_by.js";
import * as m0004 from "./0004_dialect_parity.js";
import * as m0005 from "./0005_token_login_role.js";
import * as m0006 from "./0006_token_blob_compact.js";
import * as m0007 from "./0007_token_sealed_column.js";
import * as m0008 from "./0008_token_parent_partial.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const sqliteMigrations: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008];
